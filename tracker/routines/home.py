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
        .where(
            Appointment.user_id == current_user.id,
            Appointment.status == "booked",
            Appointment.starts_at >= now,
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    rows = queries.routines(current_user.id)
    states = queries.due_states(current_user.id, rows, zone, today)
    routines = [{"routine": r, "due": states[r.id][0], "status": states[r.id][1]} for r in rows]
    return {
        "next_appointment": next_appt,
        "countdown": cadence.countdown(next_appt.starts_at, now) if next_appt else "",
        "routines": routines,
        "today": today,
    }
