"""JSON API for sessions, water and sleep (see docs/api.md). Idempotent on client UUIDs."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, time, timedelta

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required

from .. import timeutil
from ..core import json_error
from ..extensions import db
from ..models import MassageSession, WaterIntake
from . import sleep, store
from .schema import (
    Invalid,
    SessionSchema,
    missing,
    parse_day,
    parse_instant,
    parse_int,
    parse_uuid,
    to_json,
)
from .water import record_drink

bp = Blueprint("api", __name__, url_prefix="/api/v1")
LIMIT_DEFAULT, LIMIT_MAX = 50, 200


def body() -> dict:
    """The request's JSON object, or an immediate 400."""
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        abort(json_error(400, {"body": ["Send a JSON object (Content-Type: application/json)."]}))
    return data


def invalid(errors: dict):
    return json_error(422, errors)


def zone() -> str:
    return current_user.timezone


@bp.post("/sessions")
@login_required
def create_session():
    clean, errors = SessionSchema(current_user).clean(body())
    if errors:
        return invalid(errors)
    session, outcome = store.create_or_replay(current_user.id, clean)
    if outcome == "conflict":
        db.session.rollback()
        return json_error(409, {"id": ["A session with this id already exists with other content."]})
    db.session.commit()
    return jsonify(to_json(session, zone())), 201 if outcome == "created" else 200


@bp.get("/sessions/<raw_id>")
@login_required
def get_session(raw_id: str):
    return jsonify(to_json(store.owned_or_404(current_user.id, raw_id), zone()))


@bp.patch("/sessions/<raw_id>")
@login_required
def patch_session(raw_id: str):
    session = store.owned_or_404(current_user.id, raw_id)
    data = body()
    if "id" in data and str(data["id"]).strip().lower() != session.client_id:
        return invalid({"id": ["The id can't be changed."]})
    clean, errors = SessionSchema(current_user).clean(data, partial=True)
    if errors:
        return invalid(errors)
    store.update(session, clean)
    db.session.commit()
    return jsonify(to_json(session, zone()))


@bp.delete("/sessions/<raw_id>")
@login_required
def delete_session(raw_id: str):
    """Soft delete (restorable for 30 days in the app); deleting twice is still a 204."""
    try:
        client_id = parse_uuid(raw_id)
    except Invalid:
        abort(404)
    session = store.find(current_user.id, client_id)
    if session is None:
        abort(404)
    if session.deleted_at is None:
        store.soft_delete(session)
        db.session.commit()
    return "", 204


def parse_bound(name: str) -> datetime | None:
    """since/until: ISO 8601 with offset, or a date meaning local midnight."""
    raw = request.args.get(name, "")
    if missing(raw):
        return None
    if len(raw.strip()) == 10:
        day = parse_day(raw)
        return timeutil.local_to_utc(day, time(0), zone())
    return parse_instant(raw, timeutil.now() + timedelta(days=36500))


def encode_cursor(at: datetime, row_id: int) -> str:
    """Keyset cursor: the last row's sort key, opaque to clients."""
    raw = json.dumps([timeutil.iso(at), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(raw: str) -> tuple[datetime, int]:
    try:
        at, row_id = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        return timeutil.utc_from_iso(at), int(row_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise Invalid("Invalid cursor; pass next_cursor from the previous page unchanged.") from None


def list_params() -> tuple[dict, dict]:
    params, errors = {}, {}
    for name in ("since", "until"):
        try:
            params[name] = parse_bound(name)
        except Invalid as problem:
            errors[name] = [str(problem)]
    try:
        raw = request.args.get("limit", "")
        params["limit"] = LIMIT_DEFAULT if missing(raw) else parse_int(raw, 1, LIMIT_MAX)
    except Invalid as problem:
        errors["limit"] = [str(problem)]
    try:
        raw = request.args.get("cursor", "")
        params["cursor"] = None if missing(raw) else decode_cursor(raw)
    except Invalid as problem:
        errors["cursor"] = [str(problem)]
    return params, errors


def keyset_page(query, at_column, id_column, params: dict, *, descending: bool):
    """One page of a (time, id) keyset listing: since/until bound the time; the cursor resumes
    right after the last row of the previous page. Returns (rows, next cursor or None)."""
    if params["since"]:
        query = query.where(at_column >= params["since"])
    if params["until"]:
        query = query.where(at_column < params["until"])
    if params["cursor"]:
        at, row_id = params["cursor"]
        if descending:
            later = db.or_(at_column < at, db.and_(at_column == at, id_column < row_id))
        else:
            later = db.or_(at_column > at, db.and_(at_column == at, id_column > row_id))
        query = query.where(later)
    order = (at_column.desc(), id_column.desc()) if descending else (at_column, id_column)
    rows = list(db.session.scalars(query.order_by(*order).limit(params["limit"] + 1)))
    page = rows[: params["limit"]]
    if len(rows) <= params["limit"]:
        return page, None
    return page, encode_cursor(getattr(page[-1], at_column.key), page[-1].id)


@bp.get("/sessions")
@login_required
def list_sessions():
    """Newest first; pass next_cursor back as cursor for the next page."""
    params, errors = list_params()
    if errors:
        return invalid(errors)
    query = (
        db.select(MassageSession)
        .options(db.selectinload(MassageSession.appointment))
        .where(MassageSession.user_id == current_user.id, MassageSession.deleted_at.is_(None))
    )
    page, next_cursor = keyset_page(query, MassageSession.occurred_at, MassageSession.id, params,
                                    descending=True)
    return jsonify(
        sessions=[to_json(s, zone()) for s in page],
        next_cursor=next_cursor,
    )


def water_json(row: WaterIntake) -> dict:
    session = db.session.get(MassageSession, row.session_id) if row.session_id else None
    return {
        "id": row.client_id,
        "session_id": session.client_id if session else None,
        "glasses": row.glasses,
        "drank_at": timeutil.iso(row.drank_at),
    }


@bp.post("/water")
@login_required
def drink():
    data, errors, session_id = body(), {}, None
    now = timeutil.now()
    try:
        client_id = parse_uuid(data.get("id")) if not missing(data.get("id")) else None
        if client_id is None:
            errors["id"] = ["This field is required."]
    except Invalid as problem:
        errors["id"] = [str(problem)]
    if not missing(data.get("session_id")):
        try:
            found = store.find(current_user.id, parse_uuid(data["session_id"]))
            if found is None:
                raise Invalid("No such session in your account.")
            session_id = found.id
        except Invalid as problem:
            errors["session_id"] = [str(problem)]
    at = now
    if not missing(data.get("drank_at")):
        try:
            at = parse_instant(data["drank_at"], now)
        except Invalid as problem:
            errors["drank_at"] = [str(problem)]
    if errors:
        return invalid(errors)
    row, created = record_drink(current_user.id, client_id, session_id, at)
    db.session.commit()
    return jsonify(water_json(row)), 201 if created else 200


@bp.post("/sleep")
@login_required
def log_sleep():
    clean, errors = sleep.clean(body(), current_user)
    if errors:
        return invalid(errors)
    row, created = sleep.upsert(current_user.id, **clean)
    db.session.commit()
    return jsonify(sleep.to_json(row)), 201 if created else 200


from . import api_routines  # noqa: E402,F401  (appointment and routine routes attach to bp)
