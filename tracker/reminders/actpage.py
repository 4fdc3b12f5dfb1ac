"""The one-tap page behind a notification action that changes data ("Drank", "Snooze"),
and the morning check-in's questions (one tap per answer: sleep 1-5, back pain 0-10).

A declarative push notification can only navigate, and a GET must never change data: the
action's `navigate` URL opens this page, whose single button POSTs the same signed token to
the same checks as the service worker's call (actions.apply). Like that endpoint it needs no
login and no CSRF token: the unguessable single-use token is the credential.
"""

from __future__ import annotations

from flask import render_template, request
from itsdangerous import BadSignature, SignatureExpired

from ..extensions import csrf, db, limiter
from ..models import Reminder, UsedActionToken
from . import actions, bp, checkins

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


def _questions(token: str, reminder: Reminder | None) -> list[dict]:
    """A check-in's questions this token has not answered yet, for one-tap buttons."""
    from ..logbook.forms import SLEEP_LABELS

    if reminder is None:
        return []
    jti = str(actions.read_token(token)["j"])
    used = set(
        db.session.scalars(
            db.select(UsedActionToken.jti).where(
                UsedActionToken.user_id == reminder.user_id,
                UsedActionToken.jti.startswith(f"{jti}:", autoescape=True),
            )
        )
    )
    asked = checkins.asks_of(reminder)
    out = []
    for name, (question, (low, high)) in checkins.QUESTIONS.items():
        if question in asked and f"{jti}:{name}"[:64] not in used:
            words = SLEEP_LABELS if name == "sleep_quality" else {0: "no pain", 10: "worst"}
            out.append({"name": name, "legend": LEGENDS[name], "values": [
                (n, words[n - low] if isinstance(words, tuple) else words.get(n, ""))
                for n in range(low, high + 1)
            ]})  # fmt: skip
    return out


LEGENDS = {"sleep_quality": "How did you sleep?", "pain_next_day": "How is your back today?"}
SAVED = {"sleep_quality": "Sleep saved: {v} of 5.", "pain_next_day": "Back pain saved: {v} of 10."}


@bp.get("/act/<token>")
@limiter.limit("60 per minute")
def act_page(token: str):
    action = request.args.get("do", "")
    status, reminder, message = _check(token, action)
    ok = status == 200
    questions = _questions(token, reminder) if ok and action == "checkin" else []
    if ok and action == "checkin" and not questions:
        ok, message = False, "Already answered. You can change it in your log."
    return render_template(
        "reminders/act.html",
        token=token,
        action=action,
        reminder=reminder if ok else None,
        label=_label(reminder, action) if ok else "",
        questions=questions,
        message=message,
    ), status


def _answered(token: str, reminder: Reminder | None):
    """After one answer the page shows the questions still open, with the same token."""
    status, body = actions.apply(token, "checkin", request.form)
    if status != 200:
        message = next(iter(body.values()))[0]
        return render_template("reminders/act.html", token=token, action="checkin",
                               reminder=None, message=message), status  # fmt: skip
    saved = " ".join(t.format(v=body[n]) for n, t in SAVED.items() if n in body)
    left = _questions(token, reminder)
    return render_template(
        "reminders/act.html", token=token, action="checkin", reminder=reminder if left else None,
        questions=left, message=saved, done=True, log_url=(reminder.payload or {}).get("url"),
    ), 200  # fmt: skip


@bp.post("/act/<token>")
@csrf.exempt
@limiter.limit("60 per minute")
def act_submit(token: str):
    action = request.form.get("action", "")
    status, reminder, message = _check(token, action)
    if status == 200 and action == "checkin":
        return _answered(token, reminder)
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
