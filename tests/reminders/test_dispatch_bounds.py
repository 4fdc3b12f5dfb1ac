"""Bounded duplicates and delays: outcomes recorded as sends finish, at most MAX_UNRECORDED
reminders at risk, a lease that outlives no pass, slow push hosts that cannot hold up the
healthy ones. The clock is real here (leases must really lapse); the fake hosts that hang or
trickle are network behaviours, each bounded by the send deadline."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import insert

from tracker import timeutil
from tracker.extensions import db
from tracker.models import Reminder
from tracker.reminders import dispatcher
from tracker.reminders.dispatcher import PassResult, dispatch_due, dispatch_until_idle
from tracker.reminders.senders import MAX_UNRECORDED, TRIP_AFTER

from .conftest import reminders, subscribe
from .fakepush import FakePushService


@pytest.fixture
def other():
    """A second push service: another origin."""
    service = FakePushService()
    yield service
    service.close()


def seed(user_id: int, count: int, *, first: int = 0, due_in: float = 0) -> list[int]:
    due = timeutil.now() + timedelta(seconds=due_in)
    db.session.execute(
        insert(Reminder),
        [
            {
                "user_id": user_id,
                "kind": "log_prompt",
                "subject_id": first + n,
                "slot": "end",
                "due_at": due,
                "next_attempt_at": due,
                "stale_at": due + timedelta(hours=2),
                "status": "pending",
                "payload": {"title": f"reminder {first + n}"},
            }
            for n in range(count)
        ],
    )
    db.session.commit()
    return [r.id for r in reminders(user_id) if first <= r.subject_id < first + count]


def until(predicate, timeout: float, *services: FakePushService) -> bool:
    """Wait for a condition, waking on every request that reaches a fake (never a sleep)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        for service in services:
            service.arrived.wait(0.05 / len(services))
            service.arrived.clear()
    return True


class Pass(threading.Thread):
    """A dispatcher (its own app context and database session) running beside the test."""

    def __init__(self, app, run=dispatch_due) -> None:
        super().__init__(daemon=True)
        self.app, self.run_pass = app, run
        self.result: PassResult | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        with self.app.app_context():
            try:
                self.result = self.run_pass()
            except BaseException as error:  # surfaced by finish()
                self.error = error
            finally:
                db.session.remove()

    def finish(self) -> PassResult:
        self.join(timeout=60)
        assert not self.is_alive() and self.error is None, self.error
        return self.result


def statuses(app, ids) -> Counter:
    with app.app_context():
        return Counter(r.status for r in reminders() if r.id in set(ids))


def sent_ids(app) -> set[int]:
    with app.app_context():
        return {r.id for r in reminders(status="sent")}


def test_outcomes_are_recorded_while_a_slow_send_is_still_in_flight(
    app, alice, bob, fakepush, other
):
    app.config["PUSH_TIMEOUT_SECONDS"] = 5
    with app.app_context():
        stuck = other.subscribe()
        subscribe(alice.id, stuck)
        other.script(stuck["endpoint"], "hang")
        subscribe(bob.id, fakepush.subscribe())
        [late] = seed(alice.id, 1)
        fine = seed(bob.id, 10, first=10)
    running = Pass(app)
    # Written in a micro-batch long before the hanging send's 5 s deadline ends the pass.
    assert until(lambda: sent_ids(app) == set(fine), 3, fakepush, other)
    assert running.is_alive() and statuses(app, [late]) == {"pending": 1}
    other.release.set()
    assert running.finish().sent == 10


