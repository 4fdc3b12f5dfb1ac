"""Data for the home-screen section (templates/routines/_home.html)."""

from __future__ import annotations

from flask_login import current_user

from .. import timeutil
from ..extensions import db
from ..models import Appointment
from . import cadence, queries


def routine_home() -> dict | None:
    """Next appointment with a countdown, and each active routine's due status."""
    if not current_user.is_authenticated:
        return None
    now = timeutil.now()
    zone = current_user.timezone
    today = timeutil.today_in(zone)
    next_appt = db.session.scalar(
        db.select(Appointment)
        .where(Appointment.user_id == current_user.id, Appointment.status == "booked",
               Appointment.starts_at >= now)
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    done = queries.last_done_dates(current_user.id, zone)
    routines = []
    for routine in queries.routines(current_user.id):
        due, status = cadence.routine_state(routine, done.get(routine.id), today)
        routines.append({"routine": routine, "due": due, "status": status})
    return {
        "next_appointment": next_appt,
        "countdown": cadence.countdown(next_appt.starts_at, now) if next_appt else "",
        "routines": routines,
        "today": today,
    }
