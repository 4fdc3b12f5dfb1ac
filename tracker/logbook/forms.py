"""The log form: field names equal the JSON API's, so one schema validates both."""

from __future__ import annotations

import uuid
from datetime import datetime

from werkzeug.datastructures import MultiDict

from .. import timeutil
from ..extensions import db
from ..labels import (  # noqa: F401  (the form template reads them as f.*)
    BODY_MAP,
    BODY_OUTLINE,
    FOCUS_LABELS,
    FOCUS_SIDES,
    PRESSURE_LABELS,
    STYLE_LABELS,
    TOOL_LABELS,
    expand_sides,
    merge_sides,
)
from ..models import Appointment, MassageSession, Routine, Therapist
from .schema import DEFAULT_DURATION, FIELDS, LISTS

PAIN_LABELS = ("none", "", "", "", "", "moderate", "", "", "", "", "worst")
MOOD_LABELS = ("Awful", "Low", "Okay", "Good", "Great")
RELAX_LABELS = ("Tense", "A bit tense", "Neutral", "Relaxed", "Very relaxed")
SLEEP_LABELS = ("Very poor", "Poor", "Fair", "Good", "Very good")
KIND_LABELS = {"professional": "Professional", "self": "Self-massage"}
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
# Focus areas ticked below the body map: the map has no region for them.
MAP_AREAS = {key for key, *_ in BODY_MAP}
OTHER_FOCUS = {k: v for k, v in FOCUS_LABELS.items() if k not in MAP_AREAS and k not in FOCUS_SIDES}


def payload(form: MultiDict) -> dict:
    """Raw values from a posted form, keyed like the JSON API (checkbox lists included)."""
    data: dict = {name: form.get(name) for name in FIELDS if name in form}
    for name in LISTS:
        data[name] = form.getlist(name)
    data["focus_areas"] = merge_sides(data["focus_areas"])  # as the schema will (follow_choice)
    data.pop("occurred_at", None)  # the form speaks local wall-clock time only
    data["occurred_at_local"] = form.get("occurred_at_local")
    if "defaults_from" in form:  # see follow_choice
        data["defaults_from"] = form["defaults_from"]
    if not data.get("id"):
        data["id"] = str(uuid.uuid4())
    return data


def local_now(zone: str) -> str:
    return timeutil.to_local(timeutil.now(), zone).strftime(LOCAL_FORMAT)


def active_routines(user_id: int) -> list[Routine]:
    return list(
        db.session.scalars(
            db.select(Routine)
            .where(Routine.user_id == user_id, Routine.archived_at.is_(None))
            .order_by(Routine.paused_at.is_not(None), Routine.id)
        )
    )


def due_soonest(user, rows: list[Routine]) -> Routine | None:
    """The active routine due soonest (overdue first); paused ones only if nothing else."""
    from ..routines import queries  # the due-date rules live there (as for the planner)

    if len(rows) < 2:
        return rows[0] if rows else None
    states = queries.due_states(user.id, rows, user.timezone, timeutil.today_in(user.timezone))
    dated = [(states[r.id][0], r.id, r) for r in rows if states[r.id][0] is not None]
    return min(dated)[2] if dated else rows[0]


def routine_defaults(routine: Routine | None) -> dict:
    """What a routine pre-fills; a self-massage brings its kit, never a therapist or style."""
    if routine is None:
        return {"kind": "self", "duration_minutes": DEFAULT_DURATION["self"], "style": "",
                "therapist": "", "tools": [], "focus_areas": [], "routine_id": None}  # fmt: skip
    if routine.kind == "self":
        return {"kind": "self", "duration_minutes": routine.duration_minutes, "style": "",
                "therapist": "", "tools": list(routine.tools or []),
                "focus_areas": merge_sides(list(routine.focus_areas or [])), "routine_id": routine.id}  # fmt: skip
    return {
        "kind": "professional", "duration_minutes": routine.duration_minutes,
        "style": routine.style, "therapist": routine.therapist.name if routine.therapist else "",
        "tools": [], "focus_areas": [], "routine_id": routine.id,
    }  # fmt: skip


