"""Dispatcher faults: a pass killed mid-batch, a push service outage, a slow endpoint; and a
database failure while a session is saved through the API."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError

from tests.conftest import make_user
from tracker.extensions import db
from tracker.models import MassageSession, Reminder
from tracker.reminders import dispatcher
from tracker.reminders.dispatcher import dispatch_due, dispatch_until_idle

from .conftest import reminders, subscribe

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def seed_due(
    user_id: int,
    count: int,
    due: datetime,
    *,
    stale: timedelta = timedelta(hours=24),
    first_subject: int = 0,
) -> list[int]:
    """`count` log prompts due at `due` (bulk, no planning); returns the new ids in order."""
    db.session.execute(
        insert(Reminder),
        [
            {
                "user_id": user_id,
                "kind": "log_prompt",
                "subject_id": first_subject + n,
                "slot": "end",
                "due_at": due,
                "next_attempt_at": due,
                "stale_at": due + stale,
                "status": "pending",
                "payload": {"title": f"reminder {first_subject + n}", "url": "/"},
            }
            for n in range(count)
        ],
    )
    db.session.commit()
    subjects = range(first_subject, first_subject + count)
    return [r.id for r in reminders(user_id) if r.subject_id in subjects]


def wait_until(fakepush, predicate, timeout: float = 30.0) -> bool:
    """Wait for requests to reach the fake (an event, not a sleep)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        fakepush.arrived.wait(0.2)
        fakepush.arrived.clear()
    return True


@pytest.fixture
def charlie(app, password_hashes):
    return make_user(app, "charlie", password_hashes, timezone="UTC")


# --- killed mid-batch ----------------------------------------------------------------------


class Killed(Exception):
    """Stands in for the process dying: nothing after it in the pass runs."""


def test_a_pass_killed_mid_batch_loses_nothing_and_duplicates_only_its_unrecorded_rows(
    app, alice, fakepush, clock, monkeypatch
):
    sends_before_kill = 4
    # Nothing here is slow on purpose: a roomy deadline, so that on a loaded machine a slow
    # loopback answer is not a timeout (retried, and maybe delivered twice) that the counts
    # below would take for the kill's doing.
    app.config["PUSH_TIMEOUT_SECONDS"] = 3.0
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        ids = seed_due(alice.id, 30, T0)
        assert dispatch_due(limit=10).sent == 10  # a healthy pass first
        healthy = {r.id for r in reminders(alice.id, status="sent")}

        real_send, calls, lock = dispatcher.send_push, [0], threading.Lock()

        def dying_send(*args, **kwargs):
            with lock:
                calls[0] += 1
                if calls[0] > sends_before_kill:
                    raise Killed
            return real_send(*args, **kwargs)

        monkeypatch.setattr(dispatcher, "send_push", dying_send)
        with pytest.raises(Killed):
            dispatch_due(limit=10)  # claims 10, sends 4, dies (a micro-batch may be recorded)
        monkeypatch.setattr(dispatcher, "send_push", real_send)
        in_flight = {r.id for r in reminders(alice.id) if r.claimed_until is not None}
        recorded = {r.id for r in reminders(alice.id, status="sent")} - healthy
        assert len(in_flight) + len(recorded) == 10 and len(recorded) <= sends_before_kill

        # Other dispatchers carry on with the rest but leave the dead pass's leases alone.
        assert dispatch_until_idle(limit=10).sent == 10
        assert {r.id for r in reminders(alice.id, status="pending")} == in_flight
        lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
        clock.move_to(T0 + lease + timedelta(seconds=1))
        assert dispatch_until_idle(limit=10).sent == 10

        assert {r.status for r in reminders(alice.id)} == {"sent"}
    delivered = Counter(p["id"] for p in fakepush.payloads())
    assert set(delivered) == set(ids), "every reminder reached the device"
    duplicated = {rid for rid, n in delivered.items() if n > 1}
    assert duplicated <= in_flight
    assert len(duplicated) == sends_before_kill - len(recorded)
    assert max(delivered.values()) == 2
    assert fakepush.errors == []


