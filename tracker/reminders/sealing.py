"""Encrypt (RFC 8291) and sign (RFC 8292) a push, in worker processes when cores are spare.

Why processes: the dispatcher is CPU-bound on one core (the GIL), and encryption plus
signing were 43% of its CPU a message (py-spy, 10,000 messages). A worker process on the
second core does them while the dispatcher's threads post and record: 0.30–0.33× of the
single-threaded encrypt+sign ceiling before, 0.60–0.67× after (docs/benchmarks.md §3).
A worker only computes: it never sends or writes, so a crash repeats no more than before.
Pickle is safe here: both ends of the pipe are this program.

The worker runs this file as a script (`python -P sealing.py`): it imports only pywebpush
and py_vapid, not the app (0.3 s instead of 0.8 s to start). It never reads the clock: the
caller passes the JWT's `exp` (timeutil stays the one clock, time-machine keeps working).
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from py_vapid import jwt as vapid_jwt
from pywebpush import WebPusher, WebPushException

# One item: (plaintext, p256dh, auth, claims). One result: (body, jwt) or (None, error).
Item = tuple[bytes, str, str, dict[str, Any]]
Result = tuple[bytes | None, str]
Done = Callable[[list[Result]], None]
STALL_SECONDS = 10.0  # a chunk takes ~10 ms; a worker this late is hung (stopped, swapping)
REPLACE_SECONDS = 60.0  # a worker that cannot start must not cost every pass a start-up
_HEAD = struct.Struct("!I")  # each message on the pipes: its length, then the pickle
log = logging.getLogger(__name__)


def seal(private_key: Any, item: Item) -> Result:
    """Encrypt one payload for one subscription and sign its VAPID claims."""
    data, p256dh, auth, claims = item
    info = {"endpoint": "", "keys": {"p256dh": p256dh, "auth": auth}}
    try:
        body = WebPusher(info).encode(data)["body"]
    except (WebPushException, ValueError, TypeError) as error:
        # Malformed keys: the subscription can never work.
        return None, f"bad subscription keys ({error})"[:300]
    return body, vapid_jwt.sign(claims, private_key)


def _seal_or_error(private_key: Any, item: Item) -> Result:
    try:
        return seal(private_key, item)
    except Exception as error:  # a bug: fail this message, not the thread that seals the rest
        log.exception("sealing failed")
        return None, f"sealing failed ({type(error).__name__})"


def _call(done: Done, results: list[Result]) -> None:
    try:
        done(results)
    except Exception:  # the pass's own guard (Sends.SEAL_DEADLINE) then ends it
        log.exception("sealing callback failed")


def key_id(pem: bytes) -> str:
    return hashlib.sha256(pem).hexdigest()[:16]


class _Worker:
    """One worker process. Requests are written without waiting for the answer (the worker
    always has the next chunk queued while the dispatcher builds the one after); a reader
    thread takes the answers, which come in request order, and hands them on."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-P", __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        try:
            self._init()
        except BaseException:  # no thread to read it: the process must not outlive this
            self.proc.kill()
            self.proc.communicate()
            raise

    def _init(self) -> None:
        self.keys: set[str] = set()  # the signing keys this worker has been sent
        # One writer at a time, so `pending` is in request order. The reader takes only
        # `pending_lock`: a writer blocked on a full pipe must not keep it from draining.
        self.write_lock, self.pending_lock = threading.Lock(), threading.Lock()
        self.pending: deque[tuple[float, Any, list[Item], Done]] = deque()
        self.alive = True
        self.reader = threading.Thread(target=self._read, daemon=True, name="seal-reader")
        self.reader.start()

    def submit(self, pem: bytes, private_key: Any, items: list[Item], done: Done) -> bool:
        """False if the worker is gone (the caller seals in its own thread)."""
        kid = key_id(pem)
        with self.write_lock:
            first = kid not in self.keys
            request = pickle.dumps((kid, pem if first else None, items), pickle.HIGHEST_PROTOCOL)
            with self.pending_lock:
                if not self.alive:
                    return False
                self.pending.append((time.monotonic(), private_key, items, done))
            try:
                _write_all(self.proc.stdin, _HEAD.pack(len(request)) + request)
            except OSError:
                return True  # the reader finds the pipe closed and seals what is pending
            self.keys.add(kid)
        return True

    def _read(self) -> None:
        while True:
            try:
                answer = pickle.loads(_read_frame(self.proc.stdout))
            except Exception:  # end of file, a broken frame: this worker is finished
                break
            with self.pending_lock:
                done = self.pending.popleft()[-1]
            _call(done, answer)
        # Kill first: a worker still alive behind a broken frame would block on its answers
        # while a writer blocks on its requests, holding `write_lock`.
        self.proc.kill()
        with self.pending_lock:
            self.alive, owed = False, list(self.pending)
            self.pending.clear()
        for _, private_key, items, done in owed:  # sealed here, so nothing waits for them
            _call(done, [_seal_or_error(private_key, item) for item in items])
        with self.write_lock:  # a write to a dead worker fails at once, so this is quick
            self.proc.stdin.close()
        self.proc.stdout.close()
        self.proc.wait()

    def stalled(self, seconds: float) -> bool:
        with self.pending_lock:
            return bool(self.pending) and time.monotonic() - self.pending[0][0] > seconds

    def close(self) -> None:
        """End the worker: it reads end-of-file and exits; the reader then tidies up."""
        with self.write_lock:
            self.proc.stdin.close()
        self.reader.join(timeout=10)
        if self.reader.is_alive():
            self.proc.kill()
            self.reader.join()


