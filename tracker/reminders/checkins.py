"""Morning check-in rows (sleep and next-day back pain): plan, re-plan, and answer them.

`replan_morning` makes the rows match morning.plan_checkin for every night that can still be
asked about, inside the caller's transaction (schedule.replan_sleep calls it). Nothing here
commits.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError

from .. import timeutil
from ..extensions import db
from ..models import MassageSession, Reminder, UsedActionToken, User
from . import morning
from .rows import sync_rows
from .schedule import RECENT

KINDS = ("sleep_checkin", "next_day")


def night_of(reminder: Reminder) -> date | None:
    if not reminder.slot.startswith("night:"):
        return None
    try:
        return date.fromisoformat(reminder.slot.removeprefix("night:"))
    except ValueError:
        return None


def replan_morning(user: User, now: datetime | None = None) -> None:
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
    session_night = {s.id: timeutil.to_local(s.occurred_at, zone).date() for s in sessions}
    slots = [f"night:{n.isoformat()}" for n in nights]
    rows = list(
        db.session.scalars(
            db.select(Reminder).where(
                Reminder.user_id == user.id,
                Reminder.kind.in_(KINDS),
                or_(
                    Reminder.status == "pending",
                    and_(Reminder.subject_id == user.id, Reminder.slot.in_(slots)),
                    # Before one check-in per night, each session had its own ("morning").
                    and_(Reminder.slot == "morning", Reminder.subject_id.in_(list(session_night))),
                ),
            )
        )
    )

    def row_night(row: Reminder) -> date | None:
        return session_night.get(row.subject_id) if row.slot == "morning" else night_of(row)

    # A morning already delivered is not asked again in another shape: answering the sleep
    # half of a merged check-in must not send the back-pain half as a second notification.
    asked = {row_night(r) for r in rows if r.status in ("sent", "failed")}
    specs = []
    for night, group in nights.items():
        if night not in asked:
            specs += morning.plan_checkin(user, user.id, night, group, now)

    def why(row: Reminder) -> str:
        if row.kind == "sleep_checkin" and not user.pref("sleep_checkin"):
            return "Sleep check-ins turned off"
        if row.kind == "next_day" and not user.pref("next_day"):
            return "Next-day check-ins turned off"
        night = row_night(row)
        if night not in nights:
            return "Plan changed"
        live = [s for s in nights[night] if s.deleted_at is None]
        if not live:
            return "Session deleted"
        if row.kind == "sleep_checkin" and any(s.sleep_quality is not None for s in live):
            return "Sleep logged"
        if row.kind == "next_day" and any(s.pain_next_day is not None for s in live):
            return "Back pain logged"
        return "Plan changed"

    sync_rows(user.id, rows, specs, now, why)


def night_session(user: User, night: date) -> MassageSession | None:
    """The session a check-in's answer is stored on: that day's latest live one."""
    from ..logbook.sleep import session_that_evening

    return session_that_evening(user, night)


# Answer field -> (what the check-in asks, allowed range). The same scales as the log form.
QUESTIONS = {"sleep_quality": ("sleep", (1, 5)), "pain_next_day": ("next_day", (0, 10))}


def asks_of(reminder: Reminder) -> tuple[str, ...]:
    """What a check-in row asks (rows planned before the next-day check-in ask about sleep)."""
    asks = (reminder.payload or {}).get("asks")
    if isinstance(asks, list):
        return tuple(a for a in asks if isinstance(a, str))
    return ("sleep",) if reminder.kind == "sleep_checkin" else ("next_day",)


def answer(reminder: Reminder, jti: str, data: dict) -> tuple[int, dict]:
    """Store a check-in's answers on that night's latest session: (200, result) or
    (409/422, errors by field). Each question can be answered once per token; a correction
    is made in the log. The caller commits."""
    from ..logbook.store import update
    from ..values import Invalid, missing, parse_int

    asked = asks_of(reminder)
    clean: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for name, (question, (low, high)) in QUESTIONS.items():
        if question not in asked or missing(data.get(name)):
            continue
        try:
            clean[name] = parse_int(data[name], low, high)
        except Invalid as problem:
            errors[name] = [str(problem)]
    if errors:
        return 422, errors
    if not clean:
        wanted = [n for n, (q, _) in QUESTIONS.items() if q in asked]
        return 422, {"answer": [f"Give an answer: {' or '.join(wanted)}."]}
    night = night_of(reminder)
    user = db.session.get(User, reminder.user_id)
    session = night_session(user, night) if night is not None else None
    if session is None:
        return 422, {"answer": ["The massage this asked about is no longer in your log."]}
    try:
        with db.session.begin_nested():
            for name in clean:
                db.session.add(UsedActionToken(user_id=user.id, jti=f"{jti}:{name}"[:64]))
    except IntegrityError:
        return 409, {"answer": ["Already answered. You can change it in your log."]}
    update(session, clean)  # session_changed re-plans: an answered check-in is not asked again
    return 200, {**clean, "session_id": session.client_id}
