"""Pure cadence and due-date arithmetic: no database, no Flask, no clock.

Semantics (see docs/routines.md):
- occurrences are computed from the anchor (anchor + k * cadence), never iteratively, so a
  monthly routine anchored on 31 January lands on 28/29 February, 31 March, 30 April;
- the next due date is one cadence after the last session or completed appointment; if the
  routine has never been done since its anchor, the anchor itself is due (and may be overdue);
- due soon means due today or within the next two days.

Two more kinds of cadence set a target per calendar period instead of an interval:
- "times": N sessions per week (Monday to Sunday) or calendar month, like Loop's
  "2 times per week". The period is kept once it holds N sessions; until then the next
  session is due after an even share of the period since the last one, and at the latest on
  the last day that still leaves one day for each session missing.
- "weekdays": on chosen weekdays (Tue and Sat). The next due date is the next chosen weekday
  after the last session; a week is kept when it holds as many sessions as chosen days, so
  Wednesday instead of Tuesday still counts.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from .. import timeutil

UNITS = ("days", "weeks", "months")
KINDS = ("every", "times", "weekdays")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PER_LIMITS = {"weeks": 14, "months": 31}
LIMITS = {"days": 365, "weeks": 52, "months": 12}
DUE_SOON_DAYS = 2


def validate_cadence(count: int, unit: str) -> str | None:
    """An error message for an invalid cadence, or None."""
    if unit not in LIMITS:
        return "Choose days, weeks or months."
    if not isinstance(count, int) or not 1 <= count <= LIMITS[unit]:
        return f"Every 1 to {LIMITS[unit]} {unit}."
    return None


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_cadence(anchor: date, count: int, unit: str, periods: int) -> date:
    """anchor + periods * (every count units), clamped to month ends for months."""
    if unit == "days":
        return anchor + timedelta(days=count * periods)
    if unit == "weeks":
        return anchor + timedelta(weeks=count * periods)
    if unit == "months":
        return _add_months(anchor, count * periods)
    raise ValueError(f"unknown cadence unit {unit!r}")


def first_on_or_after(anchor: date, count: int, unit: str, day: date) -> date:
    """The first occurrence anchor + k * cadence (k >= 0) that falls on or after day."""
    if day <= anchor:
        return anchor
    if unit == "months":
        months = (day.year - anchor.year) * 12 + day.month - anchor.month
        k = max(0, months // count - 1)
    else:
        step = count * (7 if unit == "weeks" else 1)
        k = (day - anchor).days // step
    # The estimate is never past the answer; at most two steps forward reach it.
    while add_cadence(anchor, count, unit, k) < day:
        k += 1
    return add_cadence(anchor, count, unit, k)


def next_due(anchor: date, count: int, unit: str, last_done: date | None, today: date) -> date:
    """The next local due date.

    One cadence after last_done when the routine was done on or after its anchor; otherwise
    the anchor itself (a routine never done since it started is due from its start date).
    A last_done in the future (an appointment marked done early) counts as done today.
    """
    if last_done is None or last_done < anchor:
        return anchor
    return add_cadence(min(last_done, today), count, unit, 1)


@dataclass(frozen=True)
class DueStatus:
    """state: on_track | due_soon | overdue (paused | archived from routine_state).

    days is signed: days until due, so 0 is today and -3 means three days overdue.
    """

    state: str
    days: int
    label: str

    @property
    def when(self) -> str:
        if self.state in ("paused", "archived"):
            return ""
        return relative_days(self.days)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def relative_days(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def due_status(due: date, today: date) -> DueStatus:
    days = (due - today).days
    if days < 0:
        return DueStatus("overdue", days, f"overdue by {_plural(-days, 'day')}")
    if days <= DUE_SOON_DAYS:
        return DueStatus("due_soon", days, "due soon")
    return DueStatus("on_track", days, "on track")


def due_at_utc(due: date, preferred_time: time, zone: str) -> datetime:
    """The due moment in UTC: wall-clock time on the local date, so 19:00 stays 19:00 over DST."""
    return timeutil.local_to_utc(due, preferred_time, zone)


class RoutineLike(Protocol):
    anchor_date: date
    cadence_kind: str
    cadence_count: int
    cadence_unit: str
    cadence_weekdays: list
    paused_at: datetime | None
    archived_at: datetime | None


def validate_target(kind: str, count: int, unit: str, weekdays: list) -> str | None:
    """An error message for an invalid cadence of any kind, or None."""
    if kind == "every":
        return validate_cadence(count, unit)
    if kind == "times":
        if unit not in PER_LIMITS:
            return "Choose per week or per month."
        if not isinstance(count, int) or not 1 <= count <= PER_LIMITS[unit]:
            return f"1 to {PER_LIMITS[unit]} times per {unit[:-1]}."
        return None
    if kind == "weekdays":
        if not weekdays or not all(isinstance(d, int) and 0 <= d <= 6 for d in weekdays):
            return "Choose at least one day of the week."
        return None
    return "Choose how often."


def period_bounds(day: date, unit: str) -> tuple[date, date]:
    """The calendar week (Monday first) or month holding `day`, as [start, end)."""
    if unit == "months":
        start = day.replace(day=1)
        return start, _add_months(start, 1)
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=7)


def target(routine: RoutineLike) -> int:
    """Sessions a period needs to be kept: 1 for "every", N for "times", the chosen days."""
    kind = routine.cadence_kind or "every"
    if kind == "times":
        return max(1, routine.cadence_count)
    if kind == "weekdays":
        return max(1, len(set(routine.cadence_weekdays or [])))
    return 1


def target_unit(routine: RoutineLike) -> str:
    return routine.cadence_unit if routine.cadence_kind == "times" else "weeks"


def _progress(done: int, needed: int, unit: str) -> str:
    return f"{min(done, needed)} of {needed} this {unit[:-1]}"


def times_state(
    count: int, unit: str, last_done: date | None, done: int, today: date
) -> tuple[date, DueStatus]:
    start, end = period_bounds(today, unit)
    progress = _progress(done, count, unit)
    if done >= count:
        return end, DueStatus("on_track", (end - today).days, progress)
    remaining = count - done
    latest = end - timedelta(days=remaining)  # one day left for each session still missing
    if latest < today:
        return today, DueStatus("overdue", (latest - today).days, f"behind: {progress}")
    share = max(1, (end - start).days // count)
    ideal = today if last_done is None else max(today, last_done + timedelta(days=share))
    due = min(ideal, latest)
    days = (due - today).days
    return due, DueStatus("due_soon" if days <= DUE_SOON_DAYS else "on_track", days, progress)


def weekdays_state(
    weekdays: list, anchor: date, last_done: date | None, done: int, today: date
) -> tuple[date, DueStatus]:
    chosen = set(weekdays)
    start = (
        anchor
        if last_done is None or last_done < anchor
        else min(last_done, today) + timedelta(days=1)
    )
    if done >= len(chosen):  # this week is kept: the next is due next week
        start = max(start, period_bounds(today, "weeks")[1])
    due = next(
        start + timedelta(days=i)
        for i in range(7)
        if (start + timedelta(days=i)).weekday() in chosen
    )
    status = due_status(due, today)
    if status.state != "overdue":
        status = DueStatus(status.state, status.days, _progress(done, len(chosen), "weeks"))
    return due, status


def routine_state(
    routine: RoutineLike, last_done: date | None, today: date, done_in_period: int = 0
) -> tuple[date | None, DueStatus]:
    """(next due date, status); archived or paused routines are never due (next due is None).

    `done_in_period` counts the sessions in the current week or month; only target cadences
    ("times", "weekdays") use it.
    """
    if routine.archived_at is not None:
        return None, DueStatus("archived", 0, "archived")
    if routine.paused_at is not None:
        return None, DueStatus("paused", 0, "paused")
    kind = getattr(routine, "cadence_kind", None) or "every"  # older callers' shapes: "every"
    if kind == "times":
        return times_state(
            routine.cadence_count, routine.cadence_unit, last_done, done_in_period, today
        )
    if kind == "weekdays":
        return weekdays_state(
            routine.cadence_weekdays, routine.anchor_date, last_done, done_in_period, today
        )
    due = next_due(
        routine.anchor_date, routine.cadence_count, routine.cadence_unit, last_done, today
    )
    return due, due_status(due, today)


def describe(routine: RoutineLike) -> str:
    """The cadence in words: "every 2 weeks", "2 times a week", "on Tue and Sat"."""
    kind, count, unit = routine.cadence_kind or "every", routine.cadence_count, routine.cadence_unit
    if kind == "times":
        return f"{'once' if count == 1 else f'{count} times'} a {unit[:-1]}"
    if kind == "weekdays":
        names = [WEEKDAYS[d].title() for d in sorted(set(routine.cadence_weekdays or []))]
        return "on " + (
            " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
        )
    return f"every {unit[:-1]}" if count == 1 else f"every {count} {unit}"


def countdown(start: datetime, now: datetime) -> str:
    """Human countdown to an appointment: "in 2 days", "in 3 hours", "in 15 minutes", "now"."""
    seconds = (start - now).total_seconds()
    if seconds <= 0:
        return "now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"in {_plural(max(minutes, 1), 'minute')}"
    hours = minutes // 60
    if hours < 48:
        return f"in {_plural(hours, 'hour')}"
    return f"in {_plural(hours // 24, 'day')}"