def test_at_most_max_unrecorded_reminders_are_sent_ahead_of_the_record(
    app, alice, fakepush, monkeypatch
):
    """With the recorder stuck (a slow database, say), senders stop at the window: a crash
    then could repeat no more than MAX_UNRECORDED reminders."""
    gate, stuck = threading.Event(), threading.Event()
    real_record = dispatcher.record

    def slow_record(*args, **kwargs):
        stuck.set()
        gate.wait(30)
        real_record(*args, **kwargs)

    monkeypatch.setattr(dispatcher, "record", slow_record)
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        ids = seed(alice.id, 3 * MAX_UNRECORDED)
    running = Pass(app)
    assert until(lambda: len(fakepush.deliveries) >= MAX_UNRECORDED, 10, fakepush)
    assert stuck.is_set()
    fakepush.arrived.clear()
    assert not fakepush.arrived.wait(0.5), "a sender went past the window"
    assert len(fakepush.deliveries) == MAX_UNRECORDED
    gate.set()
    assert running.finish().sent == len(ids)
    assert Counter(p["id"] for p in fakepush.payloads()) == dict.fromkeys(ids, 1)


def test_after_a_held_up_write_one_group_commit_takes_everything_finished(
    app, alice, fakepush, monkeypatch
):
    """Outcomes are written as group commits: while one write is held up the senders go on
    up to the window, and the next write takes every reminder finished meanwhile at once."""
    gate, sizes = threading.Event(), []
    real_record = dispatcher.record

    def held_record(jobs, *args, **kwargs):
        sizes.append(len(jobs))
        if len(sizes) == 1:
            gate.wait(30)
        real_record(jobs, *args, **kwargs)

    monkeypatch.setattr(dispatcher, "record", held_record)
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        ids = seed(alice.id, 2 * MAX_UNRECORDED)
    running = Pass(app)
    assert until(lambda: len(fakepush.deliveries) >= MAX_UNRECORDED, 10, fakepush)
    fakepush.arrived.clear()
    assert not fakepush.arrived.wait(0.5), "a sender went past the window"
    gate.set()
    assert running.finish().sent == len(ids)
    assert sizes[0] + sizes[1] == MAX_UNRECORDED  # the held write, then all the rest at once
    assert sum(sizes) == len(ids)
    assert Counter(p["id"] for p in fakepush.payloads()) == dict.fromkeys(ids, 1)


def test_a_pass_longer_than_its_lease_renews_it(app, alice, bob, fakepush):
    """40 sends at 0.25 s each over 4 senders take 2.5 s, past a 2 s lease: the pass keeps
    its rows (a second dispatcher gets none) and sends them all itself."""
    app.config.update(REMINDER_LEASE_SECONDS=2, PUSH_TIMEOUT_SECONDS=1)
    with app.app_context():
        slow = fakepush.subscribe()
        subscribe(alice.id, slow)
        fakepush.script(slow["endpoint"], *["slow"] * 40)
        ids = seed(alice.id, 40)
    started = time.monotonic()
    first = Pass(app)
    assert until(lambda: fakepush.deliveries, 5, fakepush)  # it has claimed all 40
    others = []
    while first.is_alive():
        others.append(Pass(app).finish())
        first.join(timeout=0.1)
    assert time.monotonic() - started > 2, "the pass must outlast its first lease"
    assert first.finish().sent == 40
    assert sum(r.claimed for r in others) == 0
    assert Counter(p["id"] for p in fakepush.received()) == dict.fromkeys(ids, 1)


def test_rows_taken_over_after_a_lapse_get_no_more_sends_from_the_old_pass(app, alice, fakepush):
    """Should a lease lapse anyway (a stalled process), renewing finds out which rows another
    pass took, and this pass sends none of them."""
    app.config.update(REMINDER_LEASE_SECONDS=2, PUSH_TIMEOUT_SECONDS=1)
    with app.app_context():
        slow = fakepush.subscribe()
        subscribe(alice.id, slow)
        fakepush.script(slow["endpoint"], *["slow"] * 40)
        ids = seed(alice.id, 40)
    running = Pass(app)
    taken = ids[-10:]
    assert until(lambda: len(fakepush.deliveries) >= 4, 5, fakepush)
    with app.app_context():  # what another pass does once our lease has lapsed
        db.session.execute(
            db.update(Reminder).where(Reminder.id.in_(taken)).values(claimed_by="another-pass")
        )
        db.session.commit()
    result = running.finish()
    assert result.sent == 30
    assert not {p["id"] for p in fakepush.received()} & set(taken)
    with app.app_context():
        assert {r.claimed_by for r in reminders() if r.id in taken} == {"another-pass"}


