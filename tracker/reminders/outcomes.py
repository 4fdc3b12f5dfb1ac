"""Writing a pass's outcomes: each reminder's verdict in group commits (called from the
sender threads, one at a time), each device's bookkeeping once at the end of the pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, delete, update

from .. import timeutil
from ..extensions import db
from ..models import PushSubscription, Reminder, versioning
from .push import Outcome
from .senders import Job

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
NO_DEVICE = "No device to deliver to; shown in the app instead"


@dataclass
class PassResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    pruned: int = 0


def _verdict(job: Job, outcomes: list[Outcome], max_attempts: int, now: datetime) -> dict:
    """One reminder's new state. Sent once any device got it: retrying the others would
    duplicate it on the devices that did."""
    attempts = job.attempts + 1
    if any(o.ok for o in outcomes):
        return {"status": "sent", "sent_at": now, "attempts": attempts, "last_error": ""}
    retry = [o for o in outcomes if o.result == "retry"]
    if retry and attempts < max_attempts:
        delay = min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_MAX)
        hinted = max((o.retry_after or 0) for o in retry)
        delay = min(max(delay, timedelta(seconds=hinted)), BACKOFF_MAX)
        return {
            "status": "pending",
            "attempts": attempts,
            "next_attempt_at": now + delay,
            "last_error": f"Will retry: {retry[0].error}",
        }
    if not outcomes:
        error = NO_DEVICE
    elif retry:
        error = f"Gave up after {attempts} attempts: {retry[0].error}"
    elif all(o.result == "gone" for o in outcomes):
        error = f"{NO_DEVICE} (device unsubscribed)"
    else:
        error = next(o.error for o in outcomes if o.result == "permanent")
    return {"status": "failed", "attempts": attempts, "last_error": error[:500]}


def record(
    jobs: list[Job], token: str, max_attempts: int, result: PassResult, by_sub: dict[int, Outcome]
) -> None:
    """Write a group commit of reminders' outcomes (from any sender thread, one at a time);
    the devices' outcomes are gathered in `by_sub` and written once at the end of the pass
    (record_devices)."""
    now = timeutil.now()
    verdicts: dict[tuple, list[int]] = {}
    for job in jobs:
        mine = [job.outcomes[t.id] for t in job.targets]
        for target, outcome in zip(job.targets, mine, strict=True):
            if target.id not in by_sub or outcome.ok:
                by_sub[target.id] = outcome
        values = _verdict(job, mine, max_attempts, now)
        counter = {"sent": "sent", "pending": "retried", "failed": "failed"}[values["status"]]
        setattr(result, counter, getattr(result, counter) + 1)
        del values["attempts"]  # written as attempts + 1, so equal verdicts share a statement
        verdicts.setdefault(tuple(sorted(values.items())), []).append(job.reminder_id)
    # One UPDATE per distinct verdict (usually one: "sent"), not a row each, built once and
    # run in Core on a connection of our own: this runs beside busy sender threads, where
    # every layer costs GIL time the sends need.
    with db.engine.begin() as connection:
        for values, ids in verdicts.items():
            params = {f"b_{name}": value for name, value in values}
            params.update(b_ids=ids, b_token=token)
            connection.execute(_outcome_update(tuple(name for name, _ in values)), params)


@cache
def _outcome_update(names: tuple[str, ...]):
    """Only the lease holder records: if our lease lapsed and another pass re-claimed the
    row, its outcome wins."""
    table = Reminder.__table__
    return (
        table.update()
        .where(
            table.c.id.in_(bindparam("b_ids", expanding=True)),
            table.c.claimed_by == bindparam("b_token"),
        )
        .values(
            claimed_until=None,
            claimed_by="",
            attempts=table.c.attempts + 1,
            **{name: bindparam(f"b_{name}", type_=table.c[name].type) for name in names},
        )
    )


def record_devices(by_sub: dict[int, Outcome], result: PassResult) -> None:
    """Prune gone devices, stamp the others. Once per pass: a crash loses only this
    bookkeeping (a gone device answers 410 again next time)."""
    if by_sub:
        _record_subscriptions(by_sub, timeutil.now(), result)
        db.session.commit()


def _record_subscriptions(by_sub: dict[int, Outcome], now: datetime, result: PassResult) -> None:
    gone = [sid for sid, o in by_sub.items() if o.result == "gone"]
    if gone:
        result.pruned += len(gone)
        # A bulk delete bypasses the version hook; bump it so the cached home page shows the
        # "reminders are off" notice at once.
        versioning.bump(
            db.session, db.select(PushSubscription.user_id).where(PushSubscription.id.in_(gone))
        )
        db.session.execute(
            delete(PushSubscription)
            .where(PushSubscription.id.in_(gone))
            .execution_options(synchronize_session=False)
        )
    ok = [sid for sid, o in by_sub.items() if o.ok]
    if ok:
        db.session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(ok))
            .values(last_success_at=now, failure_count=0, last_error="")
            .execution_options(synchronize_session=False)
        )
    failed = [
        {"b_id": sid, "b_error": o.error[:500]}
        for sid, o in by_sub.items()
        if not o.ok and o.result != "gone"
    ]
    if failed:
        table = PushSubscription.__table__
        db.session.execute(
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values(failure_count=table.c.failure_count + 1, last_error=bindparam("b_error")),
            failed,
        )
