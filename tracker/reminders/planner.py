"""Pure reminder planning: domain objects and `now` in, ReminderSpecs out.

No database, no clock. Every wall-clock intent ("the day before at 18:00", "wake time",
"quiet hours end") is converted with zoneinfo here, so a time-zone change re-plans correctly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from ..timeutil import local_to_utc, to_local

# How long after its due time a reminder still makes sense (appointments: until they start).
STALE_AFTER = {
    "log_prompt": timedelta(hours=24),
    "hydration": timedelta(minutes=60),
    "sleep_checkin": timedelta(hours=6),
    "next_day": timedelta(hours=6),
    "routine_due": timedelta(hours=24),
}
ACTIONS = {
    "appointment": [{"action": "open", "title": "Open"}],
    "log_prompt": [{"action": "log", "title": "Log now"}],
    "hydration": [
        {"action": "drank", "title": "Drank"},
        {"action": "snooze", "title": "Snooze 30 min"},
    ],
    "sleep_checkin": [{"action": "rate", "title": "Rate sleep"}],
    "next_day": [{"action": "rate", "title": "Answer"}],
    "routine_due": [{"action": "book", "title": "Book it"}],
}
# A self-massage needs no booking: the nudge can be answered from the notification itself.
SELF_ROUTINE_ACTIONS = [
    {"action": "done", "title": "Done"},
    {"action": "skip", "title": "Skip today"},
]
URGENCY = {
    "appointment": "high",
    "log_prompt": "normal",
    "hydration": "normal",
    "sleep_checkin": "normal",
    "next_day": "normal",
    "routine_due": "low",
}
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


def quiet_window(
    at: datetime, zone: str, start: time, end: time
) -> tuple[datetime, datetime] | None:
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
    """Appointments: move a due time out of quiet hours to their end, or (if that misses
    `deadline`) to the last minute before they began."""
    window = quiet_window(due, user.timezone, user.quiet_start, user.quiet_end)
    if window is None:
        return due
    start, end = window
    if deadline is not None and end >= deadline:
        return start - timedelta(minutes=1)
    return end


def fit_quiet_hours(
    due: datetime, stale: datetime, user: PlanUser, *, since: datetime | None = None
) -> tuple[datetime, datetime] | None:
    """(due, stale) for every kind but appointments, or None when no time still makes sense.

    In quiet hours a reminder goes at the last minute before they began when that is not
    before `since` (its triggering event, e.g. the massage a water reminder follows); it then
    goes stale as they begin, so a late delivery never buzzes inside them. Otherwise it waits
    for their end if it is still fresh then, keeping its staleness, so nothing is carried into
    the next morning once it is stale.
    """
    window = quiet_window(due, user.timezone, user.quiet_start, user.quiet_end)
    if window is None:
        return due, stale
    start, end = window
    before = start - timedelta(minutes=1)
    if since is not None and before >= since:
        return before, start
    if end < stale:
        return end, stale
    return None


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


def _spec(
    kind: str,
    subject_id: int,
    slot: str,
    due: datetime,
    stale: datetime,
    title: str,
    body: str,
    url: str,
) -> ReminderSpec:
    return ReminderSpec(
        kind, subject_id, slot, due, stale, title[:80], body[:240], url, ACTIONS[kind]
    )


def _fresh(specs: list[ReminderSpec], now: datetime) -> list[ReminderSpec]:
    return [s for s in specs if s.stale_at > now]


def _glasses(n: int) -> str:
    return f"{n} glass" if n == 1 else f"{n} glasses"


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
        specs.append(
            _spec(
                "appointment",
                appt.id,
                f"lead:{lead}",
                due,
                starts,
                f"Massage{_with(appt.therapist_name)} {_when(starts, due, zone)}",
                f"{to_local(starts, zone):%a %d %b, %H:%M}{place}.",
                f"/appointments/{appt.id}",
            )
        )
    return _fresh(specs, now)


def plan_log_prompt(
    user: PlanUser, appt: Any, now: datetime, *, logged: bool
) -> list[ReminderSpec]:
    """At the appointment's end, unless a session is already logged for it."""
    if not user.pref("log_prompt") or appt.status == "cancelled" or logged:
        return []
    fitted = fit_quiet_hours(appt.ends_at, appt.ends_at + STALE_AFTER["log_prompt"], user)
    if fitted is None:
        return []
    spec = _spec(
        "log_prompt",
        appt.id,
        "end",
        *fitted,
        f"How was your massage{_with(appt.therapist_name)}?",
        "Log it while it's fresh: pain, mood and notes take seconds.",
        f"/sessions/new?appointment={appt.id}",
    )
    return _fresh([spec], now)


