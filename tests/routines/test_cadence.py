"""Pure cadence and due-date functions: month ends, leap years, DST in three hemispheres."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.routines.cadence import (
    add_cadence,
    countdown,
    due_at_utc,
    due_status,
    first_on_or_after,
    next_due,
    routine_state,
    validate_cadence,
)


@pytest.mark.parametrize(
    ("anchor", "count", "unit", "periods", "expected"),
    [
        (date(2026, 1, 31), 1, "months", 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, "months", 1, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 1, "months", 2, date(2026, 3, 31)),  # from the anchor, not Feb 28
        (date(2026, 1, 31), 1, "months", 3, date(2026, 4, 30)),
        (date(2026, 1, 30), 1, "months", 1, date(2026, 2, 28)),
        (date(2026, 8, 31), 6, "months", 1, date(2027, 2, 28)),
        (date(2026, 11, 30), 3, "months", 1, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, "months", 1, date(2027, 1, 15)),  # across a year
        (date(2028, 2, 29), 12, "months", 1, date(2029, 2, 28)),  # leap day, yearly
        (date(2028, 2, 29), 12, "months", 4, date(2032, 2, 29)),
        (date(2026, 2, 28), 1, "days", 1, date(2026, 3, 1)),
        (date(2028, 2, 28), 1, "days", 1, date(2028, 2, 29)),
        (date(2026, 12, 31), 2, "weeks", 1, date(2027, 1, 14)),
        (date(2026, 1, 1), 365, "days", 1, date(2027, 1, 1)),
        (date(2026, 1, 1), 52, "weeks", 2, date(2027, 12, 30)),
        (date(2026, 3, 10), 2, "weeks", 0, date(2026, 3, 10)),
    ],
)
def test_it_adds_cadences_from_the_anchor(anchor, count, unit, periods, expected):
    assert add_cadence(anchor, count, unit, periods) == expected


def test_it_rejects_unknown_units():
    with pytest.raises(ValueError):
        add_cadence(date(2026, 1, 1), 1, "fortnights", 1)


@pytest.mark.parametrize(
    ("count", "unit", "ok"),
    [
        (1, "days", True),
        (365, "days", True),
        (366, "days", False),
        (0, "days", False),
        (-1, "weeks", False),
        (52, "weeks", True),
        (53, "weeks", False),
        (12, "months", True),
        (13, "months", False),
        (1, "years", False),
    ],
)
def test_it_validates_cadence_limits(count, unit, ok):
    assert (validate_cadence(count, unit) is None) is ok


@pytest.mark.parametrize(
    ("last_done", "today", "expected"),
    [
        (None, date(2026, 3, 1), date(2026, 3, 10)),  # never done, anchor ahead
        (None, date(2026, 3, 20), date(2026, 3, 10)),  # never done, anchor passed: overdue
        (date(2026, 3, 12), date(2026, 3, 13), date(2026, 3, 26)),  # one cadence after
        (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 10)),  # done before the anchor
        (date(2026, 4, 30), date(2026, 4, 1), date(2026, 4, 15)),  # future "done" counts today
    ],
)
def test_it_computes_next_due(last_done, today, expected):
    assert next_due(date(2026, 3, 10), 2, "weeks", last_done, today) == expected


def test_monthly_due_after_a_session_on_the_31st_clamps():
    assert next_due(date(2026, 1, 1), 1, "months", date(2026, 1, 31), date(2026, 2, 1)) == date(
        2026, 2, 28
    )


@pytest.mark.parametrize(
    ("due", "state", "days", "label"),
    [
        (date(2026, 5, 20), "on_track", 10, "on track"),
        (date(2026, 5, 13), "on_track", 3, "on track"),
        (date(2026, 5, 12), "due_soon", 2, "due soon"),
        (date(2026, 5, 10), "due_soon", 0, "due soon"),
        (date(2026, 5, 9), "overdue", -1, "overdue by 1 day"),
        (date(2026, 5, 7), "overdue", -3, "overdue by 3 days"),
    ],
)
def test_it_labels_due_status(due, state, days, label):
    status = due_status(due, date(2026, 5, 10))
    assert (status.state, status.days, status.label) == (state, days, label)


def test_status_when_reads_naturally():
    today = date(2026, 5, 10)
    assert due_status(date(2026, 5, 10), today).when == "today"
    assert due_status(date(2026, 5, 11), today).when == "tomorrow"
    assert due_status(date(2026, 5, 15), today).when == "in 5 days"
    assert due_status(date(2026, 5, 7), today).when == "3 days ago"


@pytest.mark.parametrize(
    ("anchor", "count", "unit", "day", "expected"),
    [
        (date(2026, 1, 4), 1, "weeks", date(2026, 3, 11), date(2026, 3, 15)),
        (date(2026, 1, 4), 1, "weeks", date(2026, 3, 15), date(2026, 3, 15)),
        (date(2026, 1, 31), 1, "months", date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 1, 31), 1, "months", date(2026, 2, 10), date(2026, 2, 28)),
        (date(2026, 1, 31), 2, "months", date(2026, 4, 1), date(2026, 5, 31)),
        (date(2026, 6, 1), 3, "days", date(2026, 1, 1), date(2026, 6, 1)),
    ],
)
def test_it_finds_the_first_occurrence_on_or_after(anchor, count, unit, day, expected):
    assert first_on_or_after(anchor, count, unit, day) == expected


@given(
    anchor=st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    day=st.dates(date(2000, 1, 1), date(2095, 12, 31)),
    unit=st.sampled_from(["days", "weeks", "months"]),
    count=st.integers(1, 12),
)
def test_first_on_or_after_is_the_earliest_occurrence(anchor, day, unit, count):
    found = first_on_or_after(anchor, count, unit, day)
    assert found >= day and found >= anchor
    k = next(k for k in range(100_000) if add_cadence(anchor, count, unit, k) == found)
    assert k == 0 or add_cadence(anchor, count, unit, k - 1) < day


# Weekly at 19:00 local across both DST transitions: the UTC hour moves, the local one does not.
@pytest.mark.parametrize(
    ("zone", "anchor", "utc_hours"),
    [
        # Berlin: CET+1 -> CEST+2 on 29 Mar 2026, back on 25 Oct 2026.
        ("Europe/Berlin", date(2026, 3, 22), [18, 17, 17]),
        ("Europe/Berlin", date(2026, 10, 18), [17, 18, 18]),
        # New York: EST-5 -> EDT-4 on 8 Mar 2026, back on 1 Nov 2026.
        ("America/New_York", date(2026, 3, 1), [0, 23, 23]),
        ("America/New_York", date(2026, 10, 25), [23, 0, 0]),
        # Sydney (southern hemisphere): AEDT+11 -> AEST+10 on 5 Apr 2026, back on 4 Oct 2026.
        ("Australia/Sydney", date(2026, 3, 29), [8, 9, 9]),
        ("Australia/Sydney", date(2026, 9, 27), [9, 8, 8]),
    ],
)
def test_weekly_routine_stays_at_local_time_across_dst(zone, anchor, utc_hours):
    for k, hour in enumerate(utc_hours):
        due = add_cadence(anchor, 1, "weeks", k)
        moment = due_at_utc(due, time(19, 0), zone)
        assert moment.tzinfo is not None and moment.utcoffset().total_seconds() == 0
        assert moment.hour == hour
        local = moment.astimezone(ZoneInfo(zone))
        assert (local.date(), local.time()) == (due, time(19, 0))


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        (
            "America/New_York",
            date(2026, 3, 8),
            time(2, 30),
            datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
        ),
        (
            "Australia/Sydney",
            date(2026, 10, 4),
            time(2, 30),
            datetime(2026, 10, 3, 16, 30, tzinfo=UTC),
        ),
        # Autumn overlap: the first occurrence wins.
        (
            "Europe/Berlin",
            date(2026, 10, 25),
            time(2, 30),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ),
    ],
)
def test_due_times_in_dst_gaps_and_overlaps_resolve_forward(zone, day, at, expected_utc):
    moment = due_at_utc(day, at, zone)
    assert moment == expected_utc
    # A gap time moves forward by the gap (02:30 -> 03:30), never backward.
    assert moment.astimezone(ZoneInfo(zone)).time() >= at


@dataclass
class FakeRoutine:
    anchor_date: date = date(2026, 5, 1)
    cadence_count: int = 1
    cadence_unit: str = "weeks"
    paused_at: datetime | None = None
    archived_at: datetime | None = None


def test_routine_state_is_none_when_paused_or_archived():
    moment = datetime(2026, 5, 1, tzinfo=UTC)
    today = date(2026, 6, 1)
    assert routine_state(FakeRoutine(paused_at=moment), None, today)[0] is None
    assert routine_state(FakeRoutine(paused_at=moment), None, today)[1].state == "paused"
    due, status = routine_state(FakeRoutine(archived_at=moment, paused_at=moment), None, today)
    assert (due, status.state, status.when) == (None, "archived", "")


def test_routine_state_of_an_active_routine():
    due, status = routine_state(FakeRoutine(), date(2026, 5, 20), date(2026, 5, 26))
    assert due == date(2026, 5, 27)
    assert (status.state, status.days) == ("due_soon", 1)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (-5, "now"),
        (0, "now"),
        (0.5, "in 1 minute"),
        (15, "in 15 minutes"),
        (60, "in 1 hour"),
        (47 * 60, "in 47 hours"),
        (48 * 60, "in 2 days"),
        (24 * 60 * 10 + 5, "in 10 days"),
    ],
)
def test_countdown(minutes, text):
    from datetime import timedelta

    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert countdown(now + timedelta(minutes=minutes), now) == text
