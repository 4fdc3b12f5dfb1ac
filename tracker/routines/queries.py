"""Queries scoped to the current user, and the last-done lookup used by due dates."""

from __future__ import annotations

from datetime import date, time

from .. import timeutil
from ..extensions import db
from ..models import Appointment, MassageSession, Routine, Therapist, User
from . import cadence


def therapists(user_id: int) -> list[Therapist]:
    return list(
        db.session.scalars(
            db.select(Therapist).where(Therapist.user_id == user_id).order_by(Therapist.name)
        )
    )


def routines(user_id: int, *, include_archived: bool = False) -> list[Routine]:
    query = db.select(Routine).where(Routine.user_id == user_id)
    if not include_archived:
        query = query.where(Routine.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(Routine.created_at, Routine.id)))


def last_done_dates(user_id: int, zone: str | None = None) -> dict[int, date]:
    """routine id -> local date of the latest non-deleted session or completed appointment.

    A session counts for its own routine, or for its appointment's routine when it has none.
    One round trip of per-routine "latest" lookups: each is an index seek
    (ix_massage_session_user_routine_occurred, ix_appointment_user_routine_starts), so the cost
    follows the number of routines, not the length of the history.
    """
    if zone is None:
        zone = db.session.scalar(db.select(User.timezone).where(User.id == user_id)) or "UTC"
    rows = db.session.execute(_latest_done(user_id).where(Routine.user_id == user_id))
    return _local_dates(rows, lambda rid: zone)


def last_done_many(zones: dict[int, str]) -> dict[int, date]:
    """last_done_dates for many users in one round trip: user id -> zone in, routine id ->
    local date out (the routine planning job loads a chunk of users at once)."""
    query = _latest_done(Routine.user_id).add_columns(Routine.user_id)
    rows = db.session.execute(query.where(Routine.user_id.in_(list(zones))))
    owner: dict[int, int] = {}
    picked = []
    for rid, *candidates, user_id in rows:
        owner[rid] = user_id
        picked.append((rid, *candidates))
    return _local_dates(picked, lambda rid: zones[owner[rid]])


def _latest_done(owner):
    """(routine id, latest own session, latest session via its appointment, latest done
    appointment) per routine; `owner` is a user id, or Routine.user_id for many users."""
    S, A = MassageSession, Appointment
    live = (S.user_id == owner, S.deleted_at.is_(None))
    own = (
        db.select(S.occurred_at)
        .where(*live, S.routine_id == Routine.id)
        .order_by(S.occurred_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    # Nested two levels down, so it names the routine it correlates to.
    routine_appointments = (
        db.select(A.id).where(A.user_id == owner, A.routine_id == Routine.id).correlate(Routine)
    )
    via_appointment = (
        db.select(S.occurred_at)
        .where(*live, S.routine_id.is_(None), S.appointment_id.in_(routine_appointments))
        .order_by(S.occurred_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    done = (
        db.select(A.starts_at)
        .where(A.user_id == owner, A.routine_id == Routine.id, A.status == "done")
        .order_by(A.starts_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return db.select(Routine.id, own, via_appointment, done)


def _local_dates(rows, zone_of) -> dict[int, date]:
    result: dict[int, date] = {}
    for rid, *candidates in rows:
        latest = max((timeutil.as_utc(c) for c in candidates if c is not None), default=None)
        if latest is not None:
            result[rid] = timeutil.to_local(latest, zone_of(rid)).date()
    return result


def period_counts(user_id: int, rows: list[Routine], zone: str, today: date) -> dict[int, int]:
    """routine id -> sessions in its current week or month, for target cadences only.

    One query from the earliest period start; the few rows it returns are bucketed here.
    """
    targets = [r for r in rows if (r.cadence_kind or "every") != "every"]
    if not targets:
        return {}
    bounds = {r.id: cadence.period_bounds(today, cadence.target_unit(r)) for r in targets}
    since = timeutil.local_to_utc(min(b[0] for b in bounds.values()), time(0), zone)
    S, A = MassageSession, Appointment
    routine_of_appointment = (
        db.select(A.routine_id).where(A.id == S.appointment_id).scalar_subquery()
    )
    found = db.session.execute(
        db.select(S.occurred_at, db.func.coalesce(S.routine_id, routine_of_appointment)).where(
            S.user_id == user_id, S.deleted_at.is_(None), S.occurred_at >= since
        )
    )
    counts = dict.fromkeys(bounds, 0)
    for occurred_at, routine_id in found:
        if routine_id in bounds:
            start, end = bounds[routine_id]
            counts[routine_id] += start <= timeutil.to_local(occurred_at, zone).date() < end
    return counts


def period_counts_many(
    rows: list[Routine], zones: dict[int, str], today: dict[int, date]
) -> dict[int, int]:
    """period_counts for many users' routines in one query (zones and today per user id)."""
    targets = [r for r in rows if (r.cadence_kind or "every") != "every"]
    if not targets:
        return {}
    bounds = {
        r.id: cadence.period_bounds(today[r.user_id], cadence.target_unit(r)) for r in targets
    }
    owner = {r.id: r.user_id for r in targets}
    first: dict[int, date] = {}
    for r in targets:
        first[r.user_id] = min(bounds[r.id][0], first.get(r.user_id, bounds[r.id][0]))
    since = {u: timeutil.local_to_utc(day, time(0), zones[u]) for u, day in first.items()}
    S, A = MassageSession, Appointment
    routine_of_appointment = (
        db.select(A.routine_id).where(A.id == S.appointment_id).scalar_subquery()
    )
    found = db.session.execute(
        db.select(
            S.user_id, S.occurred_at, db.func.coalesce(S.routine_id, routine_of_appointment)
        ).where(
            S.user_id.in_(list(since)),
            S.deleted_at.is_(None),
            S.occurred_at >= min(since.values()),
        )
    )
    counts = dict.fromkeys(bounds, 0)
    for user_id, occurred_at, routine_id in found:
        # Each user's own window, as period_counts would have queried it.
        if owner.get(routine_id) == user_id and occurred_at >= since[user_id]:
            start, end = bounds[routine_id]
            local = timeutil.to_local(occurred_at, zones[user_id]).date()
            counts[routine_id] += start <= local < end
    return counts


def due_states(
    user_id: int, rows: list[Routine], zone: str, today: date
) -> dict[int, tuple[date | None, cadence.DueStatus]]:
    """routine id -> (next due date, status), for every kind of cadence."""
    last = last_done_dates(user_id, zone)
    done = period_counts(user_id, rows, zone, today)
    return {r.id: cadence.routine_state(r, last.get(r.id), today, done.get(r.id, 0)) for r in rows}


def logged_appointment_ids(user_id: int, appointment_ids: list[int]) -> set[int]:
    """Which of these appointments already have a (non-deleted) session logged."""
    if not appointment_ids:
        return set()
    return set(
        db.session.scalars(
            db.select(MassageSession.appointment_id).where(
                MassageSession.user_id == user_id,
                MassageSession.deleted_at.is_(None),
                MassageSession.appointment_id.in_(appointment_ids),
            )
        )
    )