@dataclass(frozen=True)
class Massage:
    """What starts a water chain: an appointment's end ("a") or, for a session without an
    appointment, the session's end ("s")."""

    prefix: str
    subject_id: int
    ends_at: datetime
    url: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.prefix, self.subject_id)


def plan_hydration(
    user: PlanUser,
    subject_id: int,
    slot_prefix: str,
    anchor: datetime,
    now: datetime,
    *,
    glasses: int,
    url: str,
    until: datetime | None = None,
) -> list[ReminderSpec]:
    """Water reminders at each offset after `anchor` (the massage's end), until the day's
    glasses reach the goal, and only before `until` (when the next massage restarts the chain).
    """
    goal = int(user.pref("glasses_goal"))
    if not user.pref("hydration") or glasses >= goal:
        return []
    specs: list[ReminderSpec] = []
    seen: set[datetime] = set()
    for offset in sorted({int(m) for m in user.pref("hydration_offsets")}):
        due = anchor + timedelta(minutes=offset)
        fitted = fit_quiet_hours(due, due + STALE_AFTER["hydration"], user, since=anchor)
        if fitted is None or fitted[0] in seen:  # several moved before quiet hours: one is enough
            continue
        if until is not None and fitted[0] >= until:
            continue
        if fitted[0] != due and specs and fitted[0] - specs[-1].due_at < SNOOZE:
            continue  # moved to just after the previous one: that one already asked
        seen.add(fitted[0])
        specs.append(
            _spec(
                "hydration",
                subject_id,
                f"{slot_prefix}{offset}",
                *fitted,
                "Time for a glass of water",
                f"{glasses} of {_glasses(goal)} today. Water helps your muscles recover.",
                url,
            )
        )
    return _fresh(specs, now)


def plan_water(
    user: PlanUser, massages: list[Massage], now: datetime, *, glasses_on: Callable[[date], int]
) -> list[ReminderSpec]:
    """One water chain at a time: each massage's chain runs until the next massage ends, so a
    new session restarts the chain instead of adding one. `glasses_on(local day)` counts the
    glasses of the chain's day (the day the massage ended)."""
    ordered = sorted(massages, key=lambda m: (m.ends_at, m.prefix, m.subject_id))
    specs: list[ReminderSpec] = []
    for i, massage in enumerate(ordered):
        until = ordered[i + 1].ends_at if i + 1 < len(ordered) else None
        day = to_local(massage.ends_at, user.timezone).date()
        specs += plan_hydration(
            user,
            massage.subject_id,
            massage.prefix,
            massage.ends_at,
            now,
            glasses=glasses_on(day),
            url=massage.url,
            until=until,
        )
    return specs


def plan_routine_due(
    user: PlanUser, routine: Any, next_due: date, status: str, now: datetime, *, booked: bool
) -> list[ReminderSpec]:
    """A nudge when a routine is due soon or overdue and nothing is booked for it."""
    if not user.pref("routine_due") or booked or status not in ("due_soon", "due", "overdue"):
        return []
    if getattr(routine, "archived_at", None) or getattr(routine, "paused_at", None):
        return []
    today = to_local(now, user.timezone).date()
    if getattr(routine, "skipped_on", None) == today:  # "Skip today": next nudge tomorrow
        today += timedelta(days=1)
    at = getattr(routine, "preferred_time", None) or user.reminder_time  # per-routine nudge time
    due = local_to_utc(today, at, user.timezone)
    if due < now:
        due = local_to_utc(today + timedelta(days=1), at, user.timezone)
    fitted = fit_quiet_hours(due, due + STALE_AFTER["routine_due"], user)
    if fitted is None:
        return []
    due = fitted[0]
    if status == "overdue":
        title = f"{routine.name} is overdue"
    elif next_due == to_local(due, user.timezone).date():
        title = f"{routine.name} is due today"
    else:
        title = f"{routine.name} is due {next_due:%A}"
    slot = f"{next_due.isoformat()}:{status}"
    if getattr(routine, "kind", "professional") == "self":
        body = "Tap Done when you have, or skip it today."
        spec = ReminderSpec(
            "routine_due", routine.id, slot, *fitted, title[:80], body, "/routine",
            SELF_ROUTINE_ACTIONS,
        )  # fmt: skip
    else:
        body = "Nothing is booked yet. Book it?"
        spec = _spec("routine_due", routine.id, slot, *fitted, title, body, "/routine")
    return _fresh([spec], now)


def snooze_until(
    user: PlanUser, now: datetime, kind: str = "hydration"
) -> tuple[datetime, datetime] | None:
    """(due, stale) 30 minutes from now, out of quiet hours by the same rule; None if nothing fits."""
    due = now + SNOOZE
    return fit_quiet_hours(due, due + STALE_AFTER.get(kind, timedelta(hours=1)), user, since=now)
