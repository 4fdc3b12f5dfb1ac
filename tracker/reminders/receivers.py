"""Re-plan reminders when the domain changes, inside the sender's transaction."""

from __future__ import annotations

from sqlalchemy import inspect

from ..extensions import db
from ..models import Routine, User
from ..signals import (
    appointment_changed,
    preferences_changed,
    routine_changed,
    session_changed,
    water_changed,
)
from . import schedule


def on_appointment_changed(appt, **_) -> None:
    if appt.id is None:
        db.session.flush()
    schedule.replan_appointment(appt)
    if appt.routine_id is not None:
        routine = db.session.get(Routine, appt.routine_id)
        if routine is not None and routine.user_id == appt.user_id:
            schedule.replan_routine(routine)


def on_session_changed(session, **_) -> None:
    # Read before anything flushes: a session moved to another routine (or appointment) makes
    # the old one due again.
    state = inspect(session)
    moved = any(state.attrs[name].history.deleted for name in ("routine_id", "appointment_id"))
    if session.id is None:
        db.session.flush()
    schedule.replan_session(session)
    if moved or session.routine_id is not None or session.appointment_id is not None:
        schedule.plan_routines_for(db.session.get(User, session.user_id))


def on_routine_changed(routine, **_) -> None:
    if routine.id is None:
        db.session.flush()
    schedule.replan_routine(routine)


def on_water_changed(user_id, **_) -> None:
    schedule.replan_water(db.session.get(User, user_id))


def on_preferences_changed(user, zone_changed: bool = False, **_) -> None:
    schedule.replan_user(user)


_connected = False


def connect() -> None:
    """Connect once per process (several test apps share the module-level signals)."""
    global _connected
    if _connected:
        return
    appointment_changed.connect(on_appointment_changed)
    session_changed.connect(on_session_changed)
    routine_changed.connect(on_routine_changed)
    water_changed.connect(on_water_changed)
    preferences_changed.connect(on_preferences_changed)
    _connected = True
