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
from datetime import datetime, timedelta
from functools import partial

from flask import Flask, current_app
from sqlalchemy import or_, update

from .. import timeutil
from ..extensions import db
from ..models import PushSubscription, Reminder
from . import actions, badge, payload, planner, sealing
from .outcomes import PassResult, record, record_devices
from .push import MAX_PLAINTEXT, PushConfig, PushMessage, seal_later, send_push
from .senders import Job, Sends, Target


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
