"""Claim due reminders with a lease, send them concurrently, record every outcome.

Short transactions: (1) expire stale rows and claim due ones, (2) read the claimed rows and
their subscriptions, (3) write outcomes in group commits as sends finish (senders.py: every
100 ms or 16 reminders), and renew the lease of the rows still being sent. The network calls
happen outside any transaction. A dispatcher that dies leaves leases that lapse, so another
pass picks those rows up: nothing is lost, and only reminders it had started but not
recorded (at most MAX_UNRECORDED) are sent twice.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial

from flask import Flask, current_app
from sqlalchemy import bindparam, delete, or_, update

from .. import timeutil
from ..extensions import db
from ..models import PushSubscription, Reminder, versioning
from . import actions, badge, payload, planner, sealing
from .push import MAX_PLAINTEXT, Outcome, PushConfig, PushMessage, seal_later, send_push
from .senders import Job, Sends, Target

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
    """Atomically lease up to `limit` due rows to `token`; returns how many we got."""
    return len(claim_ids(now, token, limit, lease))


def claim_ids(now: datetime, token: str, limit: int, lease: timedelta) -> list[int]:
    """Lease up to `limit` due rows to `token`; returns the ids we got (later reads go by
    primary key: `claimed_by` has no index, and a scan of every reminder ever sent was a
    tenth of each pass at 40,000 rows).

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
        return []
    won = db.session.scalars(
        update(Reminder)
        .where(Reminder.id.in_(ids), Reminder.status == "pending", _free(now))
        .values(claimed_until=now + lease, claimed_by=token)
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(won)


def build_message(row: Reminder, now: datetime, app_badge: int = 0) -> PushMessage:
    """A declarative push message (payload.py) inside the 4 KB a push service accepts."""
    data_actions = actions.ALLOWED.get(row.kind, set())
    message = payload.build(
        row.payload or {},
        reminder_id=row.id,
        kind=row.kind,
        base=current_app.config["APP_URL"],
        token=actions.make_token(row.user_id, row.id) if data_actions else None,
        data_actions=data_actions,
        badge=app_badge,
        limit=MAX_PLAINTEXT,
    )
    ttl = int((row.stale_at - now).total_seconds())
    return PushMessage(
        message,
        ttl=max(ttl, 0),
        urgency=planner.URGENCY.get(row.kind, "normal"),
        topic=f"reminder-{row.id}",
    )


def load_jobs(ids: list[int], token: str, now: datetime, key: str | None = None) -> list[Job]:
    # Plain rows of the columns we need: loading whole ORM objects cost more than the sends.
    rows = db.session.execute(
        db.select(
            Reminder.id,
            Reminder.user_id,
            Reminder.kind,
            Reminder.attempts,
            Reminder.payload,
            Reminder.stale_at,
        )
        .where(Reminder.id.in_(ids), Reminder.claimed_by == token)
        .order_by(Reminder.next_attempt_at, Reminder.id)
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
            .where(
                PushSubscription.user_id.in_(user_ids),
                # Never send with a key the subscription was not made with (a rotation).
                or_(PushSubscription.vapid_key == "", PushSubscription.vapid_key == key)
                if key
                else True,
            )
            .order_by(PushSubscription.id)
        )
        for sub in subs:
            targets[sub.user_id].append(Target(sub.id, sub.endpoint, sub.p256dh, sub.auth))
    badges = badge.counts(user_ids, now)
    return [
        Job(
            r.id,
            r.user_id,
            r.kind,
            r.attempts,
            partial(build_message, r, now, badges.get(r.user_id, 0)),
            targets[r.user_id],
        )
        for r in rows
    ]


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


def dispatch_due(now: datetime | None = None, *, limit: int = 500) -> PassResult:
    """One pass: expire, claim, send, record. Safe to run in several processes at once."""
    app = current_app._get_current_object()
    now = now or timeutil.now()
    config = PushConfig.from_app(app)  # fails before claiming anything if no VAPID key is set
    result = PassResult(expired=expire_stale(now))
    token = uuid.uuid4().hex
    lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
    margin = min(1.0, lease.total_seconds() / 10)  # time to record after the last send
    if lease.total_seconds() < config.timeout + 2 * margin:
        raise ValueError("REMINDER_LEASE_SECONDS must be well above PUSH_TIMEOUT_SECONDS")
    started = time.monotonic()
    ids = claim_ids(now, token, limit, lease)
    result.claimed = len(ids)
    if not ids:
        return result
    jobs = load_jobs(ids, token, now, config.public_key)
    db.session.commit()  # close the read transaction: no network I/O inside one
    max_attempts, by_sub = int(app.config["REMINDER_MAX_ATTEMPTS"]), {}
    sends = Sends(
        jobs,
        int(app.config["PUSH_WORKERS"]),
        config.timeout,
        started + lease.total_seconds(),
        margin,
        # `record` looked up per call: tests replace it to hold the writes up.
        lambda batch: record(batch, token, max_attempts, result, by_sub),
    )
    count = min(int(app.config["PUSH_WORKERS"]), sum(len(job.targets) for job in jobs)) or 1
    sealer = sealing.sealer(int(app.config["PUSH_SEAL_PROCESSES"]))
    with ThreadPoolExecutor(max_workers=count + 1, thread_name_prefix="push") as pool:
        # send_push looked up per call: tests replace it to kill a pass mid-batch.
        futures = [
            pool.submit(_in_app, app, sends.work, lambda t, m, s: send_push(t, m, config, s))
            for _ in range(count)
        ]
        futures.append(
            pool.submit(
                _in_app,
                app,
                sends.seal,
                lambda pairs, done: seal_later(pairs, config, sealer, done),
            )
        )
        try:
            if _watch(sends, sealer, ids, token, now, started, lease):
                record_devices(by_sub, result)
        finally:
            sends.stop()
    for future in futures:
        future.result()  # send_push never raises; anything else is a bug to surface
    return result


def _in_app(app: Flask, work, *args) -> None:
    """A sender thread: messages are built and outcomes written from it (the app's config
    and database)."""
    with app.app_context():
        work(*args)


def _watch(
    sends: Sends,
    sealer: sealing.Sealer,
    ids: list[int],
    token: str,
    now: datetime,
    started: float,
    lease: timedelta,
) -> bool:
    """The dispatcher's thread while the senders work: a batch no finishing send wrote in
    time, the lease renewed at half time (or when a sender needs more of it), a hung
    sealing worker replaced. False if a sender failed."""
    while True:
        sends.wait()
        sealer.check()
        if sends.failed:
            return False  # stop here, as a crash would (its error surfaces)
        batch = sends.due()
        if batch:
            sends.record(batch)
        elif sends.done:
            return True
        if sends.outstanding and (
            sends.wants_lease or sends.lease_end - time.monotonic() < lease.total_seconds() / 2
        ):
            stamp = time.monotonic()
            held = renew(ids, token, now + timedelta(seconds=stamp - started) + lease)
            sends.extend(stamp + lease.total_seconds(), held)


def renew(ids: list[int], token: str, until: datetime) -> set[int]:
    """Extend our lease on the rows still being sent; returns the ids we still hold."""
    mine = (Reminder.id.in_(ids), Reminder.claimed_by == token)
    db.session.execute(
        update(Reminder)
        .where(*mine)
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    held = set(db.session.scalars(db.select(Reminder.id).where(*mine)))
    db.session.commit()
    return held


def dispatch_until_idle(now: datetime | None = None, *, limit: int = 500) -> PassResult:
    """Repeat passes until nothing is due (a backlog bigger than one batch)."""
    total = PassResult()
    while True:
        step = dispatch_due(now, limit=limit)
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(step, name))
        if step.claimed < limit:
            return total
