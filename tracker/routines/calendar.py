"""iCalendar (RFC 5545): a per-user secret feed URL and a one-off download per appointment."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from icalendar import Alarm, Calendar, Event

from .. import timeutil
from ..extensions import db
from ..labels import massage_title
from ..models import Appointment, PushSubscription, User
from ..ownership import owned_or_404
from . import bp

# Recent past appointments stay in the feed so the calendar keeps a short history.
FEED_HISTORY = timedelta(days=90)
PRODID = "-//Back Relief//Appointments//EN"


def uid(appt: Appointment) -> str:
    """Calendar apps merge events by UID. The client UUID is stable across edits and
    reschedules, and unlike the row id it is never reused (SQLite hands a deleted row's id to
    the next one) nor shared by two servers feeding the same calendar."""
    return f"{appt.client_id}@back-relief"


def summary(appt: Appointment) -> str:
    routine = appt.routine
    if routine is not None and routine.kind == "self":
        return massage_title(appt.style, self_massage=True, tools=routine.tools)
    return massage_title(appt.style, appt.therapist_name)


def has_push(user: User) -> bool:
    return (
        db.session.scalar(
            db.select(PushSubscription.id).where(PushSubscription.user_id == user.id).limit(1)
        )
        is not None
    )


def wants_alarms(user: User) -> bool:
    """Push reminders already ring before an appointment; calendar alarms on top would ring
    twice. So alarms come only when asked for, or when no device gets push reminders (then
    the calendar is the reminder, if appointment reminders are on)."""
    if user.calendar_alarms:
        return True
    return bool(user.pref("appointment")) and not has_push(user)


def description(appt: Appointment) -> str:
    lines = [f"{appt.duration_minutes} minutes"]
    if appt.routine:
        lines.append(f"Routine: {appt.routine.name}")
    if appt.notes:
        lines.append(f"To tell my therapist: {appt.notes}")
    return "\n".join(lines)


def alarm_triggers(appt: Appointment, user: User) -> list[timedelta | datetime]:
    """The user's appointment reminder lead times: 1440 means the day before at reminder_time,
    anything else is that many minutes before the start (as the push reminders do)."""
    triggers: list[timedelta | datetime] = []
    for minutes in sorted(set(user.pref("lead_minutes") or []), reverse=True):
        if minutes == 1440:
            day_before = timeutil.to_local(appt.starts_at, user.timezone).date() - timedelta(days=1)
            triggers.append(timeutil.local_to_utc(day_before, user.reminder_time, user.timezone))
        elif isinstance(minutes, int) and minutes > 0:
            triggers.append(timedelta(minutes=-minutes))
    return triggers


def event(appt: Appointment, user: User, stamp: datetime, alarms: bool) -> Event:
    ev = Event()
    ev.add("uid", uid(appt))
    ev.add("dtstamp", stamp)
    ev.add("last-modified", timeutil.as_utc(appt.updated_at))
    ev.add("dtstart", timeutil.as_utc(appt.starts_at))
    ev.add("dtend", timeutil.as_utc(appt.ends_at))
    ev.add("summary", summary(appt))
    if appt.location:
        ev.add("location", appt.location)
    ev.add("description", description(appt))
    # Cancelled events stay in the feed so subscribed calendars drop or strike them through.
    ev.add("status", {"cancelled": "CANCELLED"}.get(appt.status, "CONFIRMED"))
    if alarms and appt.status == "booked":
        for trigger in alarm_triggers(appt, user):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary(appt))
            # RFC 5545 3.8.6.3: an absolute trigger must say VALUE=DATE-TIME.
            params = {"VALUE": "DATE-TIME"} if isinstance(trigger, datetime) else None
            alarm.add("trigger", trigger, parameters=params)
            ev.add_component(alarm)
    return ev


def calendar_for(appointments: list[Appointment], user: User) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Back Relief")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    stamp = timeutil.now().replace(microsecond=0)
    alarms = wants_alarms(user)
    for appt in appointments:
        cal.add_component(event(appt, user, stamp, alarms))
    return cal.to_ical()


def ics_response(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    # The URL is the secret: never let a shared cache keep it.
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """Public by design (calendar apps cannot log in): the unguessable token is the secret."""
    if not TOKEN_SHAPE.fullmatch(token):  # tokens are url-safe base64; skip the query otherwise
        abort(404)
    user = db.session.scalar(db.select(User).where(User.calendar_token == token))
    if user is None or len(token) < 16:
        abort(404)
    rows = db.session.scalars(
        db.select(Appointment)
        .where(
            Appointment.user_id == user.id, Appointment.starts_at >= timeutil.now() - FEED_HISTORY
        )
        .order_by(Appointment.starts_at)
    )
    return ics_response(calendar_for(list(rows), user))


@bp.get("/appointments/<int:appointment_id>.ics")
@login_required
def appointment_ics(appointment_id: int):
    appt = owned_or_404(Appointment, appointment_id)
    body = calendar_for([appt], current_user)
    return ics_response(body, filename=f"massage-{appt.id}.ics")


@bp.post("/calendar/token")
@login_required
def regenerate_token():
    current_user.calendar_token = secrets.token_urlsafe(24)
    db.session.commit()
    flash("New calendar link created. The old link no longer works; subscribe again.", "success")
    return redirect(url_for("accounts.settings_calendar"))


@bp.post("/calendar/alarms")
@login_required
def set_alarms():
    current_user.calendar_alarms = request.form.get("calendar_alarms") == "on"
    db.session.commit()
    flash(
        "Calendar events now have alarms."
        if current_user.calendar_alarms
        else "Calendar events no longer have alarms.",
        "success",
    )
    return redirect(url_for("accounts.settings_calendar"))
