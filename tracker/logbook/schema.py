"""Session validation and serialisation, shared by the HTML form, the JSON API and CSV.

Every source hands in a dict of raw values keyed by the JSON field names; text sources
(forms, CSV, an outbox that copied a form) send numbers as strings, so numeric strings are
accepted everywhere, while words like "seven" get a precise message.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from .. import timeutil
from ..extensions import db
from ..labels import merge_sides
from ..models import Appointment, MassageSession, Routine, Therapist
from ..models.routine import KINDS, STYLES
from ..models.session import FOCUS_AREAS, PRESSURES, TOOLS
from ..values import (  # noqa: F401  (re-exported: the logbook's callers import them from here)
    Invalid,
    check_when,
    check_when_message,
    local_iso,
    missing,
    parse_choice,
    parse_day,
    parse_hours,
    parse_instant,
    parse_int,
    parse_list,
    parse_local,
    parse_page,
    parse_row_id,
    parse_text,
    parse_uuid,
)

# Public field order: JSON output, CSV columns and docs/api.md follow it.
FIELDS = (
    "id", "occurred_at", "kind", "duration_minutes", "style", "therapist", "focus_areas",
    "pressure", "pain_before", "pain_after", "mood", "relaxation", "sleep_quality",
    "sleep_hours", "water_glasses", "tools", "notes", "appointment_id", "routine_id",
    "pain_next_day",  # last: added later, so CSV columns and JSON keys keep their order
)  # fmt: skip
REQUIRED = ("id", "occurred_at", "kind", "pain_before", "pain_after", "mood")
NOTES_MAX = 2000
THERAPIST_MAX = 120
SCALES = {
    "pain_before": (0, 10), "pain_after": (0, 10), "pain_next_day": (0, 10),
    "mood": (1, 5), "relaxation": (1, 5),
    "sleep_quality": (1, 5), "duration_minutes": (1, 600), "water_glasses": (0, 50),
}  # fmt: skip
CHOICES = {"kind": KINDS, "pressure": PRESSURES, "style": ("", *STYLES)}
LISTS = {"focus_areas": FOCUS_AREAS, "tools": TOOLS}
DEFAULT_DURATION = {"professional": 60, "self": 20}
SEVERE_PAIN = 8


class SessionSchema:
    """Cleans raw session values for one user; references must be that user's own rows."""

    def __init__(self, user, now: datetime | None = None):
        self.user = user
        self.now = now or timeutil.now()
        self._therapists: dict[str, int | None] = {}  # a CSV import repeats the same few names

    def clean(self, data: dict, *, partial: bool = False) -> tuple[dict, dict[str, list[str]]]:
        """Return (clean values, errors). partial=True (PATCH) cleans only the keys given."""
        out: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        data = dict(data)
        # occurred_at wins when both are sent; errors are reported under the key that was used.
        local = missing(data.get("occurred_at")) and "occurred_at_local" in data
        if local:
            data["occurred_at"] = data.pop("occurred_at_local")
        data.pop("occurred_at_local", None)
        for name in FIELDS:
            if partial and name not in data:
                continue
            value = data.get(name)
            if missing(value):
                if name in REQUIRED:
                    key = "occurred_at_local" if name == "occurred_at" and local else name
                    errors[key] = ["This field is required."]
                else:
                    out[name] = self.default(name, out)
                continue
            try:
                out[name] = self.parse(name, value, local)
            except Invalid as problem:
                key = "occurred_at_local" if name == "occurred_at" and local else name
                errors[key] = [str(problem)]
        if "therapist" in out:
            out["therapist_id"] = self.therapist_id(out["therapist"])
        return out, errors

    def default(self, name: str, out: dict) -> Any:
        if name == "duration_minutes":
            return DEFAULT_DURATION.get(out.get("kind", "professional"), 60)
        return {
            "style": "", "therapist": "", "focus_areas": [], "pressure": "medium",
            "water_glasses": 0, "tools": [], "notes": "",
        }.get(name)  # fmt: skip

    def parse(self, name: str, value: Any, local: bool) -> Any:
        if name == "id":
            return parse_uuid(value)
        if name == "occurred_at":
            if local:
                return parse_local(value, self.user.timezone, self.now)
            return parse_instant(value, self.now)
        if name in SCALES:
            return parse_int(value, *SCALES[name])
        if name in CHOICES:
            return parse_choice(value, CHOICES[name])
        if name == "focus_areas":  # both sides of the body map: the two-sided value (#17)
            return merge_sides(parse_list(value, FOCUS_AREAS))
        if name in LISTS:
            return parse_list(value, LISTS[name])
        if name == "sleep_hours":
            return parse_hours(value)
        if name == "notes":
            return parse_text(value, NOTES_MAX)
        if name == "therapist":
            return parse_text(value, THERAPIST_MAX)
        if name == "appointment_id":
            return self.appointment(value).id
        if name == "routine_id":
            return self.routine(value).id
        raise KeyError(name)

    def appointment(self, value: Any) -> Appointment:
        """By the appointment's UUID (as the API shows it) or its numeric id."""
        number = parse_row_id(value)
        column = Appointment.id if number is not None else Appointment.client_id
        key = number if number is not None else parse_uuid(value)
        found = db.session.scalar(
            db.select(Appointment).where(column == key, Appointment.user_id == self.user.id)
        )
        if found is None:
            raise Invalid("No such appointment in your account.")
        return found

    def routine(self, value: Any) -> Routine:
        """By the routine's numeric id, or its client UUID (as /api/v1/routines has it)."""
        number = parse_row_id(value)
        if number is None and isinstance(value, str) and "-" in value:
            column, key = Routine.client_id, parse_uuid(value)
        else:
            column, key = Routine.id, parse_int(value, 1, 2**31 - 1)
        found = db.session.scalar(
            db.select(Routine).where(column == key, Routine.user_id == self.user.id)
        )
        if found is None:
            raise Invalid("No such routine in your account.")
        return found

    def therapist_id(self, name: str) -> int | None:
        """Link to the user's therapist of that name (case-insensitive), else keep free text."""
        if not name:
            return None
        if name.lower() not in self._therapists:
            self._therapists[name.lower()] = self._lookup_therapist(name)
        return self._therapists[name.lower()]

    def _lookup_therapist(self, name: str) -> int | None:
        return db.session.scalar(
            db.select(Therapist.id)
            .where(Therapist.user_id == self.user.id, db.func.lower(Therapist.name) == name.lower())
            .order_by(Therapist.id)
            .limit(1)
        )


