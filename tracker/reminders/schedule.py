"""The reminder schedule: make reminder rows match the plan, inside the caller's transaction.

Rows are keyed on (kind, subject_id, slot). Re-planning updates pending rows in place,
re-arms a delivered row only when its occasion moved (a rescheduled appointment deserves a
fresh reminder), and cancels rows the plan no longer contains. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite

from .. import timeutil
from ..extensions import db
from ..models import Appointment, MassageSession, Reminder, Routine, User, WaterIntake
from . import planner
from .planner import ReminderSpec

# Appointment and water reminders first planned more than this late are not worth starting:
# the moment has passed. Log prompts, sleep check-ins and routine nudges are still useful
# late, until they go stale.
GRACE = timedelta(minutes=2)
TIMELY = {"appointment", "hydration"}
# Hydration chain for appointments: look this far back and forward for related rows.
RECENT = timedelta(days=2)

Scope = tuple[str, int, str]  # kind, subject_id, slot prefix


def sync(user_id: int, scopes: Iterable[Scope], specs: list[ReminderSpec], now: datetime,
         reason: str) -> None:
    """Upsert `specs` and retire pending rows under `scopes` that the plan dropped."""
    wanted = {s.key: s for s in specs}
    for kind, subject_id, prefix in scopes:
        query = db.select(Reminder).where(Reminder.kind == kind, Reminder.subject_id == subject_id)
        if prefix:
            query = query.where(Reminder.slot.startswith(prefix, autoescape=True))
        for row in db.session.scalars(query):
            spec = wanted.pop((row.kind, row.subject_id, row.slot), None)
            if spec is None:
                _retire(row, reason, now)
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
    stmt = insert(Reminder).values(
        user_id=user_id, kind=spec.kind, subject_id=spec.subject_id, slot=spec.slot,
        due_at=spec.due_at, next_attempt_at=spec.due_at, stale_at=spec.stale_at,
        status="pending", payload=spec.payload(),
    ).on_conflict_do_nothing(index_elements=["kind", "subject_id", "slot"])
    db.session.execute(stmt)


# --- re-planning per subject ---------------------------------------------------------------


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def logged_session(appt: Appointment) -> MassageSession | None:
    return db.session.scalar(
        db.select(MassageSession).where(
            MassageSession.appointment_id == appt.id,
            MassageSession.user_id == appt.user_id,
            MassageSession.deleted_at.is_(None),
        ).order_by(MassageSession.id)
    )


def glasses_since(user_id: int, anchor: datetime, session: MassageSession | None) -> int:
    """Glasses counted for one massage: the session's tally, or taps in the day after it."""
    tapped = db.session.scalar(
        db.select(func.coalesce(func.sum(WaterIntake.glasses), 0)).where(
            WaterIntake.user_id == user_id,
            WaterIntake.drank_at >= anchor - timedelta(hours=1),
            WaterIntake.drank_at < anchor + timedelta(hours=24),
        )
    )
    return max(int(tapped or 0), session.water_glasses if session else 0)


def session_url(session: MassageSession | None, appt: Appointment | None = None) -> str:
    if session is not None:
        return f"/sessions/{session.client_id}/edit"
    return f"/sessions/new?appointment={appt.id}" if appt else "/sessions/new"


def replan_appointment(appt: Appointment, now: datetime | None = None) -> None:
    """Lead-time reminders, the log prompt and the appointment's hydration chain."""
    now = now or timeutil.now()
    user = _user(appt.user_id)
    session = logged_session(appt)
    specs = planner.plan_appointment(user, appt, now)
    specs += planner.plan_log_prompt(user, appt, now, logged=session is not None)
    if appt.status != "cancelled":
        specs += planner.plan_hydration(
            user, appt.id, "a", appt.ends_at, now,
            glasses=glasses_since(user.id, appt.ends_at, session),
            url=session_url(session, appt),
        )
    reason = "Appointment cancelled" if appt.status == "cancelled" else "Plan changed"
    if session is not None:
        reason = "Session logged" if appt.status != "cancelled" else reason
    scopes = [("appointment", appt.id, ""), ("log_prompt", appt.id, ""), ("hydration", appt.id, "a")]
    sync(user.id, scopes, specs, now, reason)


