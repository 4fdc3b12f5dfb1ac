"""SQL for the trend views: every query is scoped to one user and bounded by a window or LIMIT."""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, exists, func, or_

from .. import timeutil
from ..extensions import db
from ..labels import inline
from ..models import Appointment, MassageSession, Routine, SleepLog, WaterIntake
from ..models.types import UTCDateTime
from ..routines import cadence as routine_cadence
from . import series
from .insights import Group
from .series import SessionRow

S = MassageSession
_COLUMNS = (
    S.occurred_at,
    S.kind,
    S.pain_before,
    S.pain_after,
    S.mood,
    S.relaxation,
    S.sleep_quality,
    S.therapist_name,
    S.style,
    S.pressure,
    func.coalesce(S.routine_id, Appointment.routine_id),
    S.duration_minutes,
    S.focus_areas,
    S.pain_next_day,
)


def day_start(day: date, zone: str) -> datetime:
    """UTC instant of local midnight (a DST day is 23 or 25 hours long, never skipped)."""
    return timeutil.local_to_utc(day, time(0), zone)


# The dashboard looks back this many cadence periods at most, then shows "26+".
STREAK_WINDOW = 26


def _live(user_id: int):
    return and_(S.user_id == user_id, S.deleted_at.is_(None))


def session_rows(
    user_id: int, zone: str, since: datetime | None = None, until: datetime | None = None
) -> list[SessionRow]:
    """Sessions in [since, until) as plain rows; plain column tuples keep this cheap."""
    query = (
        db.select(*_COLUMNS)
        .select_from(S)
        .outerjoin(Appointment, S.appointment_id == Appointment.id)
        .where(_live(user_id))
        .order_by(S.occurred_at)
    )
    if since is not None:
        query = query.where(S.occurred_at >= since)
    if until is not None:
        query = query.where(S.occurred_at < until)
    tz = ZoneInfo(zone)  # UTCDateTime already hands back aware UTC values
    rows = [(r, r[0].astimezone(tz)) for r in db.session.execute(query)]
    return [
        SessionRow(
            local.date(),
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7] or "",
            r[8] or "",
            r[9] or "",
            r[10],
            r[11],
            tuple(r[12] or ()),
            local.hour,
            r[13],
        )
        for r, local in rows
    ]


def previous_day(user_id: int, zone: str, before: datetime | None) -> date | None:
    """Local date of the last session before `before` (for the days-since-previous insight)."""
    if before is None:
        return None
    at = db.session.scalar(
        db.select(S.occurred_at)
        .where(_live(user_id), S.occurred_at < before)
        .order_by(S.occurred_at.desc())
        .limit(1)
    )
    return None if at is None else series.local_day(timeutil.as_utc(at), zone)


def sleep_logs(user_id: int, first: date | None, last: date) -> list[tuple[date, int]]:
    query = db.select(SleepLog.night, SleepLog.quality).where(
        SleepLog.user_id == user_id, SleepLog.night <= last
    )
    if first is not None:
        query = query.where(SleepLog.night >= first)
    return [(night, quality) for night, quality in db.session.execute(query)]


RELIEF_DIMENSIONS = {
    # topic: (column, extra condition, label for a value)
    "Therapist": (S.therapist_name, S.therapist_name != "", lambda v: v),
    "Style": (S.style, S.style != "", lambda v: inline(v, "style")),
    "Kind": (S.kind, None, lambda v: "self-massage" if v == "self" else f"{v} massage"),
    "Pressure": (S.pressure, S.pressure != "", lambda v: f"{v} pressure"),
}


def relief_groups(user_id: int, topic: str, since: datetime | None) -> list[Group]:
    """Sessions and mean pain relief per therapist/style/kind/pressure, aggregated in SQL."""
    column, condition, label = RELIEF_DIMENSIONS[topic]
    relief = func.avg((S.pain_before - S.pain_after) * 1.0)
    query = (
        db.select(column, func.count(), relief)
        .where(_live(user_id), S.pain_before.is_not(None))  # unrated quick "Done" rows
        .group_by(column)
    )
    if condition is not None:
        query = query.where(condition)
    if since is not None:
        query = query.where(S.occurred_at >= since)
    groups = [Group(label(value), n, float(avg)) for value, n, avg in db.session.execute(query)]
    return sorted(groups, key=lambda g: (-g.n, g.label))


def active_routines(user_id: int) -> list[Routine]:
    return list(
        db.session.scalars(
            db.select(Routine)
            .where(Routine.user_id == user_id, Routine.archived_at.is_(None))
            .order_by(Routine.id)
        )
    )


def row_matches(routine: Routine, row: SessionRow) -> bool:
    return row.routine_id == routine.id


def cadence_of(routine: Routine) -> series.Cadence:
    """Periods to judge: every N units from the anchor, or calendar weeks/months with a target."""
    if (routine.cadence_kind or "every") == "every":
        return series.Cadence(routine.anchor_date, routine.cadence_count, routine.cadence_unit)
    unit = routine_cadence.target_unit(routine)
    start = routine_cadence.period_bounds(routine.anchor_date, unit)[0]
    return series.Cadence(start, 1, unit, target=routine_cadence.target(routine))


