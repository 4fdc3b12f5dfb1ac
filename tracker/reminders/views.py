"""Push subscription API, reminder preferences, devices and the Reminders page."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import timeutil
from ..core import json_error
from ..extensions import db, limiter
from ..models import PushSubscription, Reminder
from ..signals import preferences_changed
from . import bp, keys
from .dispatcher import NO_DEVICE
from .forms import ReminderPrefsForm
from .push import PushMessage, send_push
from .subscriptions import label_from_user_agent, validate


def owned_or_404(model, ident: int):
    row = db.session.scalar(
        db.select(model).where(model.id == ident, model.user_id == current_user.id)
    )
    if row is None:
        abort(404)
    return row


def my_subscriptions() -> list[PushSubscription]:
    return list(db.session.scalars(
        db.select(PushSubscription).where(PushSubscription.user_id == current_user.id)
        .order_by(PushSubscription.created_at, PushSubscription.id)
    ))


# --- JSON API --------------------------------------------------------------------------------


@bp.get("/api/v1/push/public-key")
@login_required
def public_key():
    try:
        vapid = keys.load_vapid()
    except RuntimeError:
        return json_error(503, {"push": ["Push is not configured on this server."]})
    return jsonify(publicKey=keys.application_server_key(vapid))


def _user_key() -> str:
    return f"user:{current_user.get_id()}"


@bp.post("/api/v1/push/subscriptions")
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


@bp.delete("/api/v1/push/subscriptions")
@login_required
def unsubscribe():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, {"request": ['Send {"endpoint": "..."} as JSON.']})
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return json_error(422, {"endpoint": ["Give the endpoint to remove."]})
    sub = db.session.scalar(db.select(PushSubscription).where(
        PushSubscription.endpoint == endpoint, PushSubscription.user_id == current_user.id))
    if sub is None:
        return json_error(404, {"endpoint": ["No such subscription."]})
    db.session.delete(sub)
    db.session.commit()
    return "", 204


# --- pages -----------------------------------------------------------------------------------


@bp.get("/reminders")
@login_required
def index():
    now = timeutil.now()
    mine = db.select(Reminder).where(Reminder.user_id == current_user.id)
    upcoming = db.session.scalars(
        mine.where(Reminder.status == "pending").order_by(Reminder.due_at).limit(100))
    recent = db.session.scalars(
        mine.where(Reminder.status != "pending", Reminder.due_at > now - timedelta(days=30),
                   Reminder.due_at <= now + timedelta(days=30))
        .order_by(Reminder.due_at.desc()).limit(100))
    return render_template("reminders/index.html", upcoming=list(upcoming), recent=list(recent),
                           devices=my_subscriptions())


@bp.post("/reminders/<int:reminder_id>/stop")
@login_required
def stop(reminder_id: int):
    """Stop a hydration chain (or a single reminder): it will not come back on re-planning."""
    row = owned_or_404(Reminder, reminder_id)
    query = db.select(Reminder).where(Reminder.user_id == current_user.id,
                                      Reminder.status == "pending", Reminder.kind == row.kind,
                                      Reminder.subject_id == row.subject_id)
    if row.kind == "hydration":
        query = query.where(Reminder.slot.startswith(row.slot[:1]))
    else:
        query = query.where(Reminder.id == row.id)
    for other in db.session.scalars(query):
        other.status, other.stopped, other.last_error = "cancelled", True, "Stopped by you"
    db.session.commit()
    flash("Stopped.", "success")
    return redirect(url_for("reminders.index"))


@bp.route("/settings/reminders", methods=["GET", "POST"])
@login_required
def preferences():
    form = ReminderPrefsForm()
    if form.validate_on_submit():
        current_user.reminder_prefs = {**(current_user.reminder_prefs or {}), **form.prefs()}
        current_user.reminder_time = form.reminder_time.data
        preferences_changed.send(current_user._get_current_object(), zone_changed=False)
        db.session.commit()
        flash("Reminder settings saved.", "success")
        return redirect(url_for("accounts.settings") + "#reminders-h")
    if request.method == "GET":
        form.fill_from(current_user)
    return render_template("reminders/preferences.html", form=form)


@bp.post("/settings/devices/<int:sub_id>/delete")
@login_required
def delete_device(sub_id: int):
    db.session.delete(owned_or_404(PushSubscription, sub_id))
    db.session.commit()
    flash("Device removed. It will no longer get reminders.", "success")
    return redirect(url_for("accounts.settings") + "#devices-h")


@bp.post("/settings/devices/<int:sub_id>/test")
@login_required
def test_device(sub_id: int):
    """Send a test notification now, through the one send path (outside any transaction)."""
    sub = owned_or_404(PushSubscription, sub_id)
    message = PushMessage({"title": "Back Relief test", "body": "Reminders work on this device.",
                           "url": "/reminders", "tag": "test", "actions": []},
                          ttl=600, urgency="high", topic="test")
    db.session.commit()
    try:
        outcome = send_push(sub, message)
    except RuntimeError as error:  # no VAPID key configured
        flash(str(error), "error")
        return redirect(url_for("accounts.settings") + "#devices-h")
    if outcome.ok:
        sub.last_success_at, sub.failure_count, sub.last_error = timeutil.now(), 0, ""
        flash("Test notification sent. It should appear in a few seconds.", "success")
    elif outcome.result == "gone":
        db.session.delete(sub)
        flash("This device has unsubscribed, so it was removed. Turn reminders on again there.",
              "error")
    else:
        sub.failure_count, sub.last_error = sub.failure_count + 1, outcome.error[:500]
        flash(f"The push service did not accept the test: {outcome.error}", "error")
    db.session.commit()
    return redirect(url_for("accounts.settings") + "#devices-h")


# --- template helpers --------------------------------------------------------------------------


@bp.app_context_processor
def reminder_helpers():
    def reminders_settings() -> dict:
        form = ReminderPrefsForm(formdata=None)
        form.fill_from(current_user)
        return {"form": form, "devices": my_subscriptions()}

    def push_notice() -> dict | None:
        """Shown in the app when push cannot reach the user: missed reminders, or no device."""
        if not current_user.is_authenticated:
            return None
        has_device = db.session.scalar(db.select(PushSubscription.id).where(
            PushSubscription.user_id == current_user.id).limit(1)) is not None
        if has_device:
            return None
        missed = list(db.session.scalars(
            db.select(Reminder).where(
                Reminder.user_id == current_user.id, Reminder.status == "failed",
                Reminder.last_error.startswith(NO_DEVICE), Reminder.stale_at > timeutil.now(),
            ).order_by(Reminder.due_at.desc()).limit(5)))
        return {"missed": missed}

    return {"reminders_settings": reminders_settings, "push_notice": push_notice}
