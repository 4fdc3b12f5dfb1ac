"""The one-tap page behind a notification action that changes data ("Drank", "Snooze").

A declarative push notification can only navigate, and a GET must never change data: the
action's `navigate` URL opens this page, whose single button POSTs the same signed token to
the same checks as the service worker's call (actions.apply). Like that endpoint it needs no
login and no CSRF token: the unguessable single-use token is the credential.
"""

from __future__ import annotations

from flask import render_template, request
from itsdangerous import BadSignature, SignatureExpired

from ..extensions import csrf, db, limiter
from ..models import Reminder
from . import actions, bp

DONE = {
    "drank": "Glass counted.",
    "snooze": "Snoozed. We'll remind you again in 30 minutes.",
    "done": "Logged under your routine. Well done!",
    "skip": "Skipped for today.",
}


def _label(reminder: Reminder, action: str) -> str:
    for item in (reminder.payload or {}).get("actions") or []:
        if item.get("action") == action:
            return item.get("title") or action
    return action


def _check(token: str, action: str) -> tuple[int, Reminder | None, str]:
    """(status, reminder, message) without using the token up."""
    try:
        claims = actions.read_token(token)
    except SignatureExpired:
        return 422, None, "This notification has expired."
    except BadSignature:
        return 404, None, "This action link is not valid."
    reminder = db.session.get(Reminder, claims["r"])
    if reminder is None or reminder.user_id != claims["u"]:
        return 404, None, "This reminder no longer exists."
    if action not in actions.ALLOWED.get(reminder.kind, set()):
        return 422, reminder, "This action is not available for this reminder."
    return 200, reminder, ""


@bp.get("/act/<token>")
@limiter.limit("60 per minute")
def act_page(token: str):
    action = request.args.get("do", "")
    status, reminder, message = _check(token, action)
    return render_template(
        "reminders/act.html",
        token=token,
        action=action,
        reminder=reminder if status == 200 else None,
        label=_label(reminder, action) if status == 200 else "",
        message=message,
    ), status


@bp.post("/act/<token>")
@csrf.exempt
@limiter.limit("60 per minute")
def act_submit(token: str):
    action = request.form.get("action", "")
    status, reminder, message = _check(token, action)
    if status == 200:
        status, body = actions.apply(token, action)
        errors = body if status != 200 else {}
        message = next(iter(errors.values()))[0] if errors else DONE.get(action, "Done.")
        if status == 200 and body.get("snoozed_until", "") is None:
            message = "Quiet hours begin before then, so no more reminders tonight."
        elif status == 200 and body.get("glasses") is not None:
            n = body["glasses"]
            message = f"Glass counted: {n} {'glass' if n == 1 else 'glasses'} today."
    return render_template(
        "reminders/act.html",
        token=token,
        action=action,
        reminder=None,
        message=message,
        done=status == 200,
    ), status
