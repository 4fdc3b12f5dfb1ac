"""Pure reminder planning: domain objects and `now` in, ReminderSpecs out.

No database, no clock. Every wall-clock intent ("the day before at 18:00", "wake time",
"quiet hours end") is converted with zoneinfo here, so a time-zone change re-plans correctly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from ..timeutil import local_to_utc, to_local

# How long after its due time a reminder still makes sense (appointments: until they start).
STALE_AFTER = {
    "log_prompt": timedelta(hours=24),
    "hydration": timedelta(minutes=60),
    "sleep_checkin": timedelta(hours=6),
    "routine_due": timedelta(hours=24),
}
ACTIONS = {
    "appointment": [{"action": "open", "title": "Open"}],
    "log_prompt": [{"action": "log", "title": "Log now"}],
    "hydration": [{"action": "drank", "title": "Drank"}, {"action": "snooze", "title": "Snooze 30 min"}],
    "sleep_checkin": [{"action": "rate", "title": "Rate sleep"}],
    "routine_due": [{"action": "book", "title": "Book it"}],
}
URGENCY = {"appointment": "high", "log_prompt": "normal", "hydration": "normal",
           "sleep_checkin": "normal", "routine_due": "low"}
SNOOZE = timedelta(minutes=30)


class PlanUser(Protocol):
    """What planning needs from a user (tracker.models.User satisfies it)."""

    timezone: str
    quiet_start: time
    quiet_end: time
    wake_time: time
    reminder_time: time

    def pref(self, key: str) -> Any: ...


@dataclass(frozen=True)
class ReminderSpec:
    kind: str
    subject_id: int
    slot: str
    due_at: datetime
    stale_at: datetime
    title: str
    body: str
    url: str
    actions: list = field(default_factory=list, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.kind, self.subject_id, self.slot)

    def payload(self) -> dict:
        return {"title": self.title, "body": self.body, "url": self.url, "actions": self.actions}


# --- quiet hours -------------------------------------------------------------------------


def quiet_window(at: datetime, zone: str, start: time, end: time) -> tuple[datetime, datetime] | None:
    """The quiet-hours window (UTC start, UTC end) containing `at`, or None if outside.

    Handles windows crossing midnight (22:00-08:00) and DST: each edge is a local
    wall-clock time converted on its own date.
    """
    if start == end:
        return None
    local = to_local(at, zone)
    t, day = local.time(), local.date()
    if start < end:
        if start <= t < end:
            return local_to_utc(day, start, zone), local_to_utc(day, end, zone)
        return None
    if t >= start:
        return local_to_utc(day, start, zone), local_to_utc(day + timedelta(days=1), end, zone)
    if t < end:
        return local_to_utc(day - timedelta(days=1), start, zone), local_to_utc(day, end, zone)
    return None


def respect_quiet_hours(
    due: datetime, user: PlanUser, *, deadline: datetime | None = None
) -> datetime:
    """Move a due time out of quiet hours: to their end, or (if that misses `deadline`)
    to the last minute before they began."""
    window = quiet_window(due, user.timezone, user.quiet_start, user.quiet_end)
    if window is None:
        return due
    start, end = window
    if deadline is not None and end >= deadline:
        return start - timedelta(minutes=1)
    return end


# --- text helpers ------------------------------------------------------------------------


def _when(at: datetime, relative_to: datetime, zone: str) -> str:
    local, ref = to_local(at, zone), to_local(relative_to, zone).date()
    clock = local.strftime("%H:%M")
    if local.date() == ref:
        return f"today at {clock}"
    if local.date() == ref + timedelta(days=1):
        return f"tomorrow at {clock}"
    return local.strftime("%a %d %b at %H:%M")


def _with(name: str) -> str:
    return f" with {name}" if name else ""


def _spec(kind: str, subject_id: int, slot: str, due: datetime, stale: datetime,
          title: str, body: str, url: str) -> ReminderSpec:
    return ReminderSpec(kind, subject_id, slot, due, stale, title[:80], body[:240], url,
                        ACTIONS[kind])


def _fresh(specs: list[ReminderSpec], now: datetime) -> list[ReminderSpec]:
    return [s for s in specs if s.stale_at > now]


# --- the five kinds ----------------------------------------------------------------------


def plan_appointment(user: PlanUser, appt: Any, now: datetime) -> list[ReminderSpec]:
    """Reminders at each lead time; whole days mean "N days before at reminder_time"."""
    if not user.pref("appointment") or appt.status != "booked":
        return []
    zone, starts = user.timezone, appt.starts_at
    specs: list[ReminderSpec] = []
    seen: set[datetime] = set()
    for lead in sorted({int(m) for m in user.pref("lead_minutes")}, reverse=True):
        if lead % 1440 == 0:
            day = to_local(starts, zone).date() - timedelta(days=lead // 1440)
            due = local_to_utc(day, user.reminder_time, zone)
        else:
            due = starts - timedelta(minutes=lead)
        due = respect_quiet_hours(due, user, deadline=starts)
        if due >= starts or due in seen:
            continue
        seen.add(due)
        place = f" at {appt.location}" if appt.location else ""
        specs.append(_spec(
            "appointment", appt.id, f"lead:{lead}", due, starts,
            f"Massage{_with(appt.therapist_name)} {_when(starts, due, zone)}",
            f"{to_local(starts, zone):%a %d %b, %H:%M}{place}.",
            f"/appointments/{appt.id}",
        ))
    return _fresh(specs, now)


def plan_log_prompt(user: PlanUser, appt: Any, now: datetime, *, logged: bool) -> list[ReminderSpec]:
    """At the appointment's end, unless a session is already logged for it."""
    if not user.pref("log_prompt") or appt.status == "cancelled" or logged:
        return []
    due = respect_quiet_hours(appt.ends_at, user)
    spec = _spec(
        "log_prompt", appt.id, "end", due, due + STALE_AFTER["log_prompt"],
        f"How was your massage{_with(appt.therapist_name)}?",
        "Log it while it's fresh: pain, mood and notes take seconds.",
        f"/sessions/new?appointment={appt.id}",
    )
    return _fresh([spec], now)


