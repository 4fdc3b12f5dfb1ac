"""POST/GET/PATCH /api/v1/routines: the routine form's rules for outside clients.

Same conventions as /api/v1/sessions: a client UUID `id` makes a create idempotent (same
content 200, other content 409), bad values are a 422 naming each field, nothing is saved
then. Responses keep the numeric `id` that GET always returned (sessions' `routine_id`
takes it) and add the UUID as `client_id`.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from flask import jsonify
from flask_login import current_user, login_required

from .. import timeutil
from ..api import bp
from ..api.errors import invalid, json_error
from ..api.params import body
from ..extensions import db
from ..models import Routine
from ..models.routine import KINDS, STYLES
from ..models.session import FOCUS_AREAS, TOOLS
from ..ownership import owned_or_404
from ..signals import routine_changed
from ..values import (
    Invalid,
    missing,
    parse_choice,
    parse_day,
    parse_int,
    parse_list,
    parse_row_id,
    parse_text,
    parse_uuid,
)
from . import cadence

UNITS = {"day": "days", "week": "weeks", "month": "months"}
FIELDS = ("id", "name", "kind", "cadence", "paused", "archived", "reminders", "anchor_date",
          "style", "duration_minutes", "tools", "focus_areas")  # fmt: skip


def routine_json(r: Routine) -> dict:
    if r.cadence_kind == "times":
        shape: dict[str, Any] = {"times": r.cadence_count, "per": r.cadence_unit[:-1]}
    elif r.cadence_kind == "weekdays":
        shape = {"weekdays": [cadence.WEEKDAYS[d] for d in sorted(r.cadence_weekdays or [])]}
    else:
        shape = {"every": r.cadence_count, "unit": r.cadence_unit[:-1]}
    return {
        "id": r.id, "client_id": r.client_id, "name": r.name, "kind": r.kind, "cadence": shape,
        "cadence_count": r.cadence_count, "cadence_unit": r.cadence_unit,
        "anchor_date": r.anchor_date.isoformat(),
        "preferred_time": r.preferred_time.strftime("%H:%M"),
        "therapist": r.therapist.name if r.therapist else "", "style": r.style,
        "duration_minutes": r.duration_minutes, "tools": list(r.tools or []),
        "focus_areas": list(r.focus_areas or []), "paused": r.paused_at is not None,
        "archived": r.archived_at is not None,
        "reminders": {"nudge": r.nudge_enabled, "time": r.preferred_time.strftime("%H:%M")},
    }  # fmt: skip


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("Send true or false.")
    return value


def _cadence(value: Any) -> dict:
    """Exactly one of {"every", "unit"}, {"times", "per"} or {"weekdays"}."""
    if not isinstance(value, dict):
        raise Invalid('Send an object such as {"every": 2, "unit": "week"}.')
    forms = [k for k in ("every", "times", "weekdays") if k in value]
    if len(forms) != 1:
        raise Invalid('Use exactly one of "every", "times" or "weekdays".')
    kind = forms[0]
    if kind == "weekdays":
        days = parse_list(value["weekdays"], cadence.WEEKDAYS)
        out = {"cadence_kind": "weekdays", "cadence_count": 1, "cadence_unit": "weeks",
               "cadence_weekdays": [cadence.WEEKDAYS.index(d) for d in days]}  # fmt: skip
    else:
        unit_key = "unit" if kind == "every" else "per"
        units = UNITS if kind == "every" else {"week": "weeks", "month": "months"}
        unit = units.get(str(value.get(unit_key, "")).strip().lower())
        if unit is None:
            raise Invalid(f'"{unit_key}" must be one of {", ".join(units)}.')
        count = parse_int(value[kind], 1, 365)
        out = {"cadence_kind": kind, "cadence_count": count, "cadence_unit": unit,
               "cadence_weekdays": []}  # fmt: skip
    problem = cadence.validate_target(
        out["cadence_kind"], out["cadence_count"], out["cadence_unit"], out["cadence_weekdays"]
    )
    if problem:
        raise Invalid(problem)
    return out


def _name(value: Any) -> str:
    name = parse_text(value, 120).strip()
    if not name:
        raise Invalid("Give the routine a name.")
    return name


def _reminders(value: Any) -> dict:
    if not isinstance(value, dict):
        raise Invalid('Send an object such as {"nudge": true, "time": "18:00"}.')
    out = {}
    if "nudge" in value:
        out["nudge_enabled"] = _bool(value["nudge"])
    if "time" in value:
        try:
            hours, minutes = str(value["time"]).split(":")
            out["preferred_time"] = time(int(hours), int(minutes))
        except ValueError:
            raise Invalid("Use HH:MM, e.g. 18:00.") from None
    return out


PARSERS = {
    "id": parse_uuid,
    "name": lambda v: _name(v),
    "kind": lambda v: parse_choice(v, KINDS),
    "cadence": _cadence,
    "paused": _bool,
    "archived": _bool,
    "reminders": _reminders,
    "anchor_date": parse_day,
    "style": lambda v: parse_choice(v, STYLES),
    "duration_minutes": lambda v: parse_int(v, 1, 480),
    "tools": lambda v: parse_list(v, TOOLS),
    "focus_areas": lambda v: parse_list(v, FOCUS_AREAS),
}
REQUIRED = ("id", "name", "cadence")


def clean(data: dict, *, partial: bool) -> tuple[dict, dict]:
    out, errors = {}, {}
    for name in FIELDS:
        if name not in data or (missing(data[name]) and name not in ("paused", "archived")):
            if not partial and name in REQUIRED:
                errors[name] = ["This field is required."]
            continue
        try:
            out[name] = PARSERS[name](data[name])
        except Invalid as problem:
            errors[name] = [str(problem)]
    return out, errors


def apply(routine: Routine, values: dict) -> None:
    """Set the cleaned values; pause, resume and archive as the routine page does."""
    from .views import resume

    now = timeutil.now()
    for name in ("name", "kind", "anchor_date", "style", "duration_minutes", "tools",
                 "focus_areas"):  # fmt: skip
        if name in values:
            setattr(routine, name, values[name])
    for name, value in {**values.get("cadence", {}), **values.get("reminders", {})}.items():
        setattr(routine, name, value)
    if routine.kind == "self":  # no booking for home sessions, as in the form
        routine.therapist_id = None
    if values.get("paused") is True and routine.paused_at is None:
        routine.paused_at = now
    elif values.get("paused") is False and routine.paused_at is not None:
        resume(routine, now, timeutil.today_in(current_user.timezone))
    if "archived" in values:
        routine.archived_at = (routine.archived_at or now) if values["archived"] else None


def _same(routine: Routine, values: dict) -> bool:
    """Would this create leave the stored routine as it is? (decides replay vs conflict)"""
    shown = routine_json(routine)
    for name, value in values.items():
        if name == "id":
            continue
        if name in ("cadence", "reminders"):
            probe = Routine(**{k: v for k, v in value.items()})
            if any(getattr(routine, k) != getattr(probe, k) for k in value):
                return False
        elif name == "anchor_date":
            if routine.anchor_date != value:
                return False
        elif shown.get(name) != value:
            return False
    return True


def _routine_or_404(raw: str) -> Routine:
    """By the numeric id GET shows, or by the client UUID."""
    number = parse_row_id(raw)
    if number is not None:
        return owned_or_404(Routine, number)
    return owned_or_404(Routine, raw, by=Routine.client_id)


@bp.get("/routines")
@login_required
def list_routines():
    rows = db.session.scalars(
        db.select(Routine).where(Routine.user_id == current_user.id).order_by(Routine.id)
    )
    return jsonify(routines=[routine_json(r) for r in rows])


@bp.post("/routines")
@login_required
def create_routine():
    values, errors = clean(body(), partial=False)
    if errors:
        return invalid(errors)
    existing = db.session.scalar(
        db.select(Routine).where(
            Routine.user_id == current_user.id, Routine.client_id == values["id"]
        )
    )
    if existing is not None:
        if _same(existing, values):
            return jsonify(routine_json(existing)), 200
        return json_error(
            409, {"id": ["A routine with this id already exists with other content."]}
        )
    routine = Routine(
        user_id=current_user.id, client_id=values["id"], pauses=[],
        anchor_date=timeutil.today_in(current_user.timezone), kind="professional",
        style="swedish", duration_minutes=60, preferred_time=time(18, 0), nudge_enabled=True,
    )  # fmt: skip
    if values.get("kind") == "self" and "duration_minutes" not in values:
        values["duration_minutes"] = 20
    apply(routine, values)
    db.session.add(routine)
    db.session.flush()
    routine_changed.send(routine)  # plans its nudge in this transaction
    db.session.commit()
    return jsonify(routine_json(routine)), 201


# The argument is named like the pages' routine_id so tests/test_route_guard.py probes it
# with another user's routine.
@bp.get("/routines/<routine_id>")
@login_required
def get_routine(routine_id: str):
    return jsonify(routine_json(_routine_or_404(routine_id)))


@bp.patch("/routines/<routine_id>")
@login_required
def patch_routine(routine_id: str):
    """Change fields, pause/resume, archive/restore; the nudge is re-planned at once."""
    routine = _routine_or_404(routine_id)
    data = body()
    if "id" in data and str(data["id"]).strip().lower() != routine.client_id:
        return invalid({"id": ["The id can't be changed."]})
    values, errors = clean(data, partial=True)
    if errors:
        return invalid(errors)
    apply(routine, values)
    routine_changed.send(routine)
    db.session.commit()
    return jsonify(routine_json(routine))