class Sealer:
    """Worker processes shared by a process's dispatch passes. With none (one core), or
    while they are dead or being replaced, sealing happens in the calling thread."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._lock = threading.Lock()
        self._pid = 0
        self._workers: list[_Worker] = []
        self._turn = itertools.count()
        self._replaced = -REPLACE_SECONDS

    def _started(self) -> list[_Worker]:
        if self._pid != os.getpid():
            with self._lock:
                # A forked child (gunicorn, a test's subprocess) must not share the pipes.
                if self._pid != os.getpid():
                    self._workers, self._pid = [], os.getpid()
                    self._replaced = -REPLACE_SECONDS
                    self._replace_dead()
        return self._workers

    def _replace_dead(self) -> None:
        """Under `_lock`: start the missing workers, at most once a REPLACE_SECONDS."""
        if time.monotonic() - self._replaced < REPLACE_SECONDS:
            return
        self._replaced = time.monotonic()
        live = [w for w in self._workers if w.alive]
        try:
            while len(live) < self.processes:
                live.append(_Worker())
        except Exception as error:  # out of processes, memory or descriptors
            log.warning("sealing worker could not start (%s); sealing in the dispatcher", error)
        self._workers = live

    def check(self) -> None:
        """The dispatcher's watchdog, called between waits: a worker that owes an answer for
        longer than STALL_SECONDS is killed (its reader then seals what it owed), and dead
        ones are replaced."""
        if not self.processes or self._pid != os.getpid():
            return
        with self._lock:
            for worker in self._workers:
                if worker.stalled(STALL_SECONDS):
                    log.warning("sealing worker %s stalled; killed", worker.proc.pid)
                    worker.proc.kill()
            if len(self._workers) < self.processes or any(not w.alive for w in self._workers):
                self._replace_dead()

    def submit(self, pem: bytes, private_key: Any, items: list[Item], done: Done) -> None:
        """Seal `items`, then call `done` with the results in order (from another thread
        when a worker sealed them)."""
        workers = self._started() if self.processes else []
        for _ in range(len(workers)):
            if workers[next(self._turn) % len(workers)].submit(pem, private_key, items, done):
                return
        done([seal(private_key, item) for item in items])

    def close(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                for worker in self._workers:
                    worker.close()
            self._workers, self._pid, self._replaced = [], 0, -REPLACE_SECONDS


_sealers: dict[int, Sealer] = {}
_sealers_lock = threading.Lock()


def sealer(processes: int) -> Sealer:
    """The process-wide sealer with this many workers (started on first use)."""
    with _sealers_lock:
        if processes not in _sealers:
            _sealers[processes] = Sealer(processes)
        return _sealers[processes]


@atexit.register
def _close_all() -> None:
    for one in list(_sealers.values()):
        one.close()


def _write_all(stream, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[stream.write(view) :]


def _read_frame(stream) -> bytes:
    head = _read_exactly(stream, _HEAD.size)
    return _read_exactly(stream, _HEAD.unpack(head)[0])


def _read_exactly(stream, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("sealing worker closed its pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _serve(stdin, stdout) -> None:
    """The worker's loop: requests until the dispatcher closes the pipe (or dies)."""
    keys: dict[str, Any] = {}
    while True:
        try:
            kid, pem, items = pickle.loads(_read_frame(stdin))
        except EOFError:
            return
        if pem is not None:
            keys[kid] = serialization.load_pem_private_key(pem, password=None)
        answer = pickle.dumps([seal(keys[kid], item) for item in items], pickle.HIGHEST_PROTOCOL)
        _write_all(stdout, _HEAD.pack(len(answer)) + answer)


if __name__ == "__main__":
    # Answers go to a copy of stdout; stdout itself becomes stderr, so a stray print from a
    # library cannot break the framing.
    answers_fd = os.dup(1)
    os.dup2(2, 1)
    with (
        open(0, "rb", buffering=0, closefd=False) as requests,
        open(answers_fd, "wb", buffering=0) as answers,
    ):
        _serve(requests, answers)
