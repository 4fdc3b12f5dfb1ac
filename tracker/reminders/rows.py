"""Reminder rows made to match a plan, inside the caller's transaction (split from schedule.py).

Rows are keyed on (kind, subject_id, slot). Re-planning updates pending rows in place,
re-arms a delivered row only when its occasion moved (a rescheduled appointment deserves a
fresh reminder), and cancels rows the plan no longer contains. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Reminder
from .planner import ReminderSpec

# Appointment and water reminders first planned more than this late are not worth starting:
# the moment has passed. Log prompts, sleep check-ins and routine nudges are still useful
# late, until they go stale.
GRACE = timedelta(minutes=2)
TIMELY = {"appointment", "hydration"}

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
    insert_many([(user_id, spec) for spec in settle(rows, specs, now, reason)])


def settle(
    rows: Iterable[Reminder],
    specs: list[ReminderSpec],
    now: datetime,
    reason: Callable[[Reminder], str],
) -> list[ReminderSpec]:
    """Update or retire `rows` to match `specs`; return the specs no row holds yet (those
    still worth inserting), so a caller planning many subjects can insert them together."""
    wanted = {s.key: s for s in specs}
    for row in rows:
        spec = wanted.pop((row.kind, row.subject_id, row.slot), None)
        if spec is None:
            _retire(row, reason(row), now)
        else:
            _apply(row, spec, now)
    return [spec for spec in wanted.values() if in_time(spec, now)]


def in_time(spec: ReminderSpec, now: datetime) -> bool:
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
    elif (row.due_at != due or row.status == "cancelled") and in_time(spec, now):
        # The occasion moved (or came back): a new delivery, not a duplicate.
        row.due_at = row.next_attempt_at = due
        row.status, row.attempts, row.sent_at, row.last_error = "pending", 0, None, ""
        row.claimed_until, row.claimed_by = None, ""


def insert_many(new: list[tuple[int, ReminderSpec]]) -> None:
    """Insert (user id, spec) rows in one statement, skipping any key a concurrent
    transaction planned first."""
    if not new:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Reminder).on_conflict_do_nothing(index_elements=["kind", "subject_id", "slot"])
    db.session.execute(
        stmt,
        [
            {
                "user_id": user_id,
                "kind": spec.kind,
                "subject_id": spec.subject_id,
                "slot": spec.slot,
                "due_at": spec.due_at,
                "next_attempt_at": spec.due_at,
                "stale_at": spec.stale_at,
                "status": "pending",
                "payload": spec.payload(),
            }
            for user_id, spec in new
        ],
    )
