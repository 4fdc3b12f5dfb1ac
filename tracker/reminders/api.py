"""The reminders' /api/v1 endpoints: the VAPID public key and this device's subscription."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user, login_required

from .. import timeutil
from ..api import bp
from ..api.errors import json_error
from ..extensions import db, limiter
from ..models import PushSubscription, Reminder
from . import badge, keys
from .subscriptions import label_from_user_agent, validate


@bp.get("/push/public-key")
@login_required
def public_key():
    try:
        vapid = keys.load_vapid()
    except RuntimeError:
        return json_error(503, {"push": ["Push is not configured on this server."]})
    return jsonify(publicKey=keys.application_server_key(vapid))


def _user_key() -> str:
    return f"user:{current_user.id}"  # get_id() names the sign-in, not the account


@bp.post("/push/subscriptions")
@login_required
@limiter.limit("30 per hour", key_func=_user_key)  # browsers re-subscribe a few times a day
def subscribe():
    data = request.get_json(silent=True)
    if data is None:
        return json_error(400, {"request": ["Send the subscription as JSON."]})
    clean, errors = validate(data, current_app.config["PUSH_ENDPOINT_ALLOWLIST"])
    if errors:
        return json_error(422, errors)
    label = clean["label"] or label_from_user_agent(request.headers.get("User-Agent", ""))
    sub = db.session.scalar(
        db.select(PushSubscription).where(PushSubscription.endpoint == clean["endpoint"])
    )
    status = 200
    if sub is None:
        sub = PushSubscription(endpoint=clean["endpoint"])
        db.session.add(sub)
        status = 201
    elif sub.user_id != current_user.id and not _same_keys(sub, clean):
        # Only the browser holding the subscription (same keys) may move it to another
        # account; someone who merely learnt the endpoint must not take over its reminders.
        return json_error(409, {"endpoint": ["This device is registered to another account."]})
    # The same endpoint is the same browser; it belongs to whoever subscribed it last
    # (a shared device after a log-out and log-in as someone else).
    sub.user_id = current_user.id
    sub.p256dh, sub.auth, sub.label = clean["p256dh"], clean["auth"], label[:120]
    sub.user_agent = request.headers.get("User-Agent", "")[:300]
    sub.failure_count, sub.last_error = 0, ""
    # The browser subscribed with the key /push/public-key serves; recorded so a rotation
    # knows which devices must subscribe again.
    sub.vapid_key = keys.current_public_key() or ""
    db.session.commit()
    return jsonify(id=sub.id, endpoint=sub.endpoint, label=sub.label), status


@bp.get("/push/device")
@login_required
def device():
    """What the page needs on every app open to repair this device's subscription and set
    the icon badge: whether the server knows the endpoint for this account and with which
    key it was made, the key to subscribe with now, and the badge count."""
    endpoint = request.args.get("endpoint", "")
    if len(endpoint) > 2048:
        return json_error(422, {"endpoint": ["At most 2048 characters."]})
    sub = None
    if endpoint:
        sub = db.session.scalar(
            db.select(PushSubscription).where(
                PushSubscription.endpoint == endpoint, PushSubscription.user_id == current_user.id
            )
        )
    key = keys.current_public_key()
    return jsonify(
        publicKey=key,
        registered=sub is not None,
        currentKey=sub is not None and sub.vapid_key in ("", key),
        badge=badge.counts([current_user.id], timeutil.now())[current_user.id],
    )


def _same_keys(sub: PushSubscription, clean: dict) -> bool:
    return (sub.p256dh.rstrip("="), sub.auth.rstrip("=")) == (clean["p256dh"], clean["auth"])


@bp.delete("/push/subscriptions")
@login_required
def unsubscribe():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, {"request": ['Send {"endpoint": "..."} as JSON.']})
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return json_error(422, {"endpoint": ["Give the endpoint to remove."]})
    sub = db.session.scalar(
        db.select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == current_user.id
        )
    )
    if sub is None:
        return json_error(404, {"endpoint": ["No such subscription."]})
    db.session.delete(sub)
    db.session.commit()
    return "", 204


def also(row: Reminder) -> list[str]:
    """Other kinds this one notification asks about: a morning check-in asking about sleep
    and the back is one row of kind sleep_checkin with also ["next_day"] (it arrives once)."""
    if row.kind != "sleep_checkin":
        return []
    return ["next_day"] if "next_day" in ((row.payload or {}).get("asks") or []) else []


REMINDER_STATUSES = ("pending", "sent", "failed", "expired", "cancelled")
REMINDER_LIST_MAX = 500


@bp.get("/reminders")
@login_required
def list_reminders():
    """The user's reminders (optionally of one status), in due_at order; times carry the
    user's local offset. At most 500, the earliest first."""
    status = request.args.get("status", "")
    query = db.select(Reminder).where(Reminder.user_id == current_user.id)
    if status:
        if status not in REMINDER_STATUSES:
            return json_error(422, {"status": [f"One of {', '.join(REMINDER_STATUSES)}."]})
        query = query.where(Reminder.status == status)
    rows = db.session.scalars(query.order_by(Reminder.due_at, Reminder.id).limit(REMINDER_LIST_MAX))
    zone = current_user.timezone
    return jsonify(
        reminders=[
            {
                "id": r.id,
                "kind": r.kind,
                "due_at": timeutil.to_local(r.due_at, zone).isoformat(),
                "status": r.status,
                "title": (r.payload or {}).get("title", ""),
                "body": (r.payload or {}).get("body", ""),
                "also": also(r),
            }
            for r in rows
        ]
    )
