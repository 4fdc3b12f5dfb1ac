"""Claim due reminders with a lease, send them concurrently, record every outcome.

Three short transactions per pass: (1) expire stale rows and claim due ones, (2) read the
claimed rows and their subscriptions, (3) write outcomes. The network calls happen between
(2) and (3), outside any transaction. A dispatcher that dies after claiming leaves leases
that lapse, so another pass picks those rows up: nothing is lost.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, or_, update

from .. import timeutil
from ..extensions import db
from ..models import PushSubscription, Reminder, versioning
from . import actions, planner
from .push import Outcome, PushConfig, PushMessage, encode, send_push

MAX_PAYLOAD = 1024
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
NO_DEVICE = "No device to deliver to; shown in the app instead"


@dataclass(frozen=True)
class Target:
    id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass
class Job:
    reminder_id: int
    user_id: int
    kind: str
    attempts: int
    message: PushMessage
    targets: list[Target] = field(default_factory=list)


@dataclass
class PassResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    pruned: int = 0


def _free(now: datetime):
    return or_(Reminder.claimed_until.is_(None), Reminder.claimed_until < now)


def expire_stale(now: datetime) -> int:
    """Pending rows past stale_at expire unsent (unless a live lease is sending them)."""
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.status == "pending", Reminder.stale_at <= now, _free(now))
        .values(
            status="expired",
            last_error="Too late to be useful; not sent",
            claimed_until=None,
            claimed_by="",
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def claim(now: datetime, token: str, limit: int, lease: timedelta) -> int:
    """Atomically lease up to `limit` due rows to `token`; returns how many we got.

    The UPDATE re-checks the conditions, so two dispatchers selecting the same ids cannot
    both win a row (SQLite serialises writers; PostgreSQL re-evaluates the WHERE on the
    locked row). On PostgreSQL, SKIP LOCKED makes a parallel dispatcher take other rows
    instead of waiting.
    """
    candidates = (
        db.select(Reminder.id)
        .where(Reminder.status == "pending", Reminder.next_attempt_at <= now, _free(now))
        .order_by(Reminder.next_attempt_at, Reminder.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    # Two statements, not `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`:
    # PostgreSQL may plan that subquery as the inner side of a semi-join and rescan it per
    # row, claiming far more than `limit` rows (seen: 30 rows for limit=10).
    ids = list(db.session.scalars(candidates))
    if not ids:
        db.session.commit()
        return 0
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.id.in_(ids), Reminder.status == "pending", _free(now))
        .values(claimed_until=now + lease, claimed_by=token)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def build_message(row: Reminder, now: datetime) -> PushMessage:
    """Payload <= 1 KB: the planned text plus tag, id and (for hydration) an action token."""
    payload = {**(row.payload or {}), "tag": f"reminder-{row.id}", "id": row.id, "kind": row.kind}
    if row.kind in actions.ALLOWED:
        payload["action_token"] = actions.make_token(row.user_id, row.id)
    while len(encode(payload)) > MAX_PAYLOAD and len(payload.get("body", "")) > 20:
        payload["body"] = payload["body"][: len(payload["body"]) // 2].rstrip() + "…"
    ttl = int((row.stale_at - now).total_seconds())
    return PushMessage(
        payload,
        ttl=max(ttl, 0),
        urgency=planner.URGENCY.get(row.kind, "normal"),
        topic=f"reminder-{row.id}",
    )


def load_jobs(token: str, now: datetime) -> list[Job]:
    # Plain rows of the columns we need: loading whole ORM objects cost more than the sends.
    rows = db.session.execute(
        db.select(
            Reminder.id,
            Reminder.user_id,
            Reminder.kind,
            Reminder.attempts,
            Reminder.payload,
            Reminder.stale_at,
        ).where(Reminder.claimed_by == token)
    ).all()
    user_ids = {r.user_id for r in rows}
    targets: dict[int, list[Target]] = {uid: [] for uid in user_ids}
    if user_ids:
        subs = db.session.execute(
            db.select(
                PushSubscription.id,
                PushSubscription.user_id,
                PushSubscription.endpoint,
                PushSubscription.p256dh,
                PushSubscription.auth,
            )
            .where(PushSubscription.user_id.in_(user_ids))
            .order_by(PushSubscription.id)
        )
        for sub in subs:
            targets[sub.user_id].append(Target(sub.id, sub.endpoint, sub.p256dh, sub.auth))
    return [
        Job(r.id, r.user_id, r.kind, r.attempts, build_message(r, now), targets[r.user_id])
        for r in rows
    ]


def send_all(jobs: list[Job], config: PushConfig, workers: int) -> dict[tuple[int, int], Outcome]:
    """Every (reminder, device) pair through the one send path, in a bounded pool.

    Each worker takes the next pair when it is free (a slow endpoint holds up one worker,
    not a queue behind it); one task per worker rather than one per message, because the
    executor's per-task bookkeeping cost a tenth of a send."""
    pairs = [(job, target) for job in jobs for target in job.targets]
    if not pairs:
        return {}
    outcomes: list[Outcome | None] = [None] * len(pairs)
    todo = iter(range(len(pairs)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            job, target = pairs[i]
            outcomes[i] = send_push(target, job.message, config)

    count = min(workers, len(pairs))
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="push") as pool:
        for future in [pool.submit(work) for _ in range(count)]:
            future.result()  # send_push never raises; anything else is a bug to surface
    return {
        (job.reminder_id, target.id): outcome
        for (job, target), outcome in zip(pairs, outcomes, strict=True)
    }


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
    jobs: list[Job],
    outcomes: dict[tuple[int, int], Outcome],
    token: str,
    max_attempts: int,
    result: PassResult,
) -> None:
    now = timeutil.now()
    verdicts: dict[tuple[str, ...], list[dict]] = {}
    for job in jobs:
        mine = [outcomes[(job.reminder_id, t.id)] for t in job.targets]
        values = _verdict(job, mine, max_attempts, now)
        counter = {"sent": "sent", "pending": "retried", "failed": "failed"}[values["status"]]
        setattr(result, counter, getattr(result, counter) + 1)
        verdicts.setdefault(tuple(sorted(values)), []).append(
            {"b_id": job.reminder_id, **{f"b_{k}": v for k, v in values.items()}}
        )
    # One executemany per kind of verdict: a statement per row cost more than the sends.
    # Only the lease holder records: if our lease lapsed and another pass re-claimed the
    # row, its outcome wins.
    table = Reminder.__table__
    for names, rows in verdicts.items():
        db.session.execute(
            table.update()
            .where(table.c.id == bindparam("b_id"), table.c.claimed_by == token)
            .values(claimed_until=None, claimed_by="", **{k: bindparam(f"b_{k}") for k in names}),
            rows,
        )
    by_sub: dict[int, Outcome] = {}
    for (_, sub_id), outcome in outcomes.items():
        if sub_id not in by_sub or outcome.ok:
            by_sub[sub_id] = outcome
    _record_subscriptions(by_sub, now, result)
    db.session.commit()


