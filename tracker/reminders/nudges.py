"""Routine-due nudges: one routine when it (or what it depends on) changes, and every
user's routines in bulk for the clock's hourly job.

Both paths decide with the same function (`_decide`) and write through the same row rules
(rows.py); they differ only in how they load. `replan_routine` reads one routine at a time
(about six queries); `plan_routines` reads a whole chunk of users in five queries and
inserts the chunk's new nudges in one statement, so the hourly job costs a few queries per
500 users instead of six per routine. tests/reminders/test_bulk_planning.py holds them equal.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_
from sqlalchemy.orm import lazyload

from .. import timeutil
from ..extensions import db
from ..models import Appointment, Reminder, Routine, User
from . import planner
from .planner import ReminderSpec
from .rows import insert_many, settle, sync

PLAN_CHUNK = 500


def _decide(
    user: User, routine: Routine, last_done: date | None, today: date, done: int, booked: bool,
    now: datetime,
) -> tuple[list[ReminderSpec], str]:  # fmt: skip
    """The routine's nudge specs, and why its other pending nudges are retired."""
    from ..routines import cadence

    next_due, status = cadence.routine_state(routine, last_done, today, done)
    specs = []
    if next_due is not None and routine.nudge_enabled:
        specs = planner.plan_routine_due(user, routine, next_due, status.state, now, booked=booked)
    if status.state in ("paused", "archived"):
        reason = f"Routine {status.state}"
    elif not routine.nudge_enabled:
        reason = "Nudges turned off for this routine"
    else:
        reason = "Booked" if booked else "No longer due"
    return specs, reason


def replan_routine(
    routine: Routine, now: datetime | None = None, last_done: dict[int, object] | None = None
) -> None:
    """Routine-due nudge: due soon or overdue and nothing booked for it."""
    from ..routines import queries

    now = now or timeutil.now()
    user = db.session.get(User, routine.user_id)
    if last_done is None:
        last_done = queries.last_done_dates(user.id, user.timezone)
    today = timeutil.to_local(now, user.timezone).date()
    done = queries.period_counts(user.id, [routine], user.timezone, today)  # target cadences
    booked = db.session.scalar(
        db.select(func.count())
        .select_from(Appointment)
        .where(
            Appointment.user_id == routine.user_id,
            Appointment.routine_id == routine.id,
            Appointment.status == "booked",
            Appointment.starts_at > now,
        )
    )
    specs, reason = _decide(
        user, routine, last_done.get(routine.id), today, done.get(routine.id, 0), bool(booked), now
    )
    sync(user.id, [("routine_due", routine.id, "")], specs, now, reason)


def plan_routines(users: list[User], now: datetime) -> None:
    """Every routine's nudge for these users, exactly as `replan_routine` plans each one.

    Loads the routines, their last-done dates, this period's counts, which are booked and
    their nudge rows in one query each; never commits.
    """
    from ..routines import queries

    by_id = {u.id: u for u in users}
    routines = list(
        db.session.scalars(
            db.select(Routine)
            .where(Routine.user_id.in_(list(by_id)))
            .options(lazyload(Routine.therapist))  # planning never reads it: skip the join
            .order_by(Routine.user_id, Routine.id)
        )
    )
    if not routines:
        return
    zones = {u.id: u.timezone for u in users}
    today = {u.id: timeutil.to_local(now, u.timezone).date() for u in users}
    last_done = queries.last_done_many(zones)
    done = queries.period_counts_many(routines, zones, today)
    routine_ids = [r.id for r in routines]
    booked = set(
        db.session.scalars(
            db.select(Appointment.routine_id)
            .where(
                Appointment.user_id.in_(list(by_id)),
                Appointment.routine_id.in_(routine_ids),
                Appointment.status == "booked",
                Appointment.starts_at > now,
            )
            .distinct()
        )
    )
    plans = []
    for routine in routines:
        plans.append(
            _decide(
                by_id[routine.user_id],
                routine,
                last_done.get(routine.id),
                today[routine.user_id],
                done.get(routine.id, 0),
                routine.id in booked,
                now,
            )
        )
    # The rows a plan can change: its pending nudges and rows already holding a planned key.
    # Older delivered or retired cycles are left alone either way, so they are not loaded.
    keys = {spec.key for specs, _ in plans for spec in specs}
    rows: dict[int, list[Reminder]] = {}
    for row in db.session.scalars(
        db.select(Reminder).where(
            Reminder.user_id.in_(list(by_id)),
            Reminder.kind == "routine_due",
            Reminder.subject_id.in_(routine_ids),
            or_(Reminder.status == "pending", Reminder.slot.in_(sorted({k[2] for k in keys}))),
        )
    ):
        if row.status == "pending" or (row.kind, row.subject_id, row.slot) in keys:
            rows.setdefault(row.subject_id, []).append(row)
    new = []
    for routine, (specs, reason) in zip(routines, plans, strict=True):
        fresh = settle(rows.get(routine.id, []), specs, now, lambda row, why=reason: why)
        new += [(routine.user_id, spec) for spec in fresh]
    insert_many(new)


def plan_routines_for(user: User, now: datetime | None = None) -> None:
    plan_routines([user], now or timeutil.now())


def plan_all_routines(now: datetime | None = None, chunk: int = PLAN_CHUNK) -> int:
    """The clock's hourly job: every user's routine-due nudges. Returns users planned.

    Users are walked by id, `chunk` at a time, each chunk in its own transaction, so neither
    a transaction nor memory grows with the number of users. A failure rolls back
    one chunk only; the next run plans it again (planning is idempotent).
    """
    now = now or timeutil.now()
    planned, after = 0, 0
    while True:
        users = list(
            db.session.scalars(
                db.select(User).where(User.id > after).order_by(User.id).limit(chunk)
            )
        )
        if not users:
            return planned
        after = users[-1].id  # read before the commit expires it
        plan_routines(users, now)
        db.session.commit()  # the identity map is weak: committed users are freed
        planned += len(users)