# Fields added after request hashes were first stored; see fingerprint.
LATER_FIELDS = ("pain_next_day",)
# Model attribute for each cleaned key (the rest are named the same).
ATTRS = {"id": "client_id", "therapist": "therapist_name"}


def apply(session: MassageSession, clean: dict) -> None:
    """Copy cleaned values onto a session row."""
    for key, value in clean.items():
        setattr(session, ATTRS.get(key, key), value)


def content(session: MassageSession) -> dict:
    """A row in cleaned form, for comparing an import or replay with what is stored."""
    values = {name: getattr(session, ATTRS.get(name, name)) for name in FIELDS}
    values["id"] = session.client_id
    return values


def fingerprint(clean: dict) -> str:
    """sha256 over the content fields (not the id, so id-less CSV rows can match too)."""
    canonical = {}
    for name in FIELDS[1:]:
        value = clean.get(name)
        if name in LATER_FIELDS and value is None:
            continue  # so hashes stored before the field existed still match a replay

        if isinstance(value, datetime):
            value = timeutil.iso(value)
        canonical[name] = value
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def to_json(session: MassageSession, zone: str) -> dict:
    """The API representation; times carry the user's local offset."""
    out: dict[str, Any] = content(session)
    out["occurred_at"] = local_iso(session.occurred_at, zone)
    out["appointment_id"] = session.appointment.client_id if session.appointment else None
    out["created_at"] = timeutil.iso(session.created_at)
    out["updated_at"] = timeutil.iso(session.updated_at)
    out["deleted_at"] = timeutil.iso(session.deleted_at)
    return out