def _chain_on_appointment(session: MassageSession) -> Appointment | None:
    if session.appointment_id is None:
        return None
    appt = db.session.get(Appointment, session.appointment_id)
    if appt is None or appt.user_id != session.user_id or appt.status == "cancelled":
        return None
    return appt


def replan_session(session: MassageSession, now: datetime | None = None) -> None:
    """Sleep check-in, plus hydration (on the appointment's chain when there is one)."""
    now = now or timeutil.now()
    user = _user(session.user_id)
    appt = _chain_on_appointment(session)
    live = session.deleted_at is None
    specs = planner.plan_sleep_checkin(user, session, now) if live else []
    if live and appt is None:
        anchor = session.occurred_at + timedelta(minutes=session.duration_minutes or 0)
        specs += planner.plan_hydration(
            user, session.id, "s", anchor, now,
            glasses=glasses_since(user.id, anchor, session), url=session_url(session),
        )
    reason = "Session deleted" if not live else "Plan changed"
    sync(user.id, [("sleep_checkin", session.id, ""), ("hydration", session.id, "s")],
         specs, now, reason)
    if appt is not None:
        replan_appointment(appt, now)
    if session.appointment_id is not None and appt is None:
        other = db.session.get(Appointment, session.appointment_id)
        if other is not None and other.user_id == session.user_id:
            replan_appointment(other, now)


def replan_routine(routine: Routine, now: datetime | None = None,
                   last_done: dict[int, object] | None = None) -> None:
    """Routine-due nudge: due soon or overdue and nothing booked for it."""
    from ..routines import cadence, queries

    now = now or timeutil.now()
    user = _user(routine.user_id)
    if last_done is None:
        last_done = queries.last_done_dates(user.id, user.timezone)
    today = timeutil.to_local(now, user.timezone).date()
    next_due, status = cadence.routine_state(routine, last_done.get(routine.id), today)
    booked = db.session.scalar(
        db.select(func.count()).select_from(Appointment).where(
            Appointment.routine_id == routine.id, Appointment.status == "booked",
            Appointment.starts_at > now,
        )
    )
    specs = []
    if next_due is not None:
        specs = planner.plan_routine_due(user, routine, next_due, status.state, now,
                                         booked=bool(booked))
    sync(user.id, [("routine_due", routine.id, "")], specs, now,
         "Booked" if booked else "No longer due")


def replan_user(user: User, now: datetime | None = None) -> None:
    """Everything that depends on preferences or the time zone, for recent and future items."""
    now = now or timeutil.now()
    appts = list(db.session.scalars(
        db.select(Appointment).where(Appointment.user_id == user.id,
                                     Appointment.starts_at > now - RECENT)
    ))
    for appt in appts:
        replan_appointment(appt, now)
    sessions = list(db.session.scalars(
        db.select(MassageSession).where(MassageSession.user_id == user.id,
                                        MassageSession.occurred_at > now - RECENT)
    ))
    for session in sessions:
        replan_session(session, now)
    plan_routines_for(user, now)


def plan_routines_for(user: User, now: datetime | None = None) -> None:
    from ..routines import queries

    now = now or timeutil.now()
    last_done = queries.last_done_dates(user.id, user.timezone)
    routines = list(db.session.scalars(db.select(Routine).where(Routine.user_id == user.id)))
    for routine in routines:
        replan_routine(routine, now, last_done)


def plan_all_routines(now: datetime | None = None) -> int:
    """The clock's daily job: every user's routine-due nudges. Returns users planned."""
    users = list(db.session.scalars(db.select(User)))
    for user in users:
        plan_routines_for(user, now)
    return len(users)
