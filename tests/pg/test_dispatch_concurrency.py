"""Several dispatchers on PostgreSQL: every due reminder is sent exactly once, none lost."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import insert, text

from tracker import timeutil
from tracker.extensions import db
from tracker.models import PushSubscription, Reminder
from tracker.reminders.dispatcher import PassResult, claim, dispatch_due, dispatch_until_idle

from .conftest import needs_postgres

pytestmark = needs_postgres
N = 1000


def seed(app, user_id: int, fakepush) -> None:
    """N due reminders for a user with one device."""
    with app.app_context():
        sub = fakepush.subscribe()
        db.session.add(
            PushSubscription(
                user_id=user_id,
                endpoint=sub["endpoint"],
                p256dh=sub["keys"]["p256dh"],
                auth=sub["keys"]["auth"],
            )
        )
        now = timeutil.now()
        db.session.execute(
            insert(Reminder),
            [
                {
                    "user_id": user_id,
                    "kind": "log_prompt",
                    "subject_id": i,
                    "slot": "end",
                    "due_at": now - timedelta(minutes=1),
                    "next_attempt_at": now - timedelta(minutes=1),
                    "stale_at": now + timedelta(hours=2),
                    "status": "pending",
                    "payload": {"title": f"reminder {i}"},
                }
                for i in range(N)
            ],
        )
        db.session.commit()


def assert_each_sent_once(app, fakepush) -> None:
    ids = Counter(p["id"] for p in fakepush.payloads())
    assert len(ids) == N and set(ids.values()) == {1}
    assert fakepush.errors == []
    with app.app_context():
        statuses = Counter(db.session.scalars(db.select(Reminder.status)))
        assert statuses == {"sent": N}


def test_two_dispatchers_in_parallel_send_each_reminder_once(app, alice, fakepush):
    seed(app, alice.id, fakepush)
    start = threading.Barrier(2)
    results: list[PassResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                start.wait()
                results.append(dispatch_until_idle(limit=20))
                db.session.remove()
        except BaseException as error:  # surfaced below, in the test thread
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert sum(r.sent for r in results) == N
    assert all(r.claimed > 0 for r in results), "both dispatchers should have done some work"
    assert_each_sent_once(app, fakepush)


def test_rows_claimed_by_a_killed_dispatcher_are_sent_after_the_lease(app, alice, fakepush):
    seed(app, alice.id, fakepush)
    now = timeutil.now()
    lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
    with app.app_context():
        assert claim(now, "killed-dispatcher", N, lease) == N  # claimed, then the process died
        assert dispatch_due(now).claimed == 0  # leased: nobody else touches them yet
        total = dispatch_until_idle(now + lease + timedelta(seconds=1))
    assert total.sent == N
    assert_each_sent_once(app, fakepush)


def test_a_claim_skips_rows_locked_by_another_transaction(app, alice, fakepush):
    seed(app, alice.id, fakepush)
    now = timeutil.now()
    with app.app_context():
        with db.engine.connect() as other:
            locked = (
                other.execute(text("SELECT id FROM reminder ORDER BY id LIMIT 10 FOR UPDATE"))
                .scalars()
                .all()
            )
            assert len(locked) == 10
            # Without SKIP LOCKED this would wait for `other` forever.
            db.session.execute(text("SET LOCAL lock_timeout = '5s'"))
            got = claim(now, "second", N, timedelta(seconds=60))
            other.rollback()
        assert got == N - 10
        mine = set(
            db.session.scalars(db.select(Reminder.id).where(Reminder.claimed_by == "second"))
        )
        assert mine.isdisjoint(locked)