def test_a_dispatch_process_killed_with_sigkill_loses_nothing(
    app, alice, fakepush, vapid_pem, tmp_path
):
    """A real `flask reminders dispatch` killed while sends are in flight, after it recorded
    the accepted ones (outcomes are written as sends finish, not at the end of the pass)."""
    accepted_before_kill, workers = 3, 4
    with app.app_context():
        sub = fakepush.subscribe()
        subscribe(alice.id, sub)
        ids = seed_due(alice.id, 20, datetime.now(UTC) - timedelta(seconds=1))
    # Three accepted, then the service stalls: the next requests are in flight at the kill.
    fakepush.script(sub["endpoint"], *[201] * accepted_before_kill, *["hang"] * 20)
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "BACK_RELIEF_DEV": "1",
        "VAPID_PRIVATE_KEY": vapid_pem,
        "VAPID_SUBJECT": "mailto:ops@backrelief.example",
        "PUSH_TIMEOUT_SECONDS": "30",
        "PUSH_WORKERS": str(workers),
    }
    flask = str(Path(sys.executable).with_name("flask"))
    log = tmp_path / "dispatch.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [flask, "--app", "tracker", "reminders", "dispatch"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )

    def recorded() -> set[int]:
        with app.app_context():
            return {r.id for r in reminders(alice.id, status="sent")}

    try:
        arrived = wait_until(
            fakepush,
            lambda: (
                len(fakepush.deliveries) >= accepted_before_kill + workers
                and len(recorded()) == accepted_before_kill
            ),
        )
        process.kill()
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert arrived, log.read_text()
    fakepush.scripts.clear()
    fakepush.release.set()  # let the stalled handlers go; their client is dead
    assert len(fakepush.payloads()) == accepted_before_kill

    with app.app_context():
        in_flight = {r.id for r in reminders(alice.id) if r.claimed_until is not None}
        assert in_flight == set(ids) - recorded()  # one pass claimed all 20, recorded 3
        lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
        with time_machine.travel(datetime.now(UTC) + lease + timedelta(seconds=1), tick=False):
            assert dispatch_until_idle().sent == 20 - accepted_before_kill
        assert {r.status for r in reminders(alice.id)} == {"sent"}
    delivered = Counter(p["id"] for p in fakepush.payloads())
    assert set(delivered) == set(ids)
    assert set(delivered.values()) == {1}  # the accepted ones were recorded: none twice
    assert fakepush.errors == []


# --- push service down for 10 minutes ------------------------------------------------------


def take_down(fakepush, mode: str) -> None:
    if mode == "503":
        for token in fakepush.clients:
            fakepush.script(f"/{token}", *[503] * 100)
    else:  # nothing listens on the port: connection refused
        fakepush.server.shutdown()
        fakepush.server.server_close()


def bring_back(fakepush, mode: str) -> None:
    if mode == "503":
        fakepush.scripts.clear()
        return
    handler = fakepush.server.RequestHandlerClass
    fakepush.server = ThreadingHTTPServer(fakepush.server.server_address, handler)
    fakepush.server.daemon_threads = True
    threading.Thread(target=fakepush.server.serve_forever, daemon=True).start()


@pytest.mark.parametrize("mode", ["503", "refused"])
def test_a_ten_minute_outage_backs_off_then_delivers_fresh_and_expires_stale(
    app, alice, fakepush, clock, mode
):
    outage = timedelta(minutes=10)
    with app.app_context():
        sub = fakepush.subscribe()
        subscribe(alice.id, sub)
        [fresh] = seed_due(alice.id, 1, T0)  # stale after 24 h
        [stale] = seed_due(alice.id, 1, T0, stale=timedelta(minutes=5), first_subject=1)
        take_down(fakepush, mode)
        attempts_at: dict[int, list[int]] = {fresh: [], stale: []}
        seen = {fresh: 0, stale: 0}
        for second in range(0, 20 * 60, app.config["REMINDER_DISPATCH_SECONDS"]):
            clock.move_to(T0 + timedelta(seconds=second))
            if second == outage.total_seconds():
                bring_back(fakepush, mode)
            dispatch_until_idle()
            rows = {r.id: r for r in reminders(alice.id)}
            for rid in attempts_at:
                if rows[rid].attempts > seen[rid]:
                    attempts_at[rid].append(second)
                    seen[rid] = rows[rid].attempts
            if rows[fresh].status != "pending":
                break

        # 30 s doubling: 0, 30, 90, 210, 450; the service is back at 600; the 6th try at 930.
        assert attempts_at[fresh] == [0, 30, 90, 210, 450, 930]
        row = rows[fresh]
        assert (row.status, row.sent_at, row.last_error) == (
            "sent",
            T0 + timedelta(seconds=930),
            "",
        )
        # The 5-minute reminder's next try (450 s) would be too late: it expires at 300 s unsent.
        assert attempts_at[stale] == [0, 30, 90, 210]
        assert rows[stale].status == "expired"
        assert rows[stale].last_error == "Too late to be useful; not sent"
    assert [p["id"] for p in fakepush.payloads()] == [fresh]
    accepted = [d for d in fakepush.deliveries if d.status == 201]
    assert accepted[0].headers["ttl"] == str(24 * 3600 - 930)  # the time left until stale
    assert fakepush.errors == []


