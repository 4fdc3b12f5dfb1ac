"""Data for the home-screen section (templates/routines/_home.html)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from .. import timeutil
from ..extensions import db
from ..models import Appointment, MassageSession
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


def just_done() -> MassageSession | None:
    """The session a one-tap Done just saved (?done=<uuid>), for its Undo; only the
    current user's live sessions, so a copied link shows nothing to anyone else."""
    raw = request.args.get("done", "")
    if not current_user.is_authenticated or not 30 <= len(raw) <= 36:
        return None
    return db.session.scalar(
        db.select(MassageSession).where(
            MassageSession.user_id == current_user.id,
            MassageSession.client_id == raw.lower(),
            MassageSession.deleted_at.is_(None),
        )
    )
