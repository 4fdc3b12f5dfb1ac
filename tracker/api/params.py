"""Request bodies and list parameters shared by every /api/v1 endpoint."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, time, timedelta

from flask import abort, request
from flask_login import current_user

from .. import timeutil
from ..extensions import db
from ..values import ROW_ID_MAX, Invalid, missing, parse_day, parse_instant, parse_int
from .errors import json_error

LIMIT_DEFAULT, LIMIT_MAX = 50, 200


def body() -> dict:
    """The request's JSON object, or an immediate 400."""
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        abort(json_error(400, {"body": ["Send a JSON object (Content-Type: application/json)."]}))
    return data


def zone() -> str:
    return current_user.timezone


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
        # Bounded like a row id: a huge one would overflow the driver (Invalid is a ValueError).
        return timeutil.utc_from_iso(at), parse_int(row_id, 0, ROW_ID_MAX)
    except (ValueError, TypeError, AttributeError, binascii.Error, json.JSONDecodeError):
        raise Invalid(
            "Invalid cursor; pass next_cursor from the previous page unchanged."
        ) from None


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