def _record_subscriptions(by_sub: dict[int, Outcome], now: datetime, result: PassResult) -> None:
    gone = [sid for sid, o in by_sub.items() if o.result == "gone"]
    if gone:
        result.pruned = len(gone)
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


def dispatch_due(now: datetime | None = None, *, limit: int = 500) -> PassResult:
    """One pass: expire, claim, send, record. Safe to run in several processes at once."""
    app = current_app._get_current_object()
    now = now or timeutil.now()
    config = PushConfig.from_app(app)  # fails before claiming anything if no VAPID key is set
    result = PassResult(expired=expire_stale(now))
    token = uuid.uuid4().hex
    lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
    result.claimed = claim(now, token, limit, lease)
    if not result.claimed:
        return result
    jobs = load_jobs(token, now)
    db.session.commit()  # close the read transaction: no network I/O inside one
    outcomes = send_all(jobs, config, int(app.config["PUSH_WORKERS"]))
    record(jobs, outcomes, token, int(app.config["REMINDER_MAX_ATTEMPTS"]), result)
    return result


def dispatch_until_idle(now: datetime | None = None, *, limit: int = 500) -> PassResult:
    """Repeat passes until nothing is due (a backlog bigger than one batch)."""
    total = PassResult()
    while True:
        step = dispatch_due(now, limit=limit)
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(step, name))
        if step.claimed < limit:
            return total