# --- slow endpoint -------------------------------------------------------------------------


def test_a_slow_endpoint_times_out_while_others_are_delivered_and_is_retried_later(
    app, alice, bob, charlie, fakepush, clock
):
    with app.app_context():
        slow, fine_b, fine_c = fakepush.subscribe(), fakepush.subscribe(), fakepush.subscribe()
        subscribe(alice.id, slow)
        subscribe(bob.id, fine_b)
        subscribe(charlie.id, fine_c)
        fakepush.script(slow["endpoint"], "hang")
        [late] = seed_due(alice.id, 1, T0)
        seed_due(bob.id, 10, T0, first_subject=100)
        seed_due(charlie.id, 10, T0, first_subject=200)

        started = time.perf_counter()
        result = dispatch_due()
        elapsed = time.perf_counter() - started
        assert (result.sent, result.retried) == (20, 1)
        assert elapsed < 3 * app.config["PUSH_TIMEOUT_SECONDS"] + 2, (
            "the slow device held the pass up"
        )
        assert len(fakepush.payloads(fine_b["endpoint"])) == 10
        assert len(fakepush.payloads(fine_c["endpoint"])) == 10
        row = reminders(alice.id)[0]
        assert (row.status, row.last_error) == ("pending", "Will retry: timed out")
        assert row.next_attempt_at == T0 + timedelta(seconds=30)

        clock.move_to(T0 + timedelta(seconds=30))
        assert dispatch_due().sent == 1
        row = reminders(alice.id)[0]
        assert (row.status, row.attempts) == ("sent", 2)
    assert [p["id"] for p in fakepush.payloads(slow["endpoint"])] == [late]
    assert len(fakepush.payloads()) == 21  # nobody else got a second copy


def test_a_slow_second_device_does_not_delay_or_repeat_the_reminder(app, alice, fakepush, clock):
    with app.app_context():
        phone, stuck = fakepush.subscribe(), fakepush.subscribe()
        subscribe(alice.id, phone, "Phone")
        subscribe(alice.id, stuck, "Old tablet")
        fakepush.script(stuck["endpoint"], "hang")
        seed_due(alice.id, 1, T0)
        assert dispatch_due().sent == 1  # one device got it: sent, not retried
        clock.move_to(T0 + timedelta(hours=1))
        assert dispatch_due().claimed == 0
    assert len(fakepush.payloads(phone["endpoint"])) == 1


# --- web: the database fails during a save -------------------------------------------------


# On SQLite this relies on tracker/extensions.py opening the transaction before a SAVEPOINT:
# pysqlite alone would let store.create_or_replay's SAVEPOINT commit the row early.
def test_a_database_error_while_saving_a_session_gives_503_and_saves_nothing(
    app, alice, alice_client, monkeypatch
):
    real_commit, failures = db.session.commit, []

    def commit_once_fails():
        if not failures:
            failures.append(1)
            db.session.flush()  # the rows reached the database; the COMMIT is what fails
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
        real_commit()

    # Recent, so the session also plans hydration and sleep reminders in the same transaction.
    occurred = (datetime.now(UTC) - timedelta(minutes=30)).isoformat(timespec="seconds")
    body = {
        "id": str(uuid.uuid4()),
        "occurred_at": occurred,
        "kind": "self",
        "duration_minutes": 20,
        "pain_before": 6,
        "pain_after": 3,
        "mood": 4,
    }
    monkeypatch.setattr(db.session, "commit", commit_once_fails)
    response = alice_client.post("/api/v1/sessions", json=body)
    assert response.status_code == 503
    assert response.is_json and response.json["errors"]["database"]
    assert failures == [1]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(MassageSession.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Reminder.id))) == 0  # planned rows too

    retry = alice_client.post("/api/v1/sessions", json=body)  # the client's outbox retries
    assert retry.status_code == 201
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(MassageSession.id))) == 1
        assert db.session.scalar(db.select(db.func.count(Reminder.id))) > 0
