"""Push subscription API, reminder preferences, devices and the Reminders page."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import timeutil
from ..extensions import db
from ..models import PushSubscription, Reminder
from ..ownership import owned_or_404
from ..signals import preferences_changed
from . import bp, health, keys, payload
from .forms import ReminderPrefsForm
from .outcomes import NO_DEVICE
from .push import MAX_PLAINTEXT, PushMessage, send_push


def my_subscriptions() -> list[PushSubscription]:
    return list(
        db.session.scalars(
            db.select(PushSubscription)
            .where(PushSubscription.user_id == current_user.id)
            .order_by(PushSubscription.created_at, PushSubscription.id)
        )
    )


# --- pages -----------------------------------------------------------------------------------


@bp.get("/reminders")
@login_required
def index():
    now = timeutil.now()
    mine = db.select(Reminder).where(Reminder.user_id == current_user.id)
    upcoming = db.session.scalars(
        mine.where(Reminder.status == "pending").order_by(Reminder.due_at).limit(100)
    )
    # Only what has had its time: a cancelled reminder still in the future is not news.
    recent = db.session.scalars(
        mine.where(
            Reminder.status != "pending",
            Reminder.due_at > now - timedelta(days=30),
            Reminder.due_at <= now,
        )
        .order_by(Reminder.due_at.desc())
        .limit(100)
    )
    return render_template(
        "reminders/index.html",
        upcoming=list(upcoming),
        recent=list(recent),
        devices=my_subscriptions(),
    )


@bp.post("/reminders/<int:reminder_id>/stop")
@login_required
def stop(reminder_id: int):
    """Stop a hydration chain (or a single reminder): it will not come back on re-planning."""
    row = owned_or_404(Reminder, reminder_id)
    query = db.select(Reminder).where(
        Reminder.user_id == current_user.id,
        Reminder.status == "pending",
        Reminder.kind == row.kind,
        Reminder.subject_id == row.subject_id,
    )
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
        for name in ("quiet_start", "quiet_end", "wake_time"):
            if form[name].data is not None:  # None: not sent, keep it (forms.keep_if_absent)
                setattr(current_user, name, form[name].data)
        preferences_changed.send(current_user._get_current_object(), zone_changed=False)
        db.session.commit()
        flash("Reminder settings saved.", "success")
        return redirect(url_for("reminders.preferences"))
    if request.method == "GET":
        form.fill_from(current_user)
    return render_template("reminders/preferences.html", form=form)


@bp.post("/settings/devices/<int:sub_id>/delete")
@login_required
def delete_device(sub_id: int):
    db.session.delete(owned_or_404(PushSubscription, sub_id))
    db.session.commit()
    flash("Device removed. It will no longer get reminders.", "success")
    return redirect(url_for("accounts.settings_devices"))


@bp.post("/settings/devices/<int:sub_id>/test")
@login_required
def test_device(sub_id: int):
    """Send a test notification now, through the one send path (outside any transaction).
    The devices list posts it with fetch (Accept: application/json) and shows the answer
    beside the button; without JavaScript it is a flash message after a redirect."""
    sub = owned_or_404(PushSubscription, sub_id)
    content = {"title": "Back Relief test", "body": "Reminders work on this device."}
    message = PushMessage(
        payload.build(
            {**content, "url": "/reminders"},
            reminder_id=0,
            kind="test",
            base=current_app.config["APP_URL"],
            token=None,
            data_actions=set(),
            badge=0,
            limit=MAX_PLAINTEXT,
        ),
        ttl=600,
        urgency="high",
        topic="test",
    )
    db.session.commit()
    try:
        outcome = send_push(sub, message)
    except RuntimeError as error:  # no VAPID key configured
        return _test_answer(False, str(error))
    if outcome.ok:
        sub.last_success_at, sub.failure_count, sub.last_error = timeutil.now(), 0, ""
        ok, text = True, "Test sent. It should appear on the device in a few seconds."
    elif outcome.result == "gone":
        db.session.delete(sub)
        ok, text = False, health.UNSUBSCRIBED + " It was removed from this list."
    else:
        sub.failure_count, sub.last_error = sub.failure_count + 1, outcome.error[:500]
        ok, text = False, health.plain_error(outcome.error)
    db.session.commit()
    return _test_answer(ok, text)


def _test_answer(ok: bool, text: str):
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=ok, message=text)
    flash(text, "success" if ok else "error")
    return redirect(url_for("accounts.settings_devices"))


# --- template helpers --------------------------------------------------------------------------


@bp.app_context_processor
def reminder_helpers():
    def reminders_settings() -> dict:
        form = ReminderPrefsForm(formdata=None)
        form.fill_from(current_user)
        key = keys.current_public_key()
        devices = my_subscriptions()
        # Made with a key since rotated away: it gets nothing until the app is opened there.
        renew = {d.id for d in devices if d.vapid_key and key and d.vapid_key != key}
        return {"form": form, "devices": devices, "renew": renew}

    def push_notice() -> dict | None:
        """Shown in the app when push cannot reach the user: missed reminders, or no device."""
        if not current_user.is_authenticated:
            return None
        has_device = (
            db.session.scalar(
                db.select(PushSubscription.id)
                .where(PushSubscription.user_id == current_user.id)
                .limit(1)
            )
            is not None
        )
        if has_device:
            return None
        missed = list(
            db.session.scalars(
                db.select(Reminder)
                .where(
                    Reminder.user_id == current_user.id,
                    Reminder.status == "failed",
                    Reminder.last_error.startswith(NO_DEVICE),
                    Reminder.stale_at > timeutil.now(),
                )
                .order_by(Reminder.due_at.desc())
                .limit(5)
            )
        )
        return {"missed": missed}

    return {"reminders_settings": reminders_settings, "push_notice": push_notice}
