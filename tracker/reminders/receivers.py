"""Re-plan reminders when the domain changes, inside the sender's transaction."""

from __future__ import annotations

from ..extensions import db
from ..models import Routine
from ..signals import appointment_changed, preferences_changed, session_changed
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
    if session.id is None:
        db.session.flush()
    schedule.replan_session(session)


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
    preferences_changed.connect(on_preferences_changed)
    _connected = True