def test_a_trickling_host_and_two_dispatchers_send_nothing_twice(app, alice, bob, fakepush, other):
    """Without one deadline per send, a reply trickled a byte every 0.25 s (11 s in all, each
    byte within the read timeout) outlasts the 2 s lease and the other dispatcher resends."""
    app.config.update(REMINDER_LEASE_SECONDS=2, PUSH_TIMEOUT_SECONDS=1)
    with app.app_context():
        trickler = other.subscribe()
        subscribe(alice.id, trickler)
        other.script(trickler["endpoint"], *["trickle"] * 10)
        subscribe(bob.id, fakepush.subscribe())
        slow_ids = seed(alice.id, 10)
        fine_ids = seed(bob.id, 20, first=100)
    stop = time.monotonic() + 5  # well past two leases
    counts: list[PassResult] = []

    def keep_dispatching() -> PassResult:
        while time.monotonic() < stop:
            counts.append(dispatch_until_idle(limit=5))
            other.arrived.wait(0.05)
        return PassResult()

    first, second = Pass(app, keep_dispatching), Pass(app, keep_dispatching)
    first.finish(), second.finish()
    received = Counter(p["id"] for p in fakepush.received() + other.received())
    assert max(received.values()) == 1, "a reminder reached a push service twice"
    assert set(fine_ids) <= set(received)
    assert statuses(app, fine_ids) == {"sent": 20}
    with app.app_context():
        rows = [r for r in reminders(alice.id) if r.id in slow_ids]
        assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}  # backing off
        assert any(r.last_error == "Will retry: timed out" for r in rows)
    assert sum(c.claimed for c in counts) == 30  # no row claimed twice


def test_hanging_hosts_do_not_delay_healthy_ones(app, alice, bob, fakepush, other):
    """16 hanging endpoints, due first, and 80 healthy ones: the healthy are all delivered
    within 2 s of the pass starting, although each hanging send waits 5 s."""
    app.config.update(PUSH_TIMEOUT_SECONDS=5, PUSH_WORKERS=8)
    with app.app_context():
        stuck = other.subscribe()
        subscribe(alice.id, stuck)
        other.script(stuck["endpoint"], *["hang"] * 16)
        subscribe(bob.id, fakepush.subscribe())
        seed(alice.id, 16, due_in=-1)
        fine = seed(bob.id, 80, first=100)
    started = time.monotonic()
    running = Pass(app)
    assert until(lambda: len(fakepush.payloads()) == 80, 2, fakepush, other), (
        f"{len(fakepush.payloads())} of 80 healthy reminders in 2 s"
    )
    assert time.monotonic() - started < 2
    assert until(lambda: sent_ids(app) >= set(fine), 1, fakepush)  # recorded too
    other.release.set()
    result = running.finish()
    assert (result.sent, result.retried) == (80, 16)


def test_a_host_that_keeps_timing_out_gets_no_more_sends_in_the_pass(app, alice, fakepush):
    """12 reminders to a hanging host over 4 senders would take 3 timeouts in a row; after
    TRIP_AFTER timeouts the rest wait for a later pass (backoff) instead."""
    app.config.update(PUSH_TIMEOUT_SECONDS=0.5, PUSH_WORKERS=4)
    with app.app_context():
        stuck = fakepush.subscribe()
        subscribe(alice.id, stuck)
        fakepush.script(stuck["endpoint"], *["hang"] * 12)
        ids = seed(alice.id, 12)
        result = dispatch_due()
        rows = reminders(alice.id)
    assert result.retried == 12
    assert len(fakepush.deliveries) <= 4 + TRIP_AFTER - 1
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}
    skipped = [r for r in rows if r.last_error.startswith("Will retry: not tried")]
    assert len(skipped) == len(ids) - len(fakepush.deliveries)
