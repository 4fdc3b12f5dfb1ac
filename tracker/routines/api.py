"""JSON API for appointments and routines, with the same conventions as sessions.

Appointment changes go through the booking service, so the API and the forms share rules."""

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
from ..models import Appointment
from ..models.appointment import STATUSES
from ..models.routine import STYLES
from ..ownership import owned_or_404
from . import booking

APPOINTMENT_FIELDS = ("id", "starts_at", "duration_minutes", "therapist", "location", "style",
                      "notes", "status", "routine_id")  # fmt: skip
# Fields a PATCH may clear with "" or null.
CLEARABLE = ("therapist", "location", "notes", "routine_id")
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


def clean_appointment(data: dict, *, partial: bool = False) -> tuple[dict, dict]:
    """Validated fields; with `partial` (PATCH) absent fields are left out, not defaulted."""
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
        if partial and name not in data:
            continue
        value = data.get(name)
        if missing(value):
            if partial and name in CLEARABLE:
                out[name] = None if name == "routine_id" else ""
            elif not partial and name in defaults:
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
    page, next_cursor = keyset_page(
        query, Appointment.starts_at, Appointment.id, params, descending=False
    )
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
        return json_error(
            409, {"id": ["An appointment with this id already exists with other content."]}
        )
    status = clean.pop("status")
    details = _details(clean)
    appt = booking.book(current_user.id, clean["starts_at"], client_id=clean["id"], **details)
    if status != "booked":  # recording a past or cancelled appointment in one call
        try:
            booking.set_status(appt, status, timeutil.now())
        except booking.BookingError as problem:
            db.session.rollback()
            return invalid({"status": [str(problem)]})
    db.session.commit()
    return jsonify(appointment_json(appt)), 201


def _details(clean: dict) -> dict:
    """Booking details from cleaned API fields (the therapist's name is kept as a copy)."""
    details = {k: clean[k] for k in booking.DETAILS if k in clean}
    if "therapist" in clean:
        details["therapist_name"] = clean["therapist"]
    return details


def _appointment_or_404(raw_id: str) -> Appointment:
    return owned_or_404(Appointment, raw_id, by=Appointment.client_id)


@bp.get("/appointments/<raw_id>")
@login_required
def get_appointment(raw_id: str):
    return jsonify(appointment_json(_appointment_or_404(raw_id)))


@bp.patch("/appointments/<raw_id>")
@login_required
def patch_appointment(raw_id: str):
    """Move, change details, cancel, reinstate or complete, with the form's rules."""
    appt = _appointment_or_404(raw_id)
    data = body()
    if "id" in data and str(data["id"]).strip().lower() != appt.client_id:
        return invalid({"id": ["The id can't be changed."]})
    clean, errors = clean_appointment(data, partial=True)
    if errors:
        return invalid(errors)
    details, status = _details(clean), clean.get("status")
    try:
        if status == "booked":  # reinstate first, so a reinstated appointment can be moved
            booking.set_status(appt, status, timeutil.now())
        if clean.get("starts_at", appt.starts_at) != appt.starts_at:
            booking.move(appt, clean["starts_at"])
        if details:
            booking.update(appt, **details)
        if status is not None:
            booking.set_status(appt, status, timeutil.now())
    except booking.BookingError as problem:
        db.session.rollback()
        return invalid({problem.field: [str(problem)]})
    db.session.commit()
    return jsonify(appointment_json(appt))
