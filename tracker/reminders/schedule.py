"""The reminder schedule: re-plan what a change affects, inside the caller's transaction.

Each replan_* loads what the pure planner needs and makes the rows match its plan through
rows.py (upsert on (kind, subject_id, slot), retire what the plan dropped). Routine nudges
live in nudges.py and are re-exported here for the receivers and the clock. Nothing here
commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_

from .. import timeutil
from ..extensions import db
from ..models import Appointment, MassageSession, Reminder, User
from . import planner
from .nudges import PLAN_CHUNK, plan_all_routines, plan_routines_for, replan_routine
from .rows import sync, sync_rows

__all__ = [
    "PLAN_CHUNK",
    "RECENT",
    "logged_session",
    "plan_all_routines",
    "plan_routines_for",
    "replan_appointment",
    "replan_routine",
    "replan_session",
    "replan_sleep",
    "replan_user",
    "replan_water",
    "session_url",
]

# Water chains and sleep check-ins look this far back for the massages they follow.
RECENT = timedelta(days=2)


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
                Reminder.kind.in_(("hydration", "sleep_checkin", "next_day")),
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
    """The morning check-ins (sleep and next-day back pain), one per night: checkins.py."""
    from .checkins import replan_morning  # it builds on RECENT and rows.sync_rows

    replan_morning(user, now)


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
