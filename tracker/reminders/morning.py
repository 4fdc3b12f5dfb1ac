"""The morning check-in, pure: "How did you sleep?" and "How is your back today?".

One notification the morning after a local day with a massage, at wake time, covering every
session of that day. It asks what is still open: sleep (the `sleep_checkin` setting), back
pain 0-10 (`next_day`), or both in ONE notification, since both fall due at the same
minute. The row is kind `sleep_checkin` whenever it asks about sleep (its payload's `asks`
says whether the back too) and `next_day` when it asks only about the back; either way
one row per night (slot `night:<date>`), so a morning never buzzes twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..timeutil import local_to_utc
from .planner import ACTIONS, STALE_AFTER, PlanUser, ReminderSpec, fit_quiet_hours

ANSWER = "checkin"  # the action behind the one-tap page (actions.ALLOWED)
SLEEP, BACK = "sleep", "next_day"
TEXT = {
    (SLEEP,): (
        "How did you sleep after your massage?",
        "Rate your sleep in two taps; it shows whether massage helps.",
    ),
    (BACK,): (
        "How is your back today?",
        "One tap, 0 to 10: it shows whether your massage's relief lasts.",
    ),
    (SLEEP, BACK): (
        "How did you sleep, and how is your back today?",
        "One tap each: your sleep and your back pain (0 to 10) the morning after your massage.",
    ),
}
MERGED_ACTIONS = [{"action": "rate", "title": "Answer"}]


@dataclass(frozen=True)
class CheckinSpec(ReminderSpec):
    asks: tuple[str, ...] = ()

    def payload(self) -> dict:
        # `answer` makes the push open the one-tap page (payload.build); `asks` is what it shows.
        return {**super().payload(), "asks": list(self.asks), "answer": ANSWER}


def open_questions(user: PlanUser, live: list[Any]) -> tuple[str, ...]:
    """What the morning should still ask about these sessions (answered on any of them: done)."""
    asks = []
    if user.pref("sleep_checkin") and all(s.sleep_quality is None for s in live):
        asks.append(SLEEP)
    if user.pref("next_day") and all(getattr(s, "pain_next_day", None) is None for s in live):
        asks.append(BACK)
    return tuple(asks)


def plan_checkin(
    user: PlanUser, subject_id: int, night: date, sessions: list[Any], now: datetime
) -> list[ReminderSpec]:
    """The check-in the morning after `night` (the local day of `sessions`) at wake time,
    fitted to quiet hours like every non-appointment kind. subject_id is the user's id."""
    live = [s for s in sessions if s.deleted_at is None]
    asks = open_questions(user, live) if live else ()
    if not asks:
        return []
    due = local_to_utc(night + timedelta(days=1), user.wake_time, user.timezone)
    fitted = fit_quiet_hours(due, due + STALE_AFTER["sleep_checkin"], user)
    if fitted is None:
        return []
    latest = max(live, key=lambda s: (s.occurred_at, s.id))
    kind = "sleep_checkin" if SLEEP in asks else "next_day"
    title, body = TEXT[asks]
    spec = CheckinSpec(
        kind,
        subject_id,
        f"night:{night.isoformat()}",
        *fitted,
        title,
        body,
        f"/sessions/{latest.client_id}/edit#sleep-h",
        MERGED_ACTIONS if len(asks) > 1 else ACTIONS[kind],
        asks,
    )
    return [spec] if spec.stale_at > now else []