def plan_hydration(
    user: PlanUser, subject_id: int, slot_prefix: str, anchor: datetime, now: datetime,
    *, glasses: int, url: str,
) -> list[ReminderSpec]:
    """Water reminders at each offset after `anchor`, until the glasses goal is met.

    slot_prefix "a" anchors the chain to an appointment's end, "s" to a session with no
    appointment, so one massage never gets two chains.
    """
    goal = int(user.pref("glasses_goal"))
    if not user.pref("hydration") or glasses >= goal:
        return []
    specs: list[ReminderSpec] = []
    seen: set[datetime] = set()
    for offset in sorted({int(m) for m in user.pref("hydration_offsets")}):
        due = respect_quiet_hours(anchor + timedelta(minutes=offset), user)
        if due in seen:  # several moved to the end of quiet hours: one is enough
            continue
        seen.add(due)
        specs.append(_spec(
            "hydration", subject_id, f"{slot_prefix}{offset}", due,
            due + STALE_AFTER["hydration"], "Time for a glass of water",
            f"{glasses} of {goal} glasses so far. Water helps your muscles recover.", url,
        ))
    return _fresh(specs, now)


def plan_sleep_checkin(user: PlanUser, session: Any, now: datetime) -> list[ReminderSpec]:
    """The morning after the session, at wake time, unless sleep is already filled in."""
    if not user.pref("sleep_checkin") or session.deleted_at is not None:
        return []
    if session.sleep_quality is not None:
        return []
    morning = to_local(session.occurred_at, user.timezone).date() + timedelta(days=1)
    due = respect_quiet_hours(local_to_utc(morning, user.wake_time, user.timezone), user)
    spec = _spec(
        "sleep_checkin", session.id, "morning", due, due + STALE_AFTER["sleep_checkin"],
        "How did you sleep after your massage?",
        "Rate your sleep in two taps; it shows whether massage helps.",
        f"/sessions/{session.client_id}/edit#sleep-h",
    )
    return _fresh([spec], now)


def plan_routine_due(
    user: PlanUser, routine: Any, next_due: date, status: str, now: datetime, *, booked: bool
) -> list[ReminderSpec]:
    """A nudge when a routine is due soon or overdue and nothing is booked for it."""
    if not user.pref("routine_due") or booked or status not in ("due_soon", "due", "overdue"):
        return []
    if getattr(routine, "archived_at", None) or getattr(routine, "paused_at", None):
        return []
    today = to_local(now, user.timezone).date()
    due = local_to_utc(today, user.reminder_time, user.timezone)
    if due < now:
        due = local_to_utc(today + timedelta(days=1), user.reminder_time, user.timezone)
    due = respect_quiet_hours(due, user)
    if status == "overdue":
        title = f"{routine.name} is overdue"
    elif next_due == to_local(due, user.timezone).date():
        title = f"{routine.name} is due today"
    else:
        title = f"{routine.name} is due {next_due:%A}"
    spec = _spec(
        "routine_due", routine.id, f"{next_due.isoformat()}:{status}", due,
        due + STALE_AFTER["routine_due"], title, "Nothing is booked yet. Book it?", "/routine",
    )
    return _fresh([spec], now)


def snooze_until(user: PlanUser, now: datetime) -> datetime:
    return respect_quiet_hours(now + SNOOZE, user)
