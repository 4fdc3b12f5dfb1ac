"""JSON API for appointments and routines, with the same conventions as sessions."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify
from flask_login import current_user, login_required

from .. import timeutil
from ..api import bp
from ..api.errors import invalid, json_error
from ..api.params import body, keyset_page, list_params, zone
from ..extensions import db
from ..logbook.schema import (
    NOTES_MAX,
    Invalid,
    SessionSchema,
    local_iso,
    missing,
    parse_choice,
    parse_instant,
    parse_int,
    parse_text,
    parse_uuid,
)
from ..models import Appointment, Routine
from ..models.appointment import STATUSES
from ..models.routine import STYLES
from ..signals import appointment_changed

APPOINTMENT_FIELDS = ("id", "starts_at", "duration_minutes", "therapist", "location", "style",
                      "notes", "status", "routine_id")  # fmt: skip
# Appointments may be booked far ahead, unlike sessions.
BOOKING_HORIZON = timedelta(days=5 * 366)


def appointment_json(appt: Appointment) -> dict:
    return {
        "id": appt.client_id,
        "starts_at": local_iso(appt.starts_at, zone()),
        "duration_minutes": appt.duration_minutes,
        "therapist": appt.therapist_name,
        "location": appt.location,
        "style": appt.style,
        "notes": appt.notes,
        "status": appt.status,
        "routine_id": appt.routine_id,
    }


def clean_appointment(data: dict) -> tuple[dict, dict]:
    schema = SessionSchema(current_user)
    parsers = {
        "id": parse_uuid,
        "starts_at": lambda v: parse_instant(v, timeutil.now() + BOOKING_HORIZON),
        "duration_minutes": lambda v: parse_int(v, 1, 600),
        "therapist": lambda v: parse_text(v, 120),
        "location": lambda v: parse_text(v, 200),
        "style": lambda v: parse_choice(v, STYLES),
        "notes": lambda v: parse_text(v, NOTES_MAX),
        "status": lambda v: parse_choice(v, STATUSES),
        "routine_id": lambda v: schema.routine(v).id,
    }
    defaults = {"duration_minutes": 60, "therapist": "", "location": "", "style": "swedish",
                "notes": "", "status": "booked", "routine_id": None}  # fmt: skip
    out, errors = {}, {}
    for name, parse in parsers.items():
        value = data.get(name)
        if missing(value):
            if name in defaults:
                out[name] = defaults[name]
            else:
                errors[name] = ["This field is required."]
            continue
        try:
            out[name] = parse(value)
        except Invalid as problem:
            errors[name] = [str(problem)]
    if "therapist" in out:
        out["therapist_id"] = schema.therapist_id(out["therapist"])
    return out, errors


def same_content(appt: Appointment, clean: dict) -> bool:
    stored = {
        "starts_at": appt.starts_at, "duration_minutes": appt.duration_minutes,
        "therapist": appt.therapist_name, "location": appt.location, "style": appt.style,
        "notes": appt.notes, "status": appt.status, "routine_id": appt.routine_id,
    }  # fmt: skip
    return all(stored[k] == clean[k] for k in stored)


@bp.get("/appointments")
@login_required
def list_appointments():
    """Soonest first within since/until; cursor pages like sessions."""
    params, errors = list_params()
    if errors:
        return invalid(errors)
    query = db.select(Appointment).where(Appointment.user_id == current_user.id)
    page, next_cursor = keyset_page(query, Appointment.starts_at, Appointment.id, params,
                                    descending=False)
    return jsonify(
        appointments=[appointment_json(a) for a in page],
        next_cursor=next_cursor,
    )


@bp.post("/appointments")
@login_required
def create_appointment():
    clean, errors = clean_appointment(body())
    if errors:
        return invalid(errors)
    existing = db.session.scalar(
        db.select(Appointment).where(
            Appointment.user_id == current_user.id, Appointment.client_id == clean["id"]
        )
    )
    if existing is not None:
        if same_content(existing, clean):
            return jsonify(appointment_json(existing)), 200
        return json_error(409, {"id": ["An appointment with this id already exists with other content."]})
    appt = Appointment(user_id=current_user.id, client_id=clean.pop("id"))
    appt.therapist_name = clean.pop("therapist")
    for key, value in clean.items():
        setattr(appt, key, value)
    db.session.add(appt)
    db.session.flush()
    appointment_changed.send(appt)
    db.session.commit()
    return jsonify(appointment_json(appt)), 201


@bp.get("/routines")
@login_required
def list_routines():
    rows = db.session.scalars(
        db.select(Routine).where(Routine.user_id == current_user.id).order_by(Routine.id)
    )
    return jsonify(
        routines=[
            {
                "id": r.id,
                "name": r.name,
                "kind": r.kind,
                "cadence_count": r.cadence_count,
                "cadence_unit": r.cadence_unit,
                "anchor_date": r.anchor_date.isoformat(),
                "preferred_time": r.preferred_time.strftime("%H:%M"),
                "therapist": r.therapist.name if r.therapist else "",
                "style": r.style,
                "duration_minutes": r.duration_minutes,
                "paused": r.paused_at is not None,
                "archived": r.archived_at is not None,
            }
            for r in rows
        ]
    )
