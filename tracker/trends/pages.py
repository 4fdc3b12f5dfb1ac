"""Page assembly: fetch bounded data for one user, then compute with the pure series functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .. import timeutil
from ..labels import BODY_OUTLINE
from ..models import Routine, User
from ..routines import cadence as routine_cadence
from . import bodymap, evidence, queries, series
from . import insights as ins

RANGES = {
    "4w": ("4 weeks", 28),
    "12w": ("12 weeks", 84),
    "1y": ("1 year", 365),
    "all": ("All", None),
}
DEFAULT_RANGE = "12w"
METRICS = (("mood", "Mood"), ("relaxation", "Relaxation"), ("sleep_quality", "Sleep quality"))


def cadence_text(routine: Routine) -> str:
    return routine_cadence.describe(routine)


@dataclass(frozen=True)
class RoutineStreak:
    routine: Routine
    cadence: str
    streak: int
    capped: bool
    paused: bool


def dashboard(user: User) -> dict:
    """Everything the home page shows beyond the routines partial; a handful of indexed queries."""
    zone = user.timezone
    today = timeutil.today_in(zone)
    streaks = []
    for routine in queries.active_routines(user.id):
        count, capped = queries.routine_streak(user.id, routine, zone, today)
        streaks.append(
            RoutineStreak(
                routine, cadence_text(routine), count, capped, routine.paused_at is not None
            )
        )
    return {
        "streaks": streaks,
        "last": queries.last_session(user.id),
        "water": queries.water_today(user.id, zone, today),
        "water_goal": int(user.pref("glasses_goal") or 0),
        "today": today,
    }


@dataclass(frozen=True)
class RoutineAdherence:
    routine: Routine
    cadence: str
    months: list[series.MonthAdherence]


def _adherence(
    user: User, routine: Routine, rows: list[series.SessionRow], first: date, today: date
) -> RoutineAdherence:
    cadence = queries.cadence_of(routine)
    mine = [r.day for r in rows if queries.row_matches(routine, r)]
    plain = series.periods(cadence, max(first, cadence.anchor), today)
    pauses = series.pause_ranges(routine.pauses, routine.paused_at, user.timezone, today)
    marked = series.mark(plain, series.kept_by_days(mine, cadence.target), pauses)
    return RoutineAdherence(routine, cadence_text(routine), series.adherence_by_month(marked))


def trends(user: User, range_key: str) -> dict:
    """Charts, tables and insights for one range; rows are fetched once for the larger of the
    range and the 26-week heatmap."""
    zone = user.timezone
    today = timeutil.today_in(zone)
    days = RANGES[range_key][1]
    first = None if days is None else today - timedelta(days=days - 1)
    heat_first = series.heatmap_start(today)
    fetch_from = heat_first if first is None else min(first, heat_first)
    since = None if first is None else queries.day_start(first, zone)
    rows = queries.session_rows(
        user.id, zone, None if days is None else queries.day_start(fetch_from, zone)
    )
    in_range = [r for r in rows if first is None or r.day >= first]
    bucket = series.choose_bucket(len(in_range), in_range[0].day if in_range else None, today)
    start = first or (in_range[0].day if in_range else today)
    logs = queries.sleep_logs(user.id, first, today)
    previous = queries.previous_day(user.id, zone, since)
    findings = evidence.examine_all(ins.questions(in_range, logs, previous))
    heat = series.heatmap([r for r in rows if r.day >= heat_first], today)
    return {
        "range_key": range_key,
        "ranges": RANGES,
        "today": today,
        "count": len(in_range),
        "bucket": bucket,
        "pain": series.pain_points(in_range, bucket),
        "relief": series.average_relief(in_range),
        "metrics": [
            (field, label, series.metric_series(in_range, field, bucket))
            for field, label in METRICS
        ],
        "heatmap": heat,
        "heat_days": [cell for week in heat for cell in week if cell.kind != "none"],
        "adherence": [
            _adherence(user, r, in_range, start, today) for r in queries.active_routines(user.id)
        ],
        "insights": findings,
        "body": bodymap.region_relief(in_range),
        "body_outline": BODY_OUTLINE,
        "min_group": evidence.MIN_GROUP,
        "covered": (in_range[0].day, in_range[-1].day) if in_range else None,
    }
