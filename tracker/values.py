"""Value parsers shared by forms, CSV import and the JSON API.

Text sources send numbers as strings, so numeric strings are accepted everywhere, while
words like "seven" get a precise message. Each raises Invalid with a message shown as is.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from . import timeutil

FUTURE_SLACK = timedelta(days=1)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
DAY_RANGE = (1900, 2999)


class Invalid(ValueError):
    """One field's value is not acceptable; the message is shown to the user as is."""


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


INT_TEXT = re.compile(r"\s*([+-]?)0*(\d+)\s*")
ROW_ID_MAX = 2**63 - 1  # the databases' 64-bit ids; drivers overflow beyond
PAGE_MAX = 100_000  # far past any real history; keeps OFFSET within 64 bits


def _shown(value: Any) -> str:
    """A value for a message: short, and never str() of a huge int (which raises)."""
    if isinstance(value, int) and abs(value) >= 10**30:
        return "that number"
    if isinstance(value, float):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_int(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise Invalid(f"Must be a whole number from {low} to {high}.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and (match := INT_TEXT.fullmatch(value)):
        # Count digits before int(): past 4,300 it raises, and long before it is only a typo.
        if len(match[2]) > len(str(max(abs(low), abs(high)))):
            raise Invalid(f"Must be from {low} to {high}; that number is outside that range.")
        value = int(match[1] + match[2])
    if not isinstance(value, int):
        raise Invalid(f"Must be a whole number from {low} to {high}, not {_shown(value)}.")
    if not low <= value <= high:
        raise Invalid(f"Must be from {low} to {high}; {_shown(value)} is outside that range.")
    return value


def parse_page(value: Any) -> int:
    """A ?page= number for an HTML list: anything unusable is page 1, a huge one the last
    possible page (empty), so no input reaches the database as an overflowing OFFSET."""
    text = str(value or "").strip().lstrip("0")
    if not (text.isascii() and text.isdigit()):
        return 1
    return PAGE_MAX if len(text) > len(str(PAGE_MAX)) else min(int(text), PAGE_MAX)


def parse_hours(value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise Invalid(f"Must be a number of hours from 0 to 24, not {_shown(value)}.") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise Invalid("Must be a number of hours from 0 to 24.")
    if not 0 <= value <= 24:  # (not {value:g}: a huge int overflows float formatting)
        raise Invalid(f"Must be from 0 to 24 hours; {_shown(value)} is outside that range.")
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
    if not (text.isascii() and text.isdigit()) or len(text) > 19:  # 2**63 has 19 digits
        return None
    number = int(text)
    return number if 0 < number <= ROW_ID_MAX else None


def parse_uuid(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise Invalid("Must be a UUID, e.g. 3f2c9a4e-8b1d-4c6e-9f7a-2d5b8e1c0a43.") from None


def check_when_message(too_early: bool) -> str:
    return (
        "Must be after 1970."
        if too_early
        else "Can't be more than a day in the future. Check the date."
    )


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


def local_iso(value: datetime | None, zone: str) -> str | None:
    return None if value is None else timeutil.to_local(value, zone).isoformat()


_UNSAFE_IN_PATH = re.compile(r"[\x00-\x20\x7f\\]")


def local_path(raw: Any, default: str) -> str:
    """A path on this site to redirect to, or `default`. Browsers drop tabs and newlines from
    a Location and read a backslash as a slash, so "/\t/evil.example" would leave the site;
    control characters, spaces and backslashes are refused outright (a newline would also
    break the header)."""
    if not isinstance(raw, str) or not raw.startswith("/") or raw.startswith("//"):
        return default
    if _UNSAFE_IN_PATH.search(raw) or urlsplit(raw).netloc:
        return default
    return raw
