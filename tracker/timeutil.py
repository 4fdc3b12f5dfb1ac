"""The one place that reads the clock, plus user-local conversions.

Everything is stored as timezone-aware UTC; wall-clock intent ("19:00 local") is
converted with zoneinfo only when planning or displaying.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def now() -> datetime:
    """Current time in UTC. Tests freeze or move this (time-machine or monkeypatch)."""
    return datetime.now(UTC)


def today_in(zone: str) -> date:
    return now().astimezone(ZoneInfo(zone)).date()


# IANA names: at most 32 characters today, letters, digits, "_+-", up to two slashes.
ZONE_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,29}(/[A-Za-z0-9_+-]{1,30}){0,2}")


def is_valid_zone(name: str) -> bool:
    # The shape first: ZoneInfo opens a file named by the text, so a long one raises
    # OSError ("File name too long") and a directory such as "America" IsADirectoryError.
    if not isinstance(name, str) or len(name) > 64 or not ZONE_SHAPE.fullmatch(name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


_ZONES: list[str] | None = None


def zone_names() -> list[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
        _ZONES.append("UTC")
    return _ZONES


def as_utc(value: datetime) -> datetime:
    """Normalise to aware UTC; SQLite hands back naive datetimes that are UTC by construction."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime, zone: str) -> datetime:
    return as_utc(value).astimezone(ZoneInfo(zone))


class NonexistentLocalTime(ValueError):
    """A wall-clock time that falls in a DST gap."""

    def __init__(self, requested: datetime, resolved: datetime):
        super().__init__(f"{requested:%Y-%m-%d %H:%M} does not exist in this time zone")
        self.requested = requested
        self.resolved = resolved


def local_to_utc(day: date, at: time, zone: str, *, strict: bool = False) -> datetime:
    """Convert a local wall-clock time to UTC.

    In an autumn overlap the first occurrence wins (fold=0). In a spring gap the time
    moves forward by the gap's length (Berlin 02:30 becomes 03:30), as calendar apps do;
    with strict=True that raises NonexistentLocalTime carrying the resolved value, so a
    form can tell the user instead of silently storing something else.
    """
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at.replace(tzinfo=None))
    # PEP 495: for a gap, fold=0 applies the pre-transition offset, landing after the gap.
    resolved = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if strict and resolved.astimezone(tz).replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(naive, resolved)
    return resolved


def utc_from_iso(text: str) -> datetime:
    """Parse ISO 8601 that must carry an offset; raises ValueError otherwise."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("must include a UTC offset, e.g. 2026-05-01T18:30:00+02:00")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+05:00 has no UTC equivalent
        raise ValueError("out of range") from None


def iso(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat().replace("+00:00", "Z")