@functools.lru_cache(maxsize=16)
def _probes(n: int):
    """SELECT of n EXISTS probes, built once per size: constructing 26 subqueries per request
    would cost more than running them (each probe is an index range seek that stops at the
    first hit, so the cost follows the number of periods, never the size of the history)."""
    user, routine = bindparam("user"), bindparam("routine")
    # A session counts for its own routine, or for its appointment's routine when it has none
    # (the routines capability's due-date rule, so status and streak agree). Two probes, so
    # each seeks ix_massage_session_user_routine_occurred rather than scanning the period.
    appointments = db.select(Appointment.id).where(
        Appointment.user_id == user, Appointment.routine_id == routine
    )
    own = and_(S.user_id == user, S.routine_id == routine, S.deleted_at.is_(None))
    via = and_(
        S.user_id == user,
        S.routine_id.is_(None),
        S.deleted_at.is_(None),
        S.appointment_id.in_(appointments),
    )

    def probe(i: int):
        start, end = bindparam(f"s{i}", type_=UTCDateTime), bindparam(f"e{i}", type_=UTCDateTime)
        return or_(
            *(
                exists().where(match, S.occurred_at >= start, S.occurred_at < end)
                for match in (own, via)
            )
        ).label(f"p{i}")

    return db.select(*[probe(i) for i in range(n)])


def _routine_days(
    user_id: int, routine: Routine, zone: str, start: datetime, end: datetime
) -> list[date]:
    """Local dates of the routine's sessions in [start, end), one per session."""
    appointments = db.select(Appointment.id).where(
        Appointment.user_id == user_id, Appointment.routine_id == routine.id
    )
    found = db.session.scalars(
        db.select(S.occurred_at).where(
            S.user_id == user_id,
            S.deleted_at.is_(None),
            S.occurred_at >= start,
            S.occurred_at < end,
            or_(
                S.routine_id == routine.id,
                and_(S.routine_id.is_(None), S.appointment_id.in_(appointments)),
            ),
        )
    )
    return [series.local_day(timeutil.as_utc(at), zone) for at in found]


def kept_flags(
    user_id: int, routine: Routine, zone: str, plain: list[series.Period], target: int = 1
) -> list[bool]:
    """Whether each period holds `target` sessions for the routine, in one round trip."""
    if not plain:
        return []
    if target > 1:  # counts, not existence: the few rows of the window are counted here
        days = _routine_days(
            user_id, routine, zone, day_start(plain[0].start, zone), day_start(plain[-1].end, zone)
        )
        return [series.kept_by_days(days, target)(p) for p in plain]
    params = {"user": user_id, "routine": routine.id}
    edges = {d: day_start(d, zone) for d in {p.start for p in plain} | {p.end for p in plain}}
    for i, p in enumerate(plain):
        params[f"s{i}"], params[f"e{i}"] = edges[p.start], edges[p.end]
    return [bool(flag) for flag in db.session.execute(_probes(len(plain)), params).one()]


def routine_streak(
    user_id: int, routine: Routine, zone: str, today: date, limit: int = STREAK_WINDOW
) -> tuple[int, bool]:
    """(streak length, capped) where capped means "at least this many" (window exhausted)."""
    cadence = cadence_of(routine)
    plain = series.periods(cadence, cadence.anchor, today, limit=limit)
    flags = iter(kept_flags(user_id, routine, zone, plain, cadence.target))
    pauses = series.pause_ranges(routine.pauses, routine.paused_at, zone, today)
    marked = series.mark(plain, lambda p: next(flags), pauses)
    count, unbroken = series.streak(marked)
    return count, unbroken and bool(plain) and plain[0].start > cadence.anchor


def last_session(user_id: int) -> MassageSession | None:
    """The last rated session (an unrated quick "Done" has no pain change to show)."""
    return db.session.scalar(
        db.select(S)
        .where(_live(user_id), S.pain_before.is_not(None))
        .order_by(S.occurred_at.desc())
        .limit(1)
    )


def water_today(user_id: int, zone: str, today: date) -> int:
    """Glasses today: every "Drank" tap today, plus glasses typed on today's session logs
    beyond the taps already linked to them (the logbook bumps water_glasses per linked tap,
    so adding both would count those twice)."""
    start, end = day_start(today, zone), day_start(today + timedelta(days=1), zone)
    taps = db.session.scalar(
        db.select(func.coalesce(func.sum(WaterIntake.glasses), 0)).where(
            WaterIntake.user_id == user_id,
            WaterIntake.drank_at >= start,
            WaterIntake.drank_at < end,
        )
    )
    linked = (
        db.select(func.count(WaterIntake.id))
        .where(WaterIntake.session_id == S.id)
        .correlate(S)
        .scalar_subquery()
    )
    typed = db.session.execute(
        db.select(S.water_glasses, linked).where(
            _live(user_id), S.occurred_at >= start, S.occurred_at < end
        )
    )
    return int(taps) + sum(max(0, glasses - n) for glasses, n in typed)
