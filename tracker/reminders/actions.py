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
from ..models import Appointment, MassageSession, Reminder, Routine, UsedActionToken, User
from . import checkins, planner, schedule

SALT = "reminder-action-v1"
MAX_AGE = timedelta(days=2)
ALLOWED = {
    "hydration": {"drank", "snooze"},
    "routine_due": {"done", "skip"},
    # The morning check-in's answers, given on its one-tap page (checkins.answer).
    "sleep_checkin": {"checkin"},
    "next_day": {"checkin"},
}


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
    status, body = apply(token, data.get("action"), data)
    if status != 200:
        return json_error(status, body)
    return jsonify(ok=True, **body)


def apply(token: str, action: object, answers: dict | None = None) -> tuple[int, dict]:
    """Check the token and do the action: (200, result) or (404/409/422, errors by field).
    Shared by the JSON endpoint and the one-tap page (actpage.py). `answers` carries a
    check-in's values (sleep_quality, pain_next_day)."""
    # Only 200/404/409/422 answers: the offline outbox replays anything else forever.
    try:
        claims = read_token(token)
    except SignatureExpired:
        return 422, {"token": ["This notification has expired."]}
    except BadSignature:
        return 404, {"token": ["This action link is not valid."]}
    reminder = db.session.get(Reminder, claims["r"])
    if reminder is None or reminder.user_id != claims["u"]:
        return 404, {"token": ["This reminder no longer exists."]}
    if action not in ALLOWED.get(reminder.kind, set()):
        return 422, {"action": [f"Not available for this reminder: {action!r}."]}
    if action == "checkin":
        status, body = checkins.answer(reminder, str(claims["j"]), answers or {})
        if status != 200:
            db.session.rollback()
            return status, body
        db.session.commit()
        return 200, {"action": action, **body}
    routine = None
    if reminder.kind == "routine_due":
        routine = db.session.get(Routine, reminder.subject_id)
        if routine is None or routine.user_id != reminder.user_id or routine.kind != "self":
            return 422, {"action": ["Only a self-massage routine can be done from here."]}
    try:
        with db.session.begin_nested():
            db.session.add(UsedActionToken(user_id=reminder.user_id, jti=str(claims["j"])[:64]))
    except IntegrityError:
        return 409, {"token": ["This action was already done."]}
    if routine is not None:
        body = routine_done(routine, claims["j"]) if action == "done" else skip_today(routine)
    else:
        body = drank(reminder, claims["j"]) if action == "drank" else snooze(reminder)
    db.session.commit()
    return 200, {"action": action, **body}


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


def routine_done(routine: Routine, jti: str) -> dict:
    """Log the self-massage under its routine, as the Done button on Home does; logging it
    re-plans the nudge (session_changed). The session id is derived from the token."""
    from ..logbook.store import quick_done

    user = db.session.get(User, routine.user_id)
    client_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"back-relief:action:{jti}"))
    session, _ = quick_done(user, routine, client_id)
    return {"session_id": session.client_id}


def skip_today(routine: Routine) -> dict:
    """No more nudges for this routine today; the next one is planned from tomorrow."""
    user = db.session.get(User, routine.user_id)
    routine.skipped_on = timeutil.today_in(user.timezone)
    schedule.replan_routine(routine)
    return {"skipped_on": routine.skipped_on.isoformat()}
