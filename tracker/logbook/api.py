"""JSON API for sessions, water and sleep (see docs/api.md). Idempotent on client UUIDs."""

from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user, login_required

from .. import timeutil
from ..api import bp
from ..api.errors import invalid, json_error
from ..api.params import body, keyset_page, list_params, zone
from ..extensions import db
from ..models import MassageSession, WaterIntake
from . import sleep, store
from .schema import (
    Invalid,
    SessionSchema,
    missing,
    parse_instant,
    parse_uuid,
    to_json,
)
from .water import record_drink


@bp.post("/sessions")
@login_required
def create_session():
    clean, errors = SessionSchema(current_user).clean(body())
    if errors:
        return invalid(errors)
    session, outcome = store.create_or_replay(current_user.id, clean)
    if outcome == "conflict":
        db.session.rollback()
        return json_error(
            409, {"id": ["A session with this id already exists with other content."]}
        )
    db.session.commit()
    return jsonify(to_json(session, zone())), 201 if outcome == "created" else 200


@bp.get("/sessions/<raw_id>")
@login_required
def get_session(raw_id: str):
    return jsonify(to_json(store.owned_or_404(raw_id), zone()))


@bp.patch("/sessions/<raw_id>")
@login_required
def patch_session(raw_id: str):
    session = store.owned_or_404(raw_id)
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
    page, next_cursor = keyset_page(
        query, MassageSession.occurred_at, MassageSession.id, params, descending=True
    )
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
