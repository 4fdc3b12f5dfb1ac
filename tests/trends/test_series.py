"""Pure trend computations on hand-made rows with known answers."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.trends import insights, series
from tracker.trends.insights import Group
from tracker.trends.series import Cadence, Period, SessionRow


def row(
    day: date, before: int = 6, after: int = 3, kind: str = "professional", **extra
) -> SessionRow:
    return SessionRow(day=day, kind=kind, pain_before=before, pain_after=after, **extra)


# --- local dates across DST -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        # Berlin spring forward (31 Mar 2024): 00:30 and 23:30 local are both that day.
        (datetime(2024, 3, 30, 23, 30, tzinfo=UTC), date(2024, 3, 31)),
        (datetime(2024, 3, 31, 21, 30, tzinfo=UTC), date(2024, 3, 31)),
        (datetime(2024, 3, 31, 22, 30, tzinfo=UTC), date(2024, 4, 1)),
        # Autumn back (27 Oct 2024): the 25-hour day keeps both its first and last half hour.
        (datetime(2024, 10, 26, 22, 30, tzinfo=UTC), date(2024, 10, 27)),
        (datetime(2024, 10, 27, 22, 30, tzinfo=UTC), date(2024, 10, 27)),
        (datetime(2024, 10, 27, 23, 30, tzinfo=UTC), date(2024, 10, 28)),
    ],
)
def test_it_groups_by_local_date_on_dst_days(utc, local):
    assert series.local_day(utc, "Europe/Berlin") == local


def test_it_counts_each_session_once_on_dst_days_in_the_heatmap():
    times = [
        datetime(2024, 10, 26, 22, 30, tzinfo=UTC),
        datetime(2024, 10, 27, 22, 30, tzinfo=UTC),
        datetime(2024, 3, 30, 23, 30, tzinfo=UTC),
        datetime(2024, 3, 31, 21, 30, tzinfo=UTC),
    ]
    rows = [row(series.local_day(t, "Europe/Berlin")) for t in times]
    cells = {c.day: c for week in series.heatmap(rows, date(2024, 10, 31)) for c in week}
    assert cells[date(2024, 10, 27)].professional == 2
    assert sum(c.professional for c in cells.values()) == 2  # March is outside the 26 weeks
    cells = {c.day: c for week in series.heatmap(rows, date(2024, 4, 2)) for c in week}
    assert cells[date(2024, 3, 31)].professional == 2
    assert date(2024, 3, 30) not in cells or cells[date(2024, 3, 30)].professional == 0


# --- pain, relief, rolling averages ----------------------------------------------------------


def test_it_pairs_pain_points_and_averages_relief():
    rows = [row(date(2025, 1, 6), 8, 4), row(date(2025, 1, 2), 6, 5), row(date(2025, 1, 8), 5, 5)]
    points = series.pain_points(rows)
    assert [(p.day.day, p.before, p.after) for p in points] == [(2, 6, 5), (6, 8, 4), (8, 5, 5)]
    assert series.average_relief(rows) == pytest.approx((1 + 4 + 0) / 3)
    assert series.average_relief([]) is None


def test_it_averages_pain_per_week_for_long_ranges():
    rows = [row(date(2025, 1, 6), 8, 4), row(date(2025, 1, 12), 6, 2), row(date(2025, 1, 13), 2, 1)]
    points = series.pain_points(rows, "week")
    assert [(p.day, p.before, p.after, p.n) for p in points] == [
        (date(2025, 1, 6), 7, 3, 2),
        (date(2025, 1, 13), 2, 1, 1),
    ]
    assert points[0].label == "Week of 6 Jan 2025"


@pytest.mark.parametrize(
    ("values", "window", "expected"),
    [
        ([1, 2, 3, 4, 5], 3, [1, 1.5, 2, 3, 4]),
        ([4, None, 2], 2, [4, 4, 2]),
        ([None, None], 5, [None, None]),
        ([], 5, []),
        ([5, 1], 1, [5, 1]),
    ],
)
def test_it_computes_trailing_rolling_averages(values, window, expected):
    assert series.rolling_average(values, window) == expected


def test_it_builds_metric_series_from_rated_sessions_only():
    rows = [row(date(2025, 1, d), mood=m) for d, m in ((1, 2), (2, None), (3, 4), (4, 3))]
    points = series.metric_series(rows, "mood", window=2)
    assert [(p.value, p.rolling) for p in points] == [(2, 2), (4, 3), (3, 3.5)]


def test_it_switches_to_weekly_buckets_for_many_sessions():
    assert series.choose_bucket(60, date(2025, 1, 1), date(2025, 3, 1)) == "session"
    assert series.choose_bucket(61, date(2025, 1, 1), date(2025, 3, 1)) == "week"
    assert series.choose_bucket(500, date(2020, 1, 1), date(2025, 3, 1)) == "month"


# --- heatmap -----------------------------------------------------------------------------------


def test_it_lays_out_26_weeks_ending_today_and_tells_kinds_apart():
    today = date(2025, 6, 11)  # a Wednesday
    rows = [
        row(today, kind="self"),
        row(today, kind="professional"),
        row(date(2025, 6, 9), kind="self"),
        row(date(2025, 6, 2)),
    ]
    columns = series.heatmap(rows, today)
    assert len(columns) == 26
    assert columns[0][0].day == date(2024, 12, 16) and columns[0][0].day.weekday() == 0
    assert columns[-1][-1].day == today and len(columns[-1]) == 3
    kinds = {c.day: c.kind for week in columns for c in week}
    assert kinds[today] == "both"
    assert kinds[date(2025, 6, 9)] == "self"
    assert kinds[date(2025, 6, 2)] == "professional"
    assert kinds[date(2025, 6, 3)] == "none"


# --- cadence, streaks, adherence ---------------------------------------------------------------


def test_it_keeps_month_ends_from_drifting():
    monthly = Cadence(date(2024, 1, 31), 1, "months")
    assert [monthly.start(k) for k in range(4)] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    assert monthly.index_at(date(2024, 3, 30)) == 1
    assert monthly.index_at(date(2024, 3, 31)) == 2
    assert monthly.index_at(date(2024, 1, 30)) == -1


def marked(cadence, first, today, session_days, pauses=()):
    return series.mark(
        series.periods(cadence, first, today), series.kept_by_days(session_days), list(pauses)
    )


def test_it_counts_a_streak_across_a_pause():
    fortnightly = Cadence(date(2025, 1, 6), 2, "weeks")
    # Periods start 6 Jan, 20 Jan, 3 Feb, 17 Feb, 3 Mar, 17 Mar (current on 20 Mar).
    days = [date(2025, 1, 8), date(2025, 1, 21), date(2025, 3, 4)]
    pause = (date(2025, 2, 3), date(2025, 2, 25))  # covers the 3 Feb and 17 Feb periods
    periods = marked(fortnightly, fortnightly.anchor, date(2025, 3, 20), days, [pause])
    assert [(p.kept, p.paused, p.current) for p in periods] == [
        (True, False, False),
        (True, False, False),
        (False, True, False),
        (False, True, False),
        (True, False, False),
        (False, False, True),
    ]
    assert series.streak(periods) == (3, True)
    # Without the pause the empty February periods break it.
    assert series.streak(marked(fortnightly, fortnightly.anchor, date(2025, 3, 20), days)) == (
        1,
        False,
    )


def test_it_breaks_a_streak_on_a_missed_period_but_not_on_the_running_one():
    weekly = Cadence(date(2025, 3, 3), 1, "weeks")
    days = [date(2025, 3, 4), date(2025, 3, 18), date(2025, 3, 25)]
    assert series.streak(marked(weekly, weekly.anchor, date(2025, 4, 2), days)) == (2, False)
    assert series.streak(marked(weekly, weekly.anchor, date(2025, 3, 2), days)) == (0, True)


def test_it_counts_adherence_across_months_of_different_lengths():
    weekly = Cadence(date(2024, 1, 1), 1, "weeks")  # Mondays
    days = [date(2024, 2, 6), date(2024, 2, 14), date(2024, 4, 2), date(2024, 4, 30)]
    months = series.adherence_by_month(marked(weekly, date(2024, 2, 1), date(2024, 5, 5), days))
    assert [(m.label, m.kept, m.due) for m in months] == [
        ("Feb 2024", 2, 4),
        ("Mar 2024", 0, 4),
        ("Apr 2024", 2, 5),
    ]
    assert months[0].percent == 50
    monthly = Cadence(date(2024, 1, 31), 1, "months")
    months = series.adherence_by_month(
        marked(monthly, monthly.anchor, date(2024, 4, 10), [date(2024, 3, 1), date(2024, 3, 31)])
    )
    # One period starts in each month, February's on the 29th; 30 Apr's hasn't started yet.
    assert [(m.label, m.kept, m.due) for m in months] == [
        ("Jan 2024", 0, 1),
        ("Feb 2024", 1, 1),
        ("Mar 2024", 1, 1),
    ]


def test_it_excuses_paused_and_running_periods_from_adherence():
    weekly = Cadence(date(2024, 1, 1), 1, "weeks")
    months = series.adherence_by_month(
        marked(
            weekly,
            weekly.anchor,
            date(2024, 1, 17),
            [date(2024, 1, 16)],
            [(date(2024, 1, 1), date(2024, 1, 7))],
        )
    )
    # 1 Jan paused (excused), 8 Jan missed, 15 Jan running but already kept.
    assert [(m.kept, m.due) for m in months] == [(1, 2)]


def test_it_reads_pause_intervals_in_the_users_zone():
    ranges = series.pause_ranges(
        [
            ["2025-02-01T23:30:00+00:00", "2025-02-10T08:00:00Z"],
            ["2025-03-01", "2025-03-02"],
            ["bad"],
        ],
        datetime(2025, 4, 1, 22, 30, tzinfo=UTC),
        "Europe/Berlin",
        date(2025, 4, 5),
    )
    assert ranges == [
        (date(2025, 2, 2), date(2025, 2, 10)),
        (date(2025, 3, 1), date(2025, 3, 2)),
        (date(2025, 4, 2), date(2025, 4, 5)),
    ]


def test_periods_can_be_limited_to_the_most_recent():
    daily = Cadence(date(2020, 1, 1), 1, "days")
    recent = series.periods(daily, daily.anchor, date(2025, 1, 1), limit=3)
    assert [p.start for p in recent] == [date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 1)]
    assert recent[-1].current and not recent[0].current
    assert series.periods(daily, daily.anchor, date(2019, 1, 1)) == []
    assert Period(date(2025, 1, 1), date(2025, 1, 2), paused=True).counts is False


# --- insights ------------------------------------------------------------------------------------


def test_it_builds_groups_with_sizes_and_means():
    groups = insights.groups_from([("a", 1), ("b", 4), ("a", 3)])
    assert groups == [Group("a", 2, 2.0), Group("b", 1, 4.0)]


def test_it_compares_sleep_after_massage_with_other_nights():
    start = date(2025, 1, 1)
    rows = [row(start + timedelta(days=2 * i), sleep_quality=4) for i in range(5)]
    rows.append(row(start + timedelta(days=20)))  # no rating: uses that night's check-in
    logs = [(start + timedelta(days=2 * i + 1), 2) for i in range(5)] + [
        (start + timedelta(days=20), 5)
    ]
    values = insights.sleep_nights(rows, logs)
    assert set(insights.groups_from(values)) == {
        Group("nights after a massage", 6, 25 / 6),
        Group("other logged nights", 5, 2.0),
    }


def test_it_buckets_pain_by_days_since_the_previous_massage():
    days = [0, 7, 14, 21, 28, 35, 65, 95, 125, 155, 185]
    rows = [row(date(2025, 1, 1) + timedelta(days=d), before=3 if d <= 35 else 7) for d in days]
    values = insights.gap_values(rows, previous=date(2024, 12, 25))
    assert values[0] == ("up to 1 week", 3.0)
    assert insights.groups_from(values) == [
        Group("up to 1 week", 6, 3.0),
        Group("over 4 weeks", 5, 7.0),
    ]


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (1, "up to 1 week"),
        (7, "up to 1 week"),
        (8, "8 to 14 days"),
        (14, "8 to 14 days"),
        (15, "15 to 28 days"),
        (28, "15 to 28 days"),
        (29, "over 4 weeks"),
    ],
)
def test_gap_labels(days, label):
    assert insights.gap_label(days) == label


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        ("", []),
        ("private thought", []),
        ("#therapist left shoulder still tight\nprivate", ["left shoulder still tight"]),
        ("Ask about the hip #Therapist", ["Ask about the hip"]),
        ("#therapistic is not a tag", []),
    ],
)
def test_it_picks_note_lines_tagged_for_the_therapist(notes, expected):
    assert series.therapist_notes(notes) == expected
