"""The sender threads' work list for one dispatch pass, and who writes the outcomes.

A sender takes one (reminder, device) pair at a time, only when
- its origin has fewer than its share of the senders in flight (the senders divided by the
  origins with work waiting; all of them when no other origin waits), so a hanging push
  service cannot hold up the others;
- its reminder is already started, or fewer than MAX_UNRECORDED reminders are started and
  not yet recorded: the most a crash can make us send twice;
- the send can finish (the transport's deadline) before the lease ends, less a margin.
A push service that timed out TRIP_AFTER times in a row gets no more sends in the pass: its
pairs are retried later (backoff), so it cannot keep this pass, and the next, waiting.

Messages are built and sealed (encrypted and signed, sealing.py) in chunks of SEAL_CHUNK
pairs, in due order, by one sealing thread that stays ahead of the senders: one round trip
to a sealing worker process per chunk, not per message (that cost the worker a third more
than the crypto itself), and never waiting for the answer, so the worker always has the
next chunk while this thread builds the one after. A sender waits only for its own chunk.

Outcomes are written as group commits: once BATCH_SIZE reminders are finished (or the oldest
has waited BATCH_SECONDS, or the pass is done), the sender that notices writes every finished
reminder in one transaction, one writer at a time, while the others keep sending. A separate
recorder thread had to win the GIL back from eight busy senders at every wake-up and every
statement (milliseconds each), so the window filled and the senders stalled behind it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial

from .push import Outcome, PushMessage, origin
from .sealing import Result

MAX_UNRECORDED = 48  # reminders started and not yet recorded: what a crash can repeat
TRIP_AFTER = 3  # timeouts in a row after which a push service gets no more sends this pass
# A write starts when either is reached and takes everything finished by then. Well under
# MAX_UNRECORDED, so the senders keep going while a write is in progress.
BATCH_SIZE, BATCH_SECONDS = 16, 0.1
SEAL_CHUNK = 32  # pairs sealed per round trip; the first send waits for one chunk (~7 ms)
# A hung worker is killed after sealing.STALL_SECONDS and its chunks sealed here; a chunk
# still unsealed after this is a bug: the pass fails as a crash would, and the error surfaces.
SEAL_DEADLINE = 30.0
SealDone = Callable[[list[Result]], None]
_origin = lru_cache(maxsize=4096)(origin)  # per target and pass; urlsplit caches only 128


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
    # Built by the pass's sealing thread, chunk by chunk, so sending starts before all are.
    make: Callable[[], PushMessage]
    targets: list[Target] = field(default_factory=list)
    message: PushMessage | None = None
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # by target id
    dropped: bool = False  # our lease lapsed and another pass took the row


class Sends:
    """A pass's pairs for the sender threads, and its finished reminders for `write` (called
    by one thread at a time). The dispatcher's thread is woken (`ready`) only when the pass
    is done, a sender failed or the lease needs renewing; it writes a batch itself only when
    no send finishes to do it in time (slow hosts)."""

    def __init__(
        self,
        jobs: list[Job],
        workers: int,
        timeout: float,
        lease_end: float,
        margin: float,
        write: Callable[[list[Job]], None],
    ) -> None:
        self.workers, self.timeout, self.margin, self.lease_end = (
            workers,
            timeout,
            margin,
            lease_end,
        )
        self.write = write
        self.writing = False  # a thread is writing a batch: one at a time
        self.queues: dict[str, deque[tuple[int, Job, Target]]] = {}  # only origins with pairs
        self.left: dict[int, int] = {}  # pairs not finished, per reminder
        self.started: set[int] = set()
        self.lost: set[int] = set()  # rows another pass took after our lease lapsed
        self.unrecorded = 0  # started and not yet recorded
        self.busy: Counter[str] = Counter()
        self.timeouts: Counter[str] = Counter()
        self.finished: list[Job] = []
        self.first_done = 0.0  # when the oldest of `finished` was
        self.ready = threading.Event()
        self.outstanding = len(jobs)  # neither handed to the recorder nor dropped
        self.cond = threading.Condition(threading.Lock())
        self.stopped = self.failed = self.wants_lease = False
        self.sleepers = 0  # senders waiting on `cond`: nobody to notify is the common case
        self.shared = any(len(job.targets) > 1 for job in jobs)  # a reminder on several devices
        self.pairs: list[tuple[Job, Target]] = []  # in due order: pair n is pairs[n]
        for job in jobs:
            self.left[job.reminder_id] = len(job.targets)
            if not job.targets:
                self._hand_over(job)
            for target in job.targets:
                n = len(self.pairs)
                self.queues.setdefault(_origin(target.endpoint), deque()).append((n, job, target))
                self.pairs.append((job, target))
        self.sealed: list[Result | None] = [None] * len(self.pairs)
        chunks = -(-len(self.pairs) // SEAL_CHUNK)
        self.chunk_done = [threading.Event() for _ in range(chunks)]

    def work(self, send: Callable[[Target, PushMessage, Result], Outcome]) -> None:
        try:
            while (pick := self._take()) is not None:
                name, n, job, target = pick
                sealed, waited = self._wait_sealed(n)
                if sealed is None:
                    return  # stopped while waiting
                if waited and not self._still_ours(name, n, job, target):
                    continue
                batch = self._finish(name, job, target, send(target, job.message, sealed))
                if batch:
                    self.record(batch)
        except BaseException:
            self._fail()
            raise

    def seal(self, seal: Callable[[list[tuple[Target, PushMessage]], SealDone], None]) -> None:
        """The sealing thread: build each chunk's messages in due order and hand the chunk
        to `seal`, which calls back when it is sealed (from a worker's reader thread)."""
        try:
            for chunk, done in enumerate(self.chunk_done):
                if self.stopped:
                    return
                first = chunk * SEAL_CHUNK
                pairs = self.pairs[first : first + SEAL_CHUNK]
                for job, _ in pairs:
                    if job.message is None:  # a reminder's devices share one (one token)
                        job.message = job.make()
                seal(
                    [(target, job.message) for job, target in pairs],
                    partial(self._sealed, first, done),
                )
        except BaseException:
            self._fail()
            raise

    def _sealed(self, first: int, done: threading.Event, results: list[Result]) -> None:
        try:
            self.sealed[first : first + len(results)] = results
        finally:
            done.set()  # whatever happened: a sender finds a missing seal, not a silent wait

    def _wait_sealed(self, n: int) -> tuple[Result | None, bool]:
        """Pair n's sealed request, and whether the sender had to wait for it; None only if
        the pass stopped meanwhile."""
        done = self.chunk_done[n // SEAL_CHUNK]
        waited = not done.is_set()
        deadline = time.monotonic() + SEAL_DEADLINE
        while not done.wait(BATCH_SECONDS):
            if self.stopped:
                return None, waited
            if time.monotonic() > deadline:
                raise RuntimeError(f"pair {n} not sealed within {SEAL_DEADLINE:.0f} s")
        if self.sealed[n] is None:
            raise RuntimeError(f"pair {n} has no sealed request")
        return self.sealed[n], waited

    def _still_ours(self, name: str, n: int, job: Job, target: Target) -> bool:
        """After waiting for its chunk (a worker was replaced, say): the row may have gone
        to another pass, or the lease run short. Then the pair is dropped, or goes back to
        wait for the renewal, instead of being sent."""
        with self.cond:
            if job.reminder_id in self.lost:
                self.busy[name] -= 1
                self._settle(job, drop=True)
            elif time.monotonic() + self.timeout + self.margin > self.lease_end:
                self.busy[name] -= 1
                self.queues.setdefault(name, deque()).appendleft((n, job, target))
                self.wants_lease = True
                self.ready.set()
            else:
                return True
            self._wake()
            return False

    def _fail(self) -> None:
        self.failed = True  # a bug: the pass stops as a crash would; the error surfaces
        self.stop()
        self.ready.set()

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self._wake()

    @property
    def done(self) -> bool:
        """Every reminder recorded (or dropped): the pass may end."""
        return not (self.outstanding or self.finished or self.writing)

    def due(self) -> list[Job] | None:
        """For the dispatcher's thread: the batch to write now, if any."""
        with self.cond:
            return self._take_batch()

    def record(self, batch: list[Job]) -> None:
        """Write `batch`, then whatever else became due meanwhile (group commits)."""
        while batch:
            self.write(batch)
            with self.cond:
                self.unrecorded -= sum(job.reminder_id in self.started for job in batch)
                self.writing = False
                batch = self._take_batch()
                if self.done:
                    self.ready.set()
                self._wake()

    def _take_batch(self) -> list[Job] | None:
        """Under `cond`: every finished reminder, once a write is due and none is running.
        Nothing after a failure: the pass stops as a crash would."""
        if self.writing or self.failed or not self.finished:
            return None
        if (
            len(self.finished) < BATCH_SIZE
            and self.outstanding
            and time.monotonic() < self.first_done + BATCH_SECONDS
        ):
            return None
        batch, self.finished, self.writing = self.finished, [], True
        return batch

    def wait(self) -> None:
        """The dispatcher's thread: until a batch is overdue, the pass is done, a sender
        failed or the lease needs renewing (also how often the lease is looked at)."""
        with self.cond:
            wait = BATCH_SECONDS
            if self.finished and not self.writing:
                wait = self.first_done + BATCH_SECONDS - time.monotonic()
        self.ready.wait(max(0.0, wait))
        self.ready.clear()

    def extend(self, lease_end: float, held: set[int]) -> None:
        """After renewing the lease: rows we no longer hold (another pass took them after our
        lease lapsed) get no more sends from us."""
        with self.cond:
            self.lease_end, self.wants_lease = lease_end, False
            lost = {rid for rid, left in self.left.items() if left and rid not in held}
            self.lost |= lost
            for name, pairs in list(self.queues.items()):
                keep = deque(p for p in pairs if p[1].reminder_id not in lost)
                for _, job, _ in (p for p in pairs if p[1].reminder_id in lost):
                    self._settle(job, drop=True)
                self.queues[name] = keep
                if not keep:
                    del self.queues[name]
            self._wake()

    def _take(self) -> tuple[str, int, Job, Target] | None:
        with self.cond:
            while not self.stopped and self.queues:
                if time.monotonic() + self.timeout + self.margin > self.lease_end:
                    self.wants_lease = True  # the recorder renews it
                    self.ready.set()
                else:
                    pick = self._pick()
                    if pick is not None:
                        return pick
                self.sleepers += 1
                self.cond.wait(BATCH_SECONDS)
                self.sleepers -= 1
            return None

    def _share(self) -> int:
        if len(self.queues) > 1:
            return max(1, -(-self.workers // len(self.queues)))
        return self.workers

    def _pick(self) -> tuple[str, int, Job, Target] | None:
        share = self._share()
        best = None
        for name, pairs in self.queues.items():
            if self.busy[name] < share:
                i = self._eligible(pairs)
                if i is not None and (best is None or pairs[i][0] < best[2]):
                    best = (name, i, pairs[i][0])
        if best is None:
            return None
        name, i, _ = best
        pairs = self.queues[name]
        n, job, target = pairs.popleft() if i == 0 else pairs[i]
        if i:
            del pairs[i]
        if not pairs:
            del self.queues[name]
        self.busy[name] += 1
        if job.reminder_id not in self.started:
            self.started.add(job.reminder_id)
            self.unrecorded += 1
        return name, n, job, target

    def _eligible(self, pairs: deque) -> int | None:
        """The first pair in due order, or with the window full the first of a started
        reminder (so a reminder whose other devices were sent is never starved)."""
        if self.unrecorded < MAX_UNRECORDED:
            return 0
        if not self.shared:
            return None  # one device each: every started reminder is in flight, none queued
        return next(
            (i for i, (_, job, _) in enumerate(pairs) if job.reminder_id in self.started), None
        )

    def _finish(self, name: str, job: Job, target: Target, outcome: Outcome) -> list[Job] | None:
        """Note the outcome; returns a batch for this sender to write, if one is due."""
        with self.cond:
            # Only a sender held back by this origin's share can use the freed slot; the
            # window frees in record(). Waking every sleeper for nothing costs GIL hand-overs.
            wake = self.busy[name] >= self._share()
            self.busy[name] -= 1
            no_answer = outcome.result == "retry" and outcome.status is None
            self.timeouts[name] = self.timeouts[name] + 1 if no_answer else 0
            job.outcomes[target.id] = outcome
            self._settle(job)
            if self.timeouts[name] >= TRIP_AFTER:
                skipped = Outcome(
                    "retry",
                    error=f"not tried: {outcome.error} {TRIP_AFTER} times "
                    "in a row from this push service",
                )
                for _, other, other_target in self.queues.pop(name, ()):
                    other.outcomes[other_target.id] = skipped
                    self._settle(other)
                wake = True
            if wake:
                self._wake()
            return self._take_batch()

    def _wake(self) -> None:
        if self.sleepers:
            self.cond.notify_all()

    def _settle(self, job: Job, *, drop: bool = False) -> None:
        self.left[job.reminder_id] -= 1
        if drop:
            job.dropped = True
        if self.left[job.reminder_id] == 0:
            if job.dropped:  # its row is no longer ours to record
                self.unrecorded -= job.reminder_id in self.started
                self.outstanding -= 1
                if self.done:
                    self.ready.set()
            else:
                self._hand_over(job)

    def _hand_over(self, job: Job) -> None:
        if not self.finished:
            self.first_done = time.monotonic()
        self.finished.append(job)
        self.outstanding -= 1
