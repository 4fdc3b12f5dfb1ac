"""Notification actions ("Drank", "Snooze 30 min") that work from the service worker.

Each push carries a signed token bound to the user and the reminder. It expires and can be
used once (UsedActionToken), so a replay from the offline queue or a leaked payload does
nothing twice. The token is the credential: no session cookie or CSRF token is needed.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from flask import current_app, jsonify, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from .. import timeutil
from ..api import bp
from ..api.errors import json_error
from ..extensions import csrf, db, limiter
from ..models import Appointment, MassageSession, Reminder, UsedActionToken, User
from . import planner, schedule

SALT = "reminder-action-v1"
MAX_AGE = timedelta(days=2)
ALLOWED = {"hydration": {"drank", "snooze"}}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def make_token(user_id: int, reminder_id: int) -> str:
    return _serializer().dumps({"u": user_id, "r": reminder_id, "j": secrets.token_urlsafe(12)})


def read_token(token: str) -> dict:
    """The token's claims; raises SignatureExpired or BadSignature."""
    claims = _serializer().loads(token, max_age=int(MAX_AGE.total_seconds()))
    if not isinstance(claims, dict) or not {"u", "r", "j"} <= set(claims):
        raise BadSignature("malformed claims")
    return claims


@bp.post("/actions/<token>")
@csrf.exempt
@limiter.limit("60 per minute")  # per IP: there is no user until the token is checked
def perform_action(token: str):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, {"request": ['Send JSON such as {"action": "drank"}.']})
    # Only 200/404/409/422 answers: the offline outbox replays anything else forever.
    try:
        claims = read_token(token)
    except SignatureExpired:
        return json_error(422, {"token": ["This notification has expired."]})
    except BadSignature:
        return json_error(404, {"token": ["This action link is not valid."]})
    reminder = db.session.get(Reminder, claims["r"])
    if reminder is None or reminder.user_id != claims["u"]:
        return json_error(404, {"token": ["This reminder no longer exists."]})
    action = data.get("action")
    if action not in ALLOWED.get(reminder.kind, set()):
        return json_error(422, {"action": [f"Not available for this reminder: {action!r}."]})
    try:
        with db.session.begin_nested():
            db.session.add(UsedActionToken(user_id=reminder.user_id, jti=str(claims["j"])[:64]))
    except IntegrityError:
        return json_error(409, {"token": ["This action was already done."]})
    body = drank(reminder, claims["j"]) if action == "drank" else snooze(reminder)
    db.session.commit()
    return jsonify(ok=True, action=action, **body)


def _chain_session(reminder: Reminder) -> tuple[MassageSession | None, Appointment | None]:
    if reminder.slot.startswith("s"):
        return db.session.get(MassageSession, reminder.subject_id), None
    appt = db.session.get(Appointment, reminder.subject_id)
    return (schedule.logged_session(appt) if appt else None), appt


def drank(reminder: Reminder, jti: str) -> dict:
    """Count a glass (idempotent on a UUID derived from the token); record_drink re-plans the
    water chain. Answers with the day's glasses, which is what the goal counts."""
    from ..logbook.water import glasses_on, record_drink

    session, _ = _chain_session(reminder)
    client_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"back-relief:action:{jti}"))
    record_drink(reminder.user_id, client_id, session.id if session else None, timeutil.now())
    user = db.session.get(User, reminder.user_id)
    return {"glasses": glasses_on(user.id, user.timezone, timeutil.today_in(user.timezone))}


def snooze(reminder: Reminder) -> dict:
    """Deliver this reminder again in 30 minutes, or before quiet hours begin; when neither
    makes sense any more it is cancelled rather than carried into the next morning."""
    user = db.session.get(User, reminder.user_id)
    now = timeutil.now()
    fitted = planner.snooze_until(user, now, reminder.kind)
    reminder.claimed_until, reminder.claimed_by = None, ""
    if fitted is None:
        reminder.status, reminder.last_error = "cancelled", "Quiet hours begin before then"
        return {"snoozed_until": None}
    until, reminder.stale_at = fitted
    reminder.snoozed_until = reminder.due_at = reminder.next_attempt_at = until
    reminder.status, reminder.attempts, reminder.sent_at, reminder.last_error = (
        "pending",
        0,
        None,
        "",
    )
    return {"snoozed_until": timeutil.iso(until)}
