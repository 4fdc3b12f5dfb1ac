"""The reminder schedule: make reminder rows match the plan, inside the caller's transaction.

Rows are keyed on (kind, subject_id, slot). Re-planning updates pending rows in place,
re-arms a delivered row only when its occasion moved (a rescheduled appointment deserves a
fresh reminder), and cancels rows the plan no longer contains. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_
from sqlalchemy.dialects import postgresql, sqlite

from .. import timeutil
from ..extensions import db
from ..models import Appointment, MassageSession, Reminder, Routine, User
from . import planner
from .planner import ReminderSpec

# Appointment and water reminders first planned more than this late are not worth starting:
# the moment has passed. Log prompts, sleep check-ins and routine nudges are still useful
# late, until they go stale.
GRACE = timedelta(minutes=2)
TIMELY = {"appointment", "hydration"}
# Water chains and sleep check-ins look this far back for the massages they follow.
RECENT = timedelta(days=2)

Scope = tuple[str, int, str]  # kind, subject_id, slot prefix


def sync(
    user_id: int, scopes: Iterable[Scope], specs: list[ReminderSpec], now: datetime, reason: str
) -> None:
    """Upsert `specs` and retire pending rows under `scopes` that the plan dropped."""
    rows: list[Reminder] = []
    for kind, subject_id, prefix in scopes:
        query = db.select(Reminder).where(Reminder.kind == kind, Reminder.subject_id == subject_id)
        if prefix:
            query = query.where(Reminder.slot.startswith(prefix, autoescape=True))
        rows += db.session.scalars(query)
    sync_rows(user_id, rows, specs, now, lambda row: reason)


def sync_rows(
    user_id: int,
    rows: Iterable[Reminder],
    specs: list[ReminderSpec],
    now: datetime,
    reason: Callable[[Reminder], str],
) -> None:
    """Upsert `specs` over `rows` (the plan's whole scope); retire the rows it dropped."""
    wanted = {s.key: s for s in specs}
    for row in rows:
        spec = wanted.pop((row.kind, row.subject_id, row.slot), None)
        if spec is None:
            _retire(row, reason(row), now)
        else:
            _apply(row, spec, now)
    for spec in wanted.values():
        if _in_time(spec, now):
            _insert(user_id, spec)


def _in_time(spec: ReminderSpec, now: datetime) -> bool:
    return spec.kind not in TIMELY or spec.due_at >= now - GRACE


def _retire(row: Reminder, reason: str, now: datetime) -> None:
    if row.status == "pending":
        row.status = "expired" if row.stale_at <= now else "cancelled"
        row.last_error = reason


def _apply(row: Reminder, spec: ReminderSpec, now: datetime) -> None:
    row.payload = spec.payload()
    if row.stopped:
        return
    due, stale = spec.due_at, spec.stale_at
    if row.snoozed_until is not None:
        # Keep the user's snooze; the staleness window moves with it.
        stale = max(stale, row.snoozed_until + (spec.stale_at - spec.due_at))
        due = max(due, row.snoozed_until)
    row.stale_at = stale
    if row.status == "pending":
        row.next_attempt_at = max(due, row.next_attempt_at) if row.attempts else due
        row.due_at = due
    elif (row.due_at != due or row.status == "cancelled") and _in_time(spec, now):
        # The occasion moved (or came back): a new delivery, not a duplicate.
        row.due_at = row.next_attempt_at = due
        row.status, row.attempts, row.sent_at, row.last_error = "pending", 0, None, ""
        row.claimed_until, row.claimed_by = None, ""


def _insert(user_id: int, spec: ReminderSpec) -> None:
    """Insert unless a concurrent transaction planned the same key first."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(Reminder)
        .values(
            user_id=user_id,
            kind=spec.kind,
            subject_id=spec.subject_id,
            slot=spec.slot,
            due_at=spec.due_at,
            next_attempt_at=spec.due_at,
            stale_at=spec.stale_at,
            status="pending",
            payload=spec.payload(),
        )
        .on_conflict_do_nothing(index_elements=["kind", "subject_id", "slot"])
    )
    db.session.execute(stmt)


# --- re-planning ----------------------------------------------------------------------------


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def logged_session(appt: Appointment) -> MassageSession | None:
    return db.session.scalar(
        db.select(MassageSession)
        .where(
            MassageSession.appointment_id == appt.id,
            MassageSession.user_id == appt.user_id,
            MassageSession.deleted_at.is_(None),
        )
        .order_by(MassageSession.id)
    )


def session_url(session: MassageSession | None, appt: Appointment | None = None) -> str:
    if session is not None:
        return f"/sessions/{session.client_id}/edit"
    return f"/sessions/new?appointment={appt.id}" if appt else "/sessions/new"


def _plan_appointment(user: User, appt: Appointment, now: datetime) -> None:
    """Lead-time reminders and the log prompt (its water chain is planned per user)."""
    session = logged_session(appt)
    specs = planner.plan_appointment(user, appt, now)
    specs += planner.plan_log_prompt(user, appt, now, logged=session is not None)
    reason = "Appointment cancelled" if appt.status == "cancelled" else "Plan changed"
    if session is not None:
        reason = "Session logged" if appt.status != "cancelled" else reason
    sync(user.id, [("appointment", appt.id, ""), ("log_prompt", appt.id, "")], specs, now, reason)


def replan_appointment(appt: Appointment, now: datetime | None = None) -> None:
    now = now or timeutil.now()
    user = _user(appt.user_id)
    _plan_appointment(user, appt, now)
    replan_water(
        user, now, "Appointment cancelled" if appt.status == "cancelled" else "Plan changed"
    )


def replan_session(session: MassageSession, now: datetime | None = None) -> None:
    """The sleep check-in of its night, the user's water chain, and the log prompt of its
    appointment."""
    now = now or timeutil.now()
    user = _user(session.user_id)
    # A session older than any chain or night still planned for (a CSV import of the past)
    # can only matter by retiring rows it had while recent, so without pending ones it is
    # skipped: importing history does not re-plan row by row.
    old = timeutil.as_utc(session.occurred_at) < now - RECENT - timedelta(days=1)
    if (
        not old
        or db.session.scalar(
            db.select(Reminder.id)
            .where(
                Reminder.user_id == user.id,
                Reminder.status == "pending",
                Reminder.kind.in_(("hydration", "sleep_checkin")),
            )
            .limit(1)
        )
        is not None
    ):
        replan_sleep(user, now)
        reason = "Session deleted" if session.deleted_at is not None else "Plan changed"
        replan_water(user, now, reason)
    if session.appointment_id is not None:
        appt = db.session.get(Appointment, session.appointment_id)
        if appt is not None and appt.user_id == session.user_id:
            _plan_appointment(user, appt, now)


def replan_water(user: User, now: datetime | None = None, reason: str = "Plan changed") -> None:
    """The user's one water chain, restarted by each newer massage (planner.plan_water)."""
    from ..logbook.water import glasses_on

    now = now or timeutil.now()
    since = now - RECENT
    appts = {
        a.id: a
        for a in db.session.scalars(
            db.select(Appointment).where(
                Appointment.user_id == user.id, Appointment.starts_at > since
            )
        )
    }
    sessions = list(
        db.session.scalars(
            db.select(MassageSession)
            .where(
                MassageSession.user_id == user.id,
                MassageSession.deleted_at.is_(None),
                MassageSession.occurred_at > since,
            )
            .order_by(MassageSession.id)
        )
    )
    older = {s.appointment_id for s in sessions} - set(appts) - {None}
    if older:
        appts.update(
            (a.id, a)
            for a in db.session.scalars(
                db.select(Appointment).where(
                    Appointment.user_id == user.id, Appointment.id.in_(older)
                )
            )
        )
    logged: dict[int, MassageSession] = {}
    massages = []
    for s in sessions:
        appt = appts.get(s.appointment_id)
        if appt is not None and appt.status != "cancelled":
            logged.setdefault(appt.id, s)  # a session for an appointment continues its chain
            continue
        ends = s.occurred_at + timedelta(minutes=s.duration_minutes or 0)
        massages.append(planner.Massage("s", s.id, ends, session_url(s)))
    for appt in appts.values():
        if appt.status != "cancelled" and appt.starts_at > since:
            massages.append(
                planner.Massage("a", appt.id, appt.ends_at, session_url(logged.get(appt.id), appt))
            )
    counts: dict[date, int] = {}

    def counted(day: date) -> int:
        if day not in counts:
            counts[day] = glasses_on(user.id, user.timezone, day)
        return counts[day]

    specs = planner.plan_water(user, massages, now, glasses_on=counted)
    chains = {m.key: m for m in massages}
    rows = [
        r
        for r in db.session.scalars(
            db.select(Reminder).where(
                Reminder.user_id == user.id,
                Reminder.kind == "hydration",
                or_(
                    Reminder.status == "pending",
                    Reminder.subject_id.in_([m.subject_id for m in massages]),
                ),
            )
        )
        if r.status == "pending" or (r.slot[:1], r.subject_id) in chains
    ]
    goal = int(user.pref("glasses_goal"))

    def why(row: Reminder) -> str:
        chain = chains.get((row.slot[:1], row.subject_id))
        if not user.pref("hydration"):
            return "Water reminders turned off"
        if chain is None:
            return reason
        if counted(timeutil.to_local(chain.ends_at, user.timezone).date()) >= goal:
            return "Goal reached"
        if any(chain.ends_at < m.ends_at <= row.due_at for m in massages):
            return "Restarted by a newer massage"
        return reason

    sync_rows(user.id, rows, specs, now, why)


def replan_sleep(user: User, now: datetime | None = None) -> None:
    """One check-in per night with a massage, for the nights that can still be asked about."""
    now = now or timeutil.now()
    zone = user.timezone
    first = timeutil.to_local(now, zone).date() - RECENT
    sessions = list(
        db.session.scalars(
            db.select(MassageSession).where(
                MassageSession.user_id == user.id,
                MassageSession.occurred_at >= timeutil.local_to_utc(first, time(0), zone),
            )
        )
    )
    nights: dict[date, list[MassageSession]] = {}
    for s in sessions:
        nights.setdefault(timeutil.to_local(s.occurred_at, zone).date(), []).append(s)
    night_of = {s.id: timeutil.to_local(s.occurred_at, zone).date() for s in sessions}
    slots = [f"night:{n.isoformat()}" for n in nights]
    rows = list(
        db.session.scalars(
            db.select(Reminder).where(
                Reminder.user_id == user.id,
                Reminder.kind == "sleep_checkin",
                or_(
                    Reminder.status == "pending",
                    and_(Reminder.subject_id == user.id, Reminder.slot.in_(slots)),
                    # Before one check-in per night, each session had its own ("morning").
                    and_(Reminder.slot == "morning", Reminder.subject_id.in_(list(night_of))),
                ),
            )
        )
    )
    asked = {
        night_of[r.subject_id]
        for r in rows
        if r.slot == "morning" and r.subject_id in night_of and r.status in ("sent", "failed")
    }
    specs = []
    for night, group in nights.items():
        if night not in asked:
            specs += planner.plan_sleep_checkin(user, user.id, night, group, now)

    def why(row: Reminder) -> str:
        if not user.pref("sleep_checkin"):
            return "Sleep check-ins turned off"
        night = night_of.get(row.subject_id) if row.slot == "morning" else None
        if row.slot.startswith("night:"):
            night = date.fromisoformat(row.slot.removeprefix("night:"))
        if night not in nights:
            return "Plan changed"
        live = [s for s in nights[night] if s.deleted_at is None]
        if not live:
            return "Session deleted"
        if any(s.sleep_quality is not None for s in live):
            return "Sleep logged"
        return "Plan changed"

    sync_rows(user.id, rows, specs, now, why)


def replan_routine(
    routine: Routine, now: datetime | None = None, last_done: dict[int, object] | None = None
) -> None:
    """Routine-due nudge: due soon or overdue and nothing booked for it."""
    from ..routines import cadence, queries

    now = now or timeutil.now()
    user = _user(routine.user_id)
    if last_done is None:
        last_done = queries.last_done_dates(user.id, user.timezone)
    today = timeutil.to_local(now, user.timezone).date()
    done = queries.period_counts(user.id, [routine], user.timezone, today)  # target cadences
    next_due, status = cadence.routine_state(
        routine, last_done.get(routine.id), today, done.get(routine.id, 0)
    )
    booked = db.session.scalar(
        db.select(func.count())
        .select_from(Appointment)
        .where(
            Appointment.routine_id == routine.id,
            Appointment.status == "booked",
            Appointment.starts_at > now,
        )
    )
    specs = []
    if next_due is not None and routine.nudge_enabled:
        specs = planner.plan_routine_due(
            user, routine, next_due, status.state, now, booked=bool(booked)
        )
    if status.state in ("paused", "archived"):
        reason = f"Routine {status.state}"
    elif not routine.nudge_enabled:
        reason = "Nudges turned off for this routine"
    else:
        reason = "Booked" if booked else "No longer due"
    sync(user.id, [("routine_due", routine.id, "")], specs, now, reason)


def replan_user(user: User, now: datetime | None = None) -> None:
    """Everything that depends on preferences or the time zone, for recent and future items."""
    now = now or timeutil.now()
    appts = list(
        db.session.scalars(
            db.select(Appointment).where(
                Appointment.user_id == user.id, Appointment.starts_at > now - RECENT
            )
        )
    )
    for appt in appts:
        _plan_appointment(user, appt, now)
    replan_sleep(user, now)
    replan_water(user, now)
    plan_routines_for(user, now)


def plan_routines_for(user: User, now: datetime | None = None) -> None:
    from ..routines import queries

    now = now or timeutil.now()
    last_done = queries.last_done_dates(user.id, user.timezone)
    routines = list(db.session.scalars(db.select(Routine).where(Routine.user_id == user.id)))
    for routine in routines:
        replan_routine(routine, now, last_done)


PLAN_CHUNK = 500


def plan_all_routines(now: datetime | None = None, chunk: int = PLAN_CHUNK) -> int:
    """The clock's hourly job: every user's routine-due nudges. Returns users planned.

    Users are walked by id, `chunk` at a time, each chunk in its own transaction, so neither
    a transaction nor memory grows with the number of users. A failure rolls back
    one chunk only; the next run plans it again (planning is idempotent).
    """
    now = now or timeutil.now()
    planned, after = 0, 0
    while True:
        ids = list(
            db.session.scalars(
                db.select(User.id).where(User.id > after).order_by(User.id).limit(chunk)
            )
        )
        if not ids:
            return planned
        for user in db.session.scalars(db.select(User).where(User.id.in_(ids))):
            plan_routines_for(user, now)
        db.session.commit()  # the identity map is weak: committed users are freed
        planned += len(ids)
        after = ids[-1]
