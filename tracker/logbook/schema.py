"""Session validation and serialisation, shared by the HTML form, the JSON API and CSV.

Every source hands in a dict of raw values keyed by the JSON field names; text sources
(forms, CSV, an outbox that copied a form) send numbers as strings, so numeric strings are
accepted everywhere, while words like "seven" get a precise message.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .. import timeutil
from ..extensions import db
from ..models import Appointment, MassageSession, Routine, Therapist
from ..models.routine import KINDS, STYLES
from ..models.session import FOCUS_AREAS, PRESSURES, TOOLS

# Public field order: JSON output, CSV columns and docs/api.md follow it.
FIELDS = (
    "id", "occurred_at", "kind", "duration_minutes", "style", "therapist", "focus_areas",
    "pressure", "pain_before", "pain_after", "mood", "relaxation", "sleep_quality",
    "sleep_hours", "water_glasses", "tools", "notes", "appointment_id", "routine_id",
)  # fmt: skip
REQUIRED = ("id", "occurred_at", "kind", "pain_before", "pain_after", "mood")
NOTES_MAX = 2000
THERAPIST_MAX = 120
FUTURE_SLACK = timedelta(days=1)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
DAY_RANGE = (1900, 2999)
SCALES = {
    "pain_before": (0, 10), "pain_after": (0, 10), "mood": (1, 5), "relaxation": (1, 5),
    "sleep_quality": (1, 5), "duration_minutes": (1, 600), "water_glasses": (0, 50),
}  # fmt: skip
CHOICES = {"kind": KINDS, "pressure": PRESSURES, "style": ("", *STYLES)}
LISTS = {"focus_areas": FOCUS_AREAS, "tools": TOOLS}
DEFAULT_DURATION = {"professional": 60, "self": 20}
SEVERE_PAIN = 8


class Invalid(ValueError):
    """One field's value is not acceptable; the message is shown to the user as is."""


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_int(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise Invalid(f"Must be a whole number from {low} to {high}.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise Invalid(f"Must be a whole number from {low} to {high}, not {value!r}.")
    if not low <= value <= high:
        raise Invalid(f"Must be from {low} to {high}; {value} is outside that range.")
    return value


def parse_hours(value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise Invalid(f"Must be a number of hours from 0 to 24, not {value!r}.") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise Invalid("Must be a number of hours from 0 to 24.")
    if not 0 <= value <= 24:
        raise Invalid(f"Must be from 0 to 24 hours; {value:g} is outside that range.")
    return round(float(value), 2)


def parse_choice(value: Any, options: tuple[str, ...]) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in options:
        shown = ", ".join(o for o in options if o)
        raise Invalid(f"Must be one of: {shown}.")
    return text


def parse_list(value: Any, options: tuple[str, ...]) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[;,]", value)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise Invalid("Must be a list of names.")
    items = [v.strip().lower() for v in value if v.strip()]
    unknown = [v for v in items if v not in options]
    if unknown:
        raise Invalid(f"Unknown: {', '.join(unknown)}. Choose from: {', '.join(options)}.")
    return [o for o in options if o in items]  # canonical order, no duplicates


def parse_text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise Invalid("Must be text.")
    text = value.strip()
    if len(text) > limit:
        raise Invalid(f"Must be at most {limit:,} characters; this is {len(text):,}.")
    return text


def parse_row_id(value: Any) -> int | None:
    """A numeric database id from text, or None: ASCII digits only (int() rejects "²", which
    str.isdigit accepts) and within 64 bits (the driver overflows beyond)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number < 2**63 else None


def parse_uuid(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise Invalid("Must be a UUID, e.g. 3f2c9a4e-8b1d-4c6e-9f7a-2d5b8e1c0a43.") from None


def check_when_message(too_early: bool) -> str:
    return "Must be after 1970." if too_early else "Can't be more than a day in the future. Check the date."


def check_when(value: datetime, now: datetime) -> datetime:
    if value > now + FUTURE_SLACK:
        raise Invalid(check_when_message(False))
    if value < EARLIEST:
        raise Invalid(check_when_message(True))
    return value


def parse_instant(value: Any, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise Invalid("Must be an ISO 8601 time with offset, e.g. 2026-05-01T18:30:00+02:00.")
    try:
        parsed = timeutil.utc_from_iso(value.strip())
    except ValueError:
        raise Invalid(
            "Must be an ISO 8601 time with a UTC offset, e.g. 2026-05-01T18:30:00+02:00."
        ) from None
    return check_when(parsed, now)


def parse_local(value: Any, zone: str, now: datetime) -> datetime:
    """Wall-clock "YYYY-MM-DDTHH:MM" in the user's zone; a time in a DST gap is refused."""
    try:
        naive = datetime.strptime(str(value).strip()[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        raise Invalid("Enter a date and time, e.g. 2026-05-01T18:30.") from None
    try:
        when = timeutil.local_to_utc(naive.date(), naive.time(), zone, strict=True)
    except OverflowError:  # year 1 or 9999 shifted past datetime's range by the offset
        raise Invalid(check_when_message(naive.year < 1970)) from None
    except timeutil.NonexistentLocalTime as gap:
        moved = timeutil.to_local(gap.resolved, zone)
        raise Invalid(
            f"{naive:%H:%M} on {naive:%d %b %Y} doesn't exist in {zone}: the clocks went "
            f"forward. Did you mean {moved:%H:%M}?"
        ) from None
    return check_when(when, now)


def parse_day(value: Any) -> date:
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid("Enter a date as YYYY-MM-DD.") from None
    # Callers add a day and convert to UTC; near year 1 or 9999 that overflows.
    if not DAY_RANGE[0] <= day.year <= DAY_RANGE[1]:
        raise Invalid(f"Enter a date between {DAY_RANGE[0]} and {DAY_RANGE[1]}.")
    return day


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
        number = parse_int(value, 1, 2**31 - 1)
        found = db.session.scalar(
            db.select(Routine).where(Routine.id == number, Routine.user_id == self.user.id)
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
        if isinstance(value, datetime):
            value = timeutil.iso(value)
        canonical[name] = value
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def local_iso(value: datetime | None, zone: str) -> str | None:
    return None if value is None else timeutil.to_local(value, zone).isoformat()


def to_json(session: MassageSession, zone: str) -> dict:
    """The API representation; times carry the user's local offset."""
    out: dict[str, Any] = content(session)
    out["occurred_at"] = local_iso(session.occurred_at, zone)
    out["appointment_id"] = session.appointment.client_id if session.appointment else None
    out["created_at"] = timeutil.iso(session.created_at)
    out["updated_at"] = timeutil.iso(session.updated_at)
    out["deleted_at"] = timeutil.iso(session.deleted_at)
    return out
