"""The log form: field names equal the JSON API's, so one schema validates both."""

from __future__ import annotations

import uuid
from datetime import datetime

from werkzeug.datastructures import MultiDict

from .. import timeutil
from ..extensions import db
from ..labels import FOCUS_LABELS, PRESSURE_LABELS, STYLE_LABELS, TOOL_LABELS  # noqa: F401
from ..models import Appointment, MassageSession, Routine, Therapist
from .schema import DEFAULT_DURATION, FIELDS, LISTS

PAIN_LABELS = ("none", "", "", "", "", "moderate", "", "", "", "", "worst")
MOOD_LABELS = ("Awful", "Low", "Okay", "Good", "Great")
RELAX_LABELS = ("Tense", "A bit tense", "Neutral", "Relaxed", "Very relaxed")
SLEEP_LABELS = ("Very poor", "Poor", "Fair", "Good", "Very good")
KIND_LABELS = {"professional": "Professional", "self": "Self-massage"}
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def payload(form: MultiDict) -> dict:
    """Raw values from a posted form, keyed like the JSON API (checkbox lists included)."""
    data: dict = {name: form.get(name) for name in FIELDS if name in form}
    for name in LISTS:
        data[name] = form.getlist(name)
    data.pop("occurred_at", None)  # the form speaks local wall-clock time only
    data["occurred_at_local"] = form.get("occurred_at_local")
    if not data.get("id"):
        data["id"] = str(uuid.uuid4())
    return data


def local_now(zone: str) -> str:
    return timeutil.to_local(timeutil.now(), zone).strftime(LOCAL_FORMAT)


def main_routine(user_id: int) -> Routine | None:
    """The oldest active routine: most people have exactly one."""
    return db.session.scalar(
        db.select(Routine)
        .where(Routine.user_id == user_id, Routine.archived_at.is_(None))
        .order_by(Routine.paused_at.is_not(None), Routine.id)
        .limit(1)
    )


def defaults(user, appointment: Appointment | None = None, routine: Routine | None = None) -> dict:
    """Pre-filled values so only pain before, pain after and mood need a tap."""
    values = {
        "id": str(uuid.uuid4()),
        "occurred_at_local": local_now(user.timezone),
        "kind": "self",
        "duration_minutes": DEFAULT_DURATION["self"],
        "style": "",
        "therapist": "",
        "pressure": "medium",
        "water_glasses": 0,
        "focus_areas": [],
        "tools": [],
        "notes": "",
    }
    routine = routine or (appointment.routine if appointment else None)
    if appointment is None and routine is None:
        routine = main_routine(user.id)
    if routine is not None:
        values.update(
            kind=routine.kind, style=routine.style, duration_minutes=routine.duration_minutes,
            therapist=routine.therapist.name if routine.therapist else "", routine_id=routine.id,
        )  # fmt: skip
    if appointment is not None:
        values.update(
            kind="professional",
            style=appointment.style,
            duration_minutes=appointment.duration_minutes,
            therapist=appointment.therapist_name,
            appointment_id=appointment.client_id,
            occurred_at_local=timeutil.to_local(appointment.starts_at, user.timezone).strftime(
                LOCAL_FORMAT
            ),
        )
    return values


def from_session(session: MassageSession, zone: str) -> dict:
    """Form values for editing an existing entry."""
    values = {name: getattr(session, name, None) for name in FIELDS}
    values["id"] = session.client_id
    values["therapist"] = session.therapist_name
    values["appointment_id"] = session.appointment.client_id if session.appointment else None
    values["occurred_at_local"] = timeutil.to_local(session.occurred_at, zone).strftime(
        LOCAL_FORMAT
    )
    return values


def therapist_names(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            db.select(Therapist.name).where(Therapist.user_id == user_id).order_by(Therapist.name)
        )
    )


def when_label(value: str, zone: str) -> str:
    try:
        return datetime.strptime(value[:16], LOCAL_FORMAT).strftime("%a %d %b, %H:%M")
    except (TypeError, ValueError):
        return value or ""