KIND_DEFAULTS = {
    "self": {"style": "", "therapist": "", "duration_minutes": DEFAULT_DURATION["self"]},
    "professional": {"tools": [], "duration_minutes": DEFAULT_DURATION["professional"]},
}


def follow_choice(values: dict, user) -> dict:
    """Without JS, changing the routine or kind posts the old choice's defaults: replace every
    value that still equals what the previous choice pre-filled (edits by hand are kept)."""
    if "defaults_from" not in values:  # not posted by our form: nothing to follow
        return values
    values = dict(values)
    try:
        previous_id = int(values.pop("defaults_from", "") or 0)
    except ValueError:
        previous_id = 0
    rows = {r.id: r for r in active_routines(user.id)}
    previous = routine_defaults(rows.get(previous_id))
    try:
        chosen_id = int(values.get("routine_id") or 0)
    except (TypeError, ValueError):
        return values  # the schema reports the bad id
    kind = values.get("kind")
    # A new kind with the routine untouched: that kind's routine, not the old one.
    if chosen_id == previous_id and previous_id in rows and rows[previous_id].kind != kind:
        match = next((r for r in rows.values() if r.kind == kind), None)
        chosen_id = match.id if match else 0
        values["routine_id"] = str(chosen_id) if chosen_id else ""
    if chosen_id != previous_id and (chosen_id in rows or chosen_id == 0):
        fresh = routine_defaults(rows.get(chosen_id))
        fresh.pop("routine_id")
        if chosen_id == 0:
            fresh.pop("kind")  # "no routine" says nothing about the kind
        for name, value in fresh.items():
            if _same(values.get(name), previous.get(name)):
                values[name] = value
        previous = {**previous, **fresh}
    kind = values.get("kind")  # the routine's defaults may have just set it
    if kind in KIND_DEFAULTS and kind != previous.get("kind"):
        for name, value in KIND_DEFAULTS[kind].items():
            if _same(values.get(name), previous.get(name)):
                values[name] = value
    return values


def _same(posted, default) -> bool:
    if isinstance(default, list):
        return sorted(posted or []) == sorted(default)
    return str(posted if posted is not None else "") == str(default if default is not None else "")


def defaults(user, appointment: Appointment | None = None, routine: Routine | None = None) -> dict:
    """Pre-filled values so only pain before, pain after and mood need a tap: from the
    appointment, the routine asked for, or else the routine due soonest."""
    values = {
        "id": str(uuid.uuid4()),
        "occurred_at_local": local_now(user.timezone),
        "pressure": "medium",
        "water_glasses": 0,
        "notes": "",
    }
    routine = routine or (appointment.routine if appointment else None)
    if appointment is None and routine is None:
        routine = due_soonest(user, active_routines(user.id))
    values.update(routine_defaults(routine))
    if appointment is not None:
        values.update(
            kind="professional",
            style=appointment.style,
            duration_minutes=appointment.duration_minutes,
            therapist=appointment.therapist_name,
            tools=[],
            appointment_id=appointment.client_id,
            occurred_at_local=timeutil.to_local(appointment.starts_at, user.timezone).strftime(
                LOCAL_FORMAT
            ),
        )
    return values


def summary(values: dict, routines: list[Routine]) -> str:
    """The line under "More details": what Save will store."""
    names = {str(r.id): r.name for r in routines}
    parts = [KIND_LABELS.get(values.get("kind"), values.get("kind") or "")]
    if values.get("therapist") and values.get("kind") != "self":
        parts[0] += f" with {values['therapist']}"
    if values.get("style") and values.get("kind") != "self":
        parts.append(STYLE_LABELS.get(values["style"], values["style"]))
    if values.get("duration_minutes"):
        parts.append(f"{values['duration_minutes']} min")
    routine = names.get(str(values.get("routine_id") or ""))
    parts.append(f"for {routine}" if routine else "no routine")
    return " · ".join(p for p in parts if p)


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
