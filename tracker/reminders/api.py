"""The reminders' /api/v1 endpoints: the VAPID public key and this device's subscription."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user, login_required

from ..api import bp
from ..api.errors import json_error
from ..extensions import db, limiter
from ..models import PushSubscription
from . import keys
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
    db.session.commit()
    return jsonify(id=sub.id, endpoint=sub.endpoint, label=sub.label), status


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
