"""Encryption and signing in worker processes (reminders/sealing.py): what a strict push
service receives is the same, a dead or hung worker loses and repeats nothing, and workers
do not outlive the dispatcher."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tracker import timeutil
from tracker.extensions import db
from tracker.models import PushSubscription
from tracker.reminders import dispatcher, push, sealing
from tracker.reminders.dispatcher import dispatch_until_idle
from tracker.reminders.senders import Sends

from .conftest import reminders, subscribe
from .test_dispatch_bounds import seed

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


@pytest.fixture
def sealer(app, monkeypatch):
    """This test's own worker process, closed afterwards (not the process-wide one)."""
    own = sealing.Sealer(1)
    monkeypatch.setattr(sealing, "sealer", lambda processes: own)
    app.config["PUSH_SEAL_PROCESSES"] = 1
    yield own
    own.close()


def sent_titles(fakepush) -> Counter:
    return Counter(p["title"] for p in fakepush.payloads())


def test_the_dispatcher_process_never_encrypts_when_it_has_a_worker(
    app, alice, fakepush, sealer, monkeypatch
):
    """With the in-process sealing broken, every push still arrives decrypted and signed:
    the worker process did the work. Claims come from the dispatcher's clock (frozen here),
    never the worker's."""

    def not_here(*args):
        raise AssertionError("sealed in the dispatcher's process")

    monkeypatch.setattr(sealing, "seal", not_here)
    monkeypatch.setattr(push, "seal", not_here)
    with time_machine.travel(T0, tick=False), app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        seed(alice.id, 70)  # three chunks
        result = dispatch_until_idle()
    assert (result.sent, result.failed) == (70, 0)
    assert sent_titles(fakepush) == Counter(f"reminder {n}" for n in range(70))
    assert not fakepush.errors
    exp = {d.claims["exp"] for d in fakepush.deliveries}
    assert exp == {int((T0 + timedelta(hours=12)).timestamp())}
    assert sealer._workers and sealer._workers[0].alive


def test_with_no_worker_the_dispatcher_seals_itself(app, alice, fakepush, monkeypatch):
    """One core (PUSH_SEAL_PROCESSES=0): no process is started, the pushes are the same."""
    app.config["PUSH_SEAL_PROCESSES"] = 0
    started = []
    monkeypatch.setattr(sealing, "_Worker", lambda: started.append(1))
    with time_machine.travel(T0, tick=False), app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        seed(alice.id, 40)
        result = dispatch_until_idle()
    assert (result.sent, result.failed, started) == (40, 0, [])
    assert sent_titles(fakepush) == Counter(f"reminder {n}" for n in range(40))
    assert not fakepush.errors


def test_a_worker_killed_with_chunks_pending_loses_nothing_and_repeats_nothing(
    app, alice, fakepush, sealer, monkeypatch
):
    """The second chunk is written to a stopped worker, which is then killed: the chunks it
    owed are sealed in the dispatcher, each reminder sent once, and a new worker started."""
    real_later, chunks, here = dispatcher.seal_later, [], []
    real_seal = sealing.seal

    def counted(*args):
        here.append(1)
        return real_seal(*args)

    def kill_after_second_chunk(pairs, config, used, done):
        chunks.append(len(pairs))
        worker = used._workers[0]
        if len(chunks) == 2:
            os.kill(worker.proc.pid, signal.SIGSTOP)  # it will owe this chunk
        real_later(pairs, config, used, done)
        if len(chunks) == 2:
            worker.proc.kill()

    monkeypatch.setattr(dispatcher, "seal_later", kill_after_second_chunk)
    monkeypatch.setattr(sealing, "seal", counted)
    monkeypatch.setattr(sealing, "REPLACE_SECONDS", 0.0)
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        seed(alice.id, 100)
        dead = sealer._started()[0]
        result = dispatch_until_idle()
        assert (result.sent, result.failed) == (100, 0)
        assert {r.status for r in reminders(alice.id)} == {"sent"}
    assert sent_titles(fakepush) == Counter(f"reminder {n}" for n in range(100))
    assert here  # the dead worker's chunks were sealed in the dispatcher
    assert not dead.alive
    assert sealer._workers and sealer._workers[0] is not dead and sealer._workers[0].alive


