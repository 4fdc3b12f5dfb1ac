"""tracker/timeutil.py: the clock, UTC <-> local conversions across DST, ISO 8601."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tracker import timeutil
from tracker.timeutil import NonexistentLocalTime, local_to_utc

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the clock ----------------------------------------------------------------------------


def test_now_is_aware_utc():
    moment = timeutil.now()
    assert moment.utcoffset() == timedelta(0)
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)


def test_now_follows_time_machine():
    with time_machine.travel(utc(2026, 3, 29, 1, 30), tick=False):
        assert timeutil.now() == utc(2026, 3, 29, 1, 30)


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        # Berlin is UTC+1 in winter: local midnight is 23:00 UTC the day before.
        (utc(2026, 3, 27, 22, 59, 59), BERLIN, date(2026, 3, 27)),
        (utc(2026, 3, 27, 23, 0, 0), BERLIN, date(2026, 3, 28)),
        # ...and UTC+2 in summer.
        (utc(2026, 7, 1, 21, 59, 59), BERLIN, date(2026, 7, 1)),
        (utc(2026, 7, 1, 22, 0, 0), BERLIN, date(2026, 7, 2)),
        # The night of the spring change: midnight is still at UTC+1.
        (utc(2026, 3, 28, 23, 0, 0), BERLIN, date(2026, 3, 29)),
        # New York, UTC-4 in summer: late evening local is already tomorrow in UTC.
        (utc(2026, 7, 2, 3, 59, 59), NEW_YORK, date(2026, 7, 1)),
        (utc(2026, 7, 2, 4, 0, 0), NEW_YORK, date(2026, 7, 2)),
        # The night of New York's autumn change (UTC-4 until 06:00 UTC, then -5).
        (utc(2026, 11, 1, 3, 59), NEW_YORK, date(2026, 10, 31)),
        (utc(2026, 11, 1, 4, 0), NEW_YORK, date(2026, 11, 1)),
        # Same instant, two calendar days.
        (utc(2026, 1, 1, 10, 30), "Pacific/Kiritimati", date(2026, 1, 2)),
        (utc(2026, 1, 1, 10, 30), "Pacific/Pago_Pago", date(2025, 12, 31)),
        (utc(2026, 1, 1, 0, 0), "UTC", date(2026, 1, 1)),
    ],
)
def test_today_in_near_midnight(monkeypatch, instant, zone, expected):
    monkeypatch.setattr(timeutil, "now", lambda: instant)
    assert timeutil.today_in(zone) == expected


# --- local wall-clock time -> UTC ---------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # Ordinary days.
        (BERLIN, date(2026, 1, 15), time(9, 0), utc(2026, 1, 15, 8, 0)),
        (BERLIN, date(2026, 7, 15), time(9, 0), utc(2026, 7, 15, 7, 0)),
        (NEW_YORK, date(2026, 1, 15), time(9, 0), utc(2026, 1, 15, 14, 0)),
        (NEW_YORK, date(2026, 7, 15), time(9, 0), utc(2026, 7, 15, 13, 0)),
        # Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST.
        (BERLIN, date(2026, 3, 29), time(1, 59), utc(2026, 3, 29, 0, 59)),
        (BERLIN, date(2026, 3, 29), time(3, 0), utc(2026, 3, 29, 1, 0)),
        # Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:00-02:59 happens twice.
        (BERLIN, date(2026, 10, 25), time(1, 59), utc(2026, 10, 24, 23, 59)),
        (BERLIN, date(2026, 10, 25), time(3, 0), utc(2026, 10, 25, 2, 0)),
        # New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
        (NEW_YORK, date(2026, 3, 8), time(1, 59), utc(2026, 3, 8, 6, 59)),
        (NEW_YORK, date(2026, 3, 8), time(3, 0), utc(2026, 3, 8, 7, 0)),
        # New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST.
        (NEW_YORK, date(2026, 11, 1), time(0, 59), utc(2026, 11, 1, 4, 59)),
        (NEW_YORK, date(2026, 11, 1), time(2, 0), utc(2026, 11, 1, 7, 0)),
    ],
)
def test_local_to_utc(zone, day, at, expected):
    result = local_to_utc(day, at, zone)
    assert result == expected
    assert result.tzinfo is UTC
    assert local_to_utc(day, at, zone, strict=True) == expected  # these times all exist


@pytest.mark.parametrize(
    ("zone", "day", "at", "moved_to", "expected"),
    [
        # The README's rule: a time in the gap moves forward by the gap (02:30 -> 03:30).
        (BERLIN, date(2026, 3, 29), time(2, 30), time(3, 30), utc(2026, 3, 29, 1, 30)),
        (BERLIN, date(2026, 3, 29), time(2, 0), time(3, 0), utc(2026, 3, 29, 1, 0)),
        (BERLIN, date(2026, 3, 29), time(2, 59), time(3, 59), utc(2026, 3, 29, 1, 59)),
        (NEW_YORK, date(2026, 3, 8), time(2, 30), time(3, 30), utc(2026, 3, 8, 7, 30)),
        # Lord Howe Island's gap is 30 minutes: 02:15 becomes 02:45.
        (
            "Australia/Lord_Howe",
            date(2026, 10, 4),
            time(2, 15),
            time(2, 45),
            utc(2026, 10, 3, 15, 45),
        ),
    ],
)
def test_spring_gap_moves_forward_by_its_length(zone, day, at, moved_to, expected):
    result = local_to_utc(day, at, zone)
    assert result == expected
    local = result.astimezone(ZoneInfo(zone))
    assert (local.date(), local.time()) == (day, moved_to)


def test_strict_gap_raises_with_the_resolved_time():
    with pytest.raises(NonexistentLocalTime, match="2026-03-29 02:30") as failure:
        local_to_utc(date(2026, 3, 29), time(2, 30), BERLIN, strict=True)
    assert failure.value.requested == datetime(2026, 3, 29, 2, 30)
    assert failure.value.resolved == utc(2026, 3, 29, 1, 30)
    assert isinstance(failure.value, ValueError)  # forms and the API catch ValueError


@pytest.mark.parametrize(
    ("zone", "day", "at", "first"),
    [
        (BERLIN, date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),  # CEST, not CET
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),  # EDT, not EST
    ],
)
def test_autumn_overlap_takes_the_first_occurrence(zone, day, at, first):
    assert local_to_utc(day, at, zone) == first
    assert local_to_utc(day, at, zone, strict=True) == first  # ambiguous is not an error
    second = first + timedelta(hours=1)
    assert timeutil.to_local(second, zone).replace(tzinfo=None) == datetime.combine(day, at)


def test_local_to_utc_ignores_a_tzinfo_on_the_time():
    at = time(9, 0, tzinfo=timezone(timedelta(hours=5)))
    assert local_to_utc(date(2026, 1, 15), at, BERLIN) == utc(2026, 1, 15, 8, 0)


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, "Australia/Lord_Howe", "UTC"])
def test_round_trip_through_local_time_every_15_minutes_of_a_dst_year(zone):
    """UTC -> local -> UTC gives the same instant, except the second pass through an autumn
    overlap, which comes back as the first (the documented rule)."""
    tz = ZoneInfo(zone)
    moment = utc(2026, 1, 1)
    while moment < utc(2027, 1, 1):
        local = timeutil.to_local(moment, zone)
        back = local_to_utc(local.date(), local.time(), zone, strict=True)
        if local.fold == 1 and local.utcoffset() != local.replace(fold=0).utcoffset():
            assert back == moment - (local.replace(fold=0).utcoffset() - local.utcoffset())
        else:
            assert back == moment, (zone, moment)
        assert local.tzinfo == tz
        moment += timedelta(minutes=15)


# --- normalising and ISO 8601 -------------------------------------------------------------


def test_as_utc():
    assert timeutil.as_utc(datetime(2026, 5, 1, 12)) == utc(2026, 5, 1, 12)  # naive is UTC
    assert timeutil.as_utc(datetime(2026, 5, 1, 12)).tzinfo is UTC
    berlin = datetime(2026, 5, 1, 14, tzinfo=ZoneInfo(BERLIN))
    assert timeutil.as_utc(berlin) == utc(2026, 5, 1, 12)
    assert timeutil.as_utc(berlin).tzinfo is UTC


def test_to_local_treats_naive_as_utc():
    local = timeutil.to_local(datetime(2026, 7, 1, 22, 0), BERLIN)
    assert (local.date(), local.time()) == (date(2026, 7, 2), time(0, 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-01T18:30:00+02:00", utc(2026, 5, 1, 16, 30)),
        ("2026-05-01T16:30:00Z", utc(2026, 5, 1, 16, 30)),
        ("2026-05-01T16:30:00.123456+00:00", utc(2026, 5, 1, 16, 30, 0, 123456)),
        ("2026-11-01T01:30:00-05:00", utc(2026, 11, 1, 6, 30)),  # the second 01:30 in New York
        ("2026-11-01T01:30:00-04:00", utc(2026, 11, 1, 5, 30)),  # the first one
        ("9999-12-31T23:59:59Z", utc(9999, 12, 31, 23, 59, 59)),
    ],
)
def test_utc_from_iso(text, expected):
    value = timeutil.utc_from_iso(text)
    assert value == expected
    assert value.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "2026-05-01T18:30:00",  # no offset
        "2026-05-01",
        "yesterday",
        "",
        "2026-02-30T10:00Z",
        "0001-01-01T00:00+05:00",  # before year 1 in UTC
    ],
)
def test_utc_from_iso_refuses(text):
    with pytest.raises(ValueError):
        timeutil.utc_from_iso(text)


def test_iso():
    assert timeutil.iso(None) is None
    assert timeutil.iso(utc(2026, 5, 1, 16, 30)) == "2026-05-01T16:30:00Z"
    assert timeutil.iso(datetime(2026, 5, 1, 18, 30, tzinfo=ZoneInfo(BERLIN))) == (
        "2026-05-01T16:30:00Z"
    )
    assert timeutil.iso(datetime(2026, 5, 1, 16, 30)) == "2026-05-01T16:30:00Z"  # naive = UTC


@pytest.mark.parametrize(
    "moment",
    [
        utc(2026, 5, 1, 16, 30),
        utc(2026, 3, 29, 1, 30, 0, 999999),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 1, 30),
        utc(1970, 1, 1),
        utc(9999, 12, 31, 23, 59, 59),
    ],
)
def test_iso_round_trip(moment):
    assert timeutil.utc_from_iso(timeutil.iso(moment)) == moment
    # ...and through a local offset, as the API writes responses.
    local = moment.astimezone(ZoneInfo(BERLIN)) if moment.year < 9999 else moment
    assert timeutil.utc_from_iso(local.isoformat()) == moment


# --- zones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        (BERLIN, True),
        (NEW_YORK, True),
        ("UTC", True),
        ("", False),
        (" Europe/Berlin", False),
        ("Europe/Berlin ", False),
        ("Mars/Olympus_Mons", False),
        ("../../etc/passwd", False),
        ("/etc/localtime", False),
    ],
)
def test_is_valid_zone(name, valid):
    assert timeutil.is_valid_zone(name) is valid


def test_zone_names():
    names = timeutil.zone_names()
    assert {BERLIN, NEW_YORK, "UTC"} <= set(names)
    assert names[-1] == "UTC"
    assert names[:-1] == sorted(names[:-1])
    assert not any(n.startswith("Etc/") for n in names)
    assert all(timeutil.is_valid_zone(n) for n in names)
    assert timeutil.zone_names() is names  # computed once
