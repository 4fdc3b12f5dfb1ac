"""Target cadences: "N times per week or month" and "on chosen weekdays" (pure functions),
plus their due status, streaks and adherence through the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.routines.cadence import (
    describe,
    period_bounds,
    routine_state,
    times_state,
    validate_target,
    weekdays_state,
)
from tracker.trends import series

from .conftest import NOW


@dataclass
class R:
    cadence_kind: str = "times"
    cadence_count: int = 2
    cadence_unit: str = "weeks"
    cadence_weekdays: list = field(default_factory=list)
    anchor_date: date = date(2026, 1, 1)
    paused_at: datetime | None = None
    archived_at: datetime | None = None


@pytest.mark.parametrize(
    ("day", "unit", "expected"),
    [
        (date(2026, 5, 6), "weeks", (date(2026, 5, 4), date(2026, 5, 11))),  # Wed -> Mon..Mon
        (date(2026, 5, 4), "weeks", (date(2026, 5, 4), date(2026, 5, 11))),  # a Monday itself
        (date(2026, 5, 10), "weeks", (date(2026, 5, 4), date(2026, 5, 11))),  # Sunday
        (date(2026, 12, 30), "weeks", (date(2026, 12, 28), date(2027, 1, 4))),  # across a year
        (date(2026, 2, 14), "months", (date(2026, 2, 1), date(2026, 3, 1))),
        (date(2028, 2, 29), "months", (date(2028, 2, 1), date(2028, 3, 1))),  # leap day
        (date(2026, 12, 31), "months", (date(2026, 12, 1), date(2027, 1, 1))),
    ],
)
def test_periods_are_calendar_weeks_from_monday_and_calendar_months(day, unit, expected):
    assert period_bounds(day, unit) == expected


def test_twice_a_week_is_kept_once_the_week_has_two_sessions():
    wed = date(2026, 5, 6)
    due, status = times_state(2, "weeks", date(2026, 5, 5), 2, wed)
    assert (due, status.state, status.label) == (date(2026, 5, 11), "on_track", "2 of 2 this week")


def test_twice_a_week_spaces_the_next_session_by_half_a_week():
    # One done on Monday: the next is due three days later (7 // 2), on Thursday.
    due, status = times_state(2, "weeks", date(2026, 5, 4), 1, date(2026, 5, 5))
    assert due == date(2026, 5, 7) and status.state == "due_soon"
    assert status.label == "1 of 2 this week"


def test_none_done_yet_is_due_today():
    due, status = times_state(2, "weeks", None, 0, date(2026, 5, 4))
    assert due == date(2026, 5, 4) and status.days == 0


def test_the_due_date_never_passes_the_last_day_that_still_fits_the_target():
    # Saturday with 0 of 2: Saturday and Sunday are left, so it is due today, not later.
    due, status = times_state(2, "weeks", date(2026, 5, 1), 0, date(2026, 5, 9))
    assert due == date(2026, 5, 9) and status.state == "due_soon"


def test_a_week_that_can_no_longer_reach_its_target_is_behind():
    # Sunday with 0 of 2: one day left for two sessions.
    due, status = times_state(2, "weeks", date(2026, 4, 30), 0, date(2026, 5, 10))
    assert status.state == "overdue" and status.label == "behind: 0 of 2 this week"
    assert due == date(2026, 5, 10)


def test_monthly_targets_follow_month_ends():
    # 3 a month, 1 done, 30 January: 2 days left (30, 31) for 2 sessions -> due today.
    due, status = times_state(3, "months", date(2026, 1, 2), 1, date(2026, 1, 30))
    assert due == date(2026, 1, 30)
    # In February (28 days) the even share is 9 days.
    due, _ = times_state(3, "months", date(2026, 2, 2), 1, date(2026, 2, 3))
    assert due == date(2026, 2, 11)


def test_weekdays_are_due_on_the_next_chosen_day_after_the_last_session():
    tue, sat = 1, 5
    due, status = weekdays_state(
        [tue, sat], date(2026, 1, 1), date(2026, 5, 5), 1, date(2026, 5, 6)
    )
    assert due == date(2026, 5, 9) and status.label == "1 of 2 this week"  # Saturday


def test_a_missed_weekday_is_overdue():
    tue, sat = 1, 5
    due, status = weekdays_state(
        [tue, sat], date(2026, 1, 1), date(2026, 5, 2), 0, date(2026, 5, 6)
    )
    assert due == date(2026, 5, 5) and status.state == "overdue" and status.days == -1


def test_a_week_kept_on_other_days_is_due_next_week():
    # Tue/Sat chosen, two sessions already on Mon and Wed: this week is kept.
    due, status = weekdays_state([1, 5], date(2026, 1, 1), date(2026, 5, 6), 2, date(2026, 5, 7))
    assert due == date(2026, 5, 12) and status.state == "on_track"


def test_a_new_weekday_routine_starts_at_its_anchor():
    due, _ = weekdays_state([3], date(2026, 5, 6), None, 0, date(2026, 5, 4))
    assert due == date(2026, 5, 7)  # the first Thursday on or after the anchor


def test_routine_state_dispatches_on_the_kind_and_pauses_win():
    today = date(2026, 5, 6)
    assert routine_state(R(), None, today)[0] == today
    assert routine_state(R(cadence_kind="weekdays", cadence_weekdays=[4]), None, today)[0] == date(
        2026, 1, 2
    )  # anchor 1 Jan was a Thursday; first Friday after it
    assert routine_state(R(paused_at=datetime(2026, 5, 1, tzinfo=UTC)), None, today)[0] is None


@pytest.mark.parametrize(
    ("routine", "text"),
    [
        (R(cadence_count=2, cadence_unit="weeks"), "2 times a week"),
        (R(cadence_count=1, cadence_unit="months"), "once a month"),
        (R(cadence_kind="weekdays", cadence_weekdays=[5, 1]), "on Tue and Sat"),
        (R(cadence_kind="weekdays", cadence_weekdays=[0, 2, 4]), "on Mon, Wed and Fri"),
        (R(cadence_kind="every", cadence_count=2, cadence_unit="weeks"), "every 2 weeks"),
        (R(cadence_kind="every", cadence_count=1, cadence_unit="months"), "every month"),
    ],
)
def test_cadences_read_as_words(routine, text):
    assert describe(routine) == text


@pytest.mark.parametrize(
    ("kind", "count", "unit", "days", "ok"),
    [
        ("times", 2, "weeks", [], True),
        ("times", 15, "weeks", [], False),
        ("times", 31, "months", [], True),
        ("times", 0, "months", [], False),
        ("times", 2, "days", [], False),
        ("weekdays", 0, "weeks", [1, 5], True),
        ("weekdays", 0, "weeks", [], False),
        ("weekdays", 0, "weeks", [7], False),
        ("every", 3, "weeks", [], True),
        ("sometimes", 1, "weeks", [], False),
    ],
)
def test_target_validation(kind, count, unit, days, ok):
    assert (validate_target(kind, count, unit, days) is None) is ok


def test_a_target_period_is_kept_by_enough_sessions_not_by_one():
    weeks = series.periods(
        series.Cadence(date(2026, 4, 27), 1, "weeks", target=2),
        date(2026, 4, 27),
        date(2026, 5, 10),
    )
    days = [date(2026, 4, 28), date(2026, 5, 4), date(2026, 5, 9)]  # one, then two
    kept = series.kept_by_days(days, 2)
    assert [kept(p) for p in weeks] == [False, True]
    assert [series.kept_by_days(days)(p) for p in weeks] == [True, True]


# --- through the app: forms, due status, streaks --------------------------------------------


def test_it_saves_a_twice_weekly_self_massage_routine_without_professional_fields(
    alice_client, app, alice, make
):
    from tracker.extensions import db
    from tracker.models import Routine

    dana = make.therapist(alice)
    response = alice_client.post(
        "/routine/new",
        data={
            "name": "Foam roller",
            "kind": "self",
            "cadence_kind": "times",
            "times_count": "2",
            "times_per": "weeks",
            "anchor_date": "2026-05-04",
            "preferred_time": "18:00",
            "therapist_id": str(dana.id),
            "style": "swedish",
            "duration_minutes": "20",
            "tools": ["foam_roller", "ball"],
            "focus_areas": ["lower_back"],
            "nudge_enabled": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        routine = db.session.scalar(db.select(Routine))
        assert (routine.cadence_kind, routine.cadence_count, routine.cadence_unit) == (
            "times",
            2,
            "weeks",
        )
        assert routine.therapist_id is None and routine.tools == ["foam_roller", "ball"]
        assert routine.nudge_enabled
    page = alice_client.get("/routine").get_data(as_text=True)
    assert "2 times a week" in page


def test_a_weekday_routine_needs_a_day(alice_client, app, alice):
    response = alice_client.post(
        "/routine/new",
        data={
            "name": "Towel",
            "kind": "self",
            "cadence_kind": "weekdays",
            "anchor_date": "2026-05-04",
            "preferred_time": "18:00",
            "style": "swedish",
            "duration_minutes": "20",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Choose at least one day of the week." in page


def test_home_counts_this_weeks_sessions_for_a_twice_weekly_routine(alice_client, alice, make):
    routine = make.routine(
        alice,
        name="Foam roller",
        kind="self",
        cadence_kind="times",
        cadence_count=2,
        cadence_unit="weeks",
        anchor_date=date(2026, 4, 1),
    )
    make.session(alice, occurred_at=NOW - timedelta(days=1), routine_id=routine.id, kind="self")
    page = alice_client.get("/routine").get_data(as_text=True)
    assert "1 of 2 this week" in page
    make.session(alice, occurred_at=NOW - timedelta(hours=1), routine_id=routine.id, kind="self")
    page = alice_client.get("/routine").get_data(as_text=True)
    assert "2 of 2 this week" in page


def test_streak_counts_weeks_that_met_the_target(app, alice, make):
    from tracker.extensions import db
    from tracker.models import Routine
    from tracker.trends import queries

    routine = make.routine(
        alice,
        name="Foam roller",
        kind="self",
        cadence_kind="times",
        cadence_count=2,
        cadence_unit="weeks",
        anchor_date=date(2026, 4, 13),
    )
    # Weeks of 13 Apr (2), 20 Apr (1: missed), 27 Apr (2), 4 May (current, 1 so far).
    for day in (13, 15, 22, 27, 30):
        make.session(
            alice,
            occurred_at=datetime(2026, 4, day, 17, tzinfo=UTC),
            routine_id=routine.id,
            kind="self",
        )
    make.session(
        alice, occurred_at=datetime(2026, 5, 5, 17, tzinfo=UTC), routine_id=routine.id, kind="self"
    )
    with app.app_context():
        row = db.session.get(Routine, routine.id)
        count, capped = queries.routine_streak(alice.id, row, "Europe/Berlin", date(2026, 5, 6))
    assert (count, capped) == (1, False)  # the week of 27 Apr; the current week isn't judged yet


def test_target_periods_follow_local_days_across_dst(app, alice, make):
    """A Sunday-night session in Berlin just after the spring change still counts for that
    week, though in UTC it is still Sunday afternoon."""
    from tracker.extensions import db
    from tracker.models import Routine
    from tracker.routines import queries

    routine = make.routine(
        alice,
        name="Towel",
        kind="self",
        cadence_kind="times",
        cadence_count=1,
        cadence_unit="weeks",
        anchor_date=date(2026, 3, 1),
    )
    # 29 Mar 2026 is the change (UTC+2 from 03:00); 23:30 local is 21:30 UTC.
    make.session(
        alice,
        occurred_at=datetime(2026, 3, 29, 21, 30, tzinfo=UTC),
        routine_id=routine.id,
        kind="self",
    )
    make.session(
        alice,
        occurred_at=datetime(2026, 3, 29, 22, 30, tzinfo=UTC),  # Mon 00:30
        routine_id=routine.id,
        kind="self",
    )
    with app.app_context():
        row = db.session.get(Routine, routine.id)
        sunday = queries.period_counts(alice.id, [row], "Europe/Berlin", date(2026, 3, 29))
        monday = queries.period_counts(alice.id, [row], "Europe/Berlin", date(2026, 3, 30))
        # In New York the same two sessions are both on Sunday.
        new_york = queries.period_counts(alice.id, [row], "America/New_York", date(2026, 3, 29))
    assert sunday[routine.id] == 1  # the Monday 00:30 one belongs to the next week
    assert monday[routine.id] == 1
    assert new_york[routine.id] == 2