def test_a_hung_worker_is_killed_and_its_chunks_sealed_in_the_dispatcher(
    app, alice, fakepush, sealer, monkeypatch
):
    monkeypatch.setattr(sealing, "STALL_SECONDS", 0.3)
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        seed(alice.id, 40)
        hung = sealer._started()[0]
        os.kill(hung.proc.pid, signal.SIGSTOP)  # alive, holding its pipe, answering nothing
        try:
            result = dispatch_until_idle()
        finally:
            if hung.proc.poll() is None:
                os.kill(hung.proc.pid, signal.SIGCONT)
        assert (result.sent, result.failed) == (40, 0)
    assert sent_titles(fakepush) == Counter(f"reminder {n}" for n in range(40))
    assert hung.proc.wait(timeout=10) == -signal.SIGKILL


def test_a_seal_that_cannot_work_fails_that_device_and_keeps_the_worker(
    app, alice, fakepush, sealer
):
    """Malformed keys (a browser bug, a hand-made subscription) fail that device only; the
    worker answers the error and goes on."""
    with app.app_context():
        good = fakepush.subscribe()
        subscribe(alice.id, good)
        bad = {**fakepush.subscribe(), "keys": {"p256dh": "AAAA", "auth": "AAAA"}}
        bad_id = subscribe(alice.id, bad, label="Broken")
        seed(alice.id, 3)
        worker = sealer._started()[0]
        result = dispatch_until_idle()
        assert result.sent == 3
        assert "bad subscription keys" in db.session.get(PushSubscription, bad_id).last_error
    assert len(fakepush.payloads(good["endpoint"])) == 3
    assert fakepush.payloads(bad["endpoint"]) == []
    assert sealer._workers == [worker] and worker.alive


def test_a_sender_that_waited_for_its_chunk_does_not_send_after_the_lease(app, alice, fakepush):
    """Between taking a pair and its chunk being sealed, the lease ran short: the pair goes
    back to wait for the renewal instead of being sent late; another pass took the row: the
    pair is dropped."""
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        seed(alice.id, 1)
        (job,) = dispatcher.load_jobs(
            dispatcher.claim_ids(timeutil.now(), "t", 10, timedelta(seconds=60)),
            "t",
            timeutil.now(),
        )
    sends = Sends([job], 1, timeout=5.0, lease_end=time.monotonic() + 60, margin=1.0, write=print)
    name, n, taken, target = sends._take()
    sends.lease_end = time.monotonic() + 2  # the lease ran short while the sender waited
    assert not sends._still_ours(name, n, taken, target)
    assert sends.wants_lease and sends.queues[name][0][0] == n and sends.busy[name] == 0
    sends.extend(time.monotonic() + 60, {job.reminder_id})  # renewed: taken again
    name, n, taken, target = sends._take()
    sends.extend(time.monotonic() + 60, held=set())  # meanwhile another pass took the row
    assert not sends._still_ours(name, n, taken, target)
    assert job.dropped and not sends.queues and sends.busy[name] == 0 and sends.done


def test_workers_exit_when_the_dispatcher_process_is_killed():
    """SIGKILL leaves no orphan: a worker reads end-of-file on its pipe and exits."""
    script = (
        "import sys; from tracker.reminders import sealing\n"
        "s = sealing.Sealer(2); print(*(w.proc.pid for w in s._started()), flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as parent:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(_running(pid) for pid in pids)
        parent.kill()
    for pid in pids:
        _wait_gone(pid)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def _wait_gone(pid: int) -> None:
    """Wait for the process to end: a pidfd becomes readable when it does (an event)."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        ready, _, _ = select.select([handle], [], [], 10)
    finally:
        os.close(handle)
    assert ready, f"sealing worker {pid} outlived its dispatcher"
