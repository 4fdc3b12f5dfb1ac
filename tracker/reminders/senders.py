"""The sender threads' work list for one dispatch pass (dispatcher.py records and renews).

A sender takes one (reminder, device) pair at a time, only when
- its origin has fewer than its share of the senders in flight (the senders divided by the
  origins with work waiting; all of them when no other origin waits), so a hanging push
  service cannot hold up the others;
- its reminder is already started, or fewer than MAX_UNRECORDED reminders are started and
  not yet recorded: the most a crash can make us send twice;
- the send can finish (the transport's deadline) before the lease ends, less a margin.
A push service that timed out TRIP_AFTER times in a row gets no more sends in the pass: its
pairs are retried later (backoff), so it cannot keep this pass, and the next, waiting.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .push import Outcome, PushMessage, origin

MAX_UNRECORDED = 48  # reminders started and not yet recorded: what a crash can repeat
TRIP_AFTER = 3  # timeouts in a row after which a push service gets no more sends this pass
BATCH_SIZE, BATCH_SECONDS = 32, 0.1  # the recorder writes when either is reached


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
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # by target id
    dropped: bool = False  # our lease lapsed and another pass took the row


class Sends:
    """A pass's pairs for the sender threads, and finished reminders for the recorder, which
    is woken (`ready`) only when a batch is full, the pass is done or the lease needs renewing:
    waking it for every reminder cost a tenth of the throughput in GIL hand-overs."""

    def __init__(
        self, jobs: list[Job], workers: int, timeout: float, lease_end: float, margin: float
    ) -> None:
        self.workers, self.timeout, self.margin, self.lease_end = (
            workers,
            timeout,
            margin,
            lease_end,
        )
        self.queues: dict[str, deque[tuple[int, Job, Target]]] = {}  # only origins with pairs
        self.left: dict[int, int] = {}  # pairs not finished, per reminder
        self.started: set[int] = set()
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
        n = 0
        for job in jobs:
            self.left[job.reminder_id] = len(job.targets)
            if not job.targets:
                self._hand_over(job)
            for target in job.targets:
                self.queues.setdefault(origin(target.endpoint), deque()).append((n, job, target))
                n += 1

    def work(self, send: Callable[[Target, PushMessage], Outcome]) -> None:
        try:
            while (pick := self._take()) is not None:
                name, job, target = pick
                self._finish(name, job, target, send(target, job.message))
        except BaseException:
            self.failed = True  # a bug: the pass stops as a crash would; the error surfaces
            self.stop()
            self.ready.set()
            raise

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self._wake()

    def batch(self) -> list[Job] | None:
        """Finished reminders to record now (perhaps none); None once all are recorded."""
        with self.cond:
            if not self.finished:
                return None if self.outstanding == 0 else []
            if (
                len(self.finished) < BATCH_SIZE
                and self.outstanding
                and time.monotonic() < self.first_done + BATCH_SECONDS
            ):
                return []
            batch, self.finished = self.finished[:BATCH_SIZE], self.finished[BATCH_SIZE:]
            self.first_done = time.monotonic()
            return batch

    def recorded(self, jobs: list[Job]) -> None:
        with self.cond:
            self.unrecorded -= sum(job.reminder_id in self.started for job in jobs)
            self._wake()

    def extend(self, lease_end: float, held: set[int]) -> None:
        """After renewing the lease: rows we no longer hold (another pass took them after our
        lease lapsed) get no more sends from us."""
        with self.cond:
            self.lease_end, self.wants_lease = lease_end, False
            lost = {rid for rid, left in self.left.items() if left and rid not in held}
            for name, pairs in list(self.queues.items()):
                keep = deque(p for p in pairs if p[1].reminder_id not in lost)
                for _, job, _ in (p for p in pairs if p[1].reminder_id in lost):
                    self._settle(job, drop=True)
                self.queues[name] = keep
                if not keep:
                    del self.queues[name]
            self._wake()

    def _take(self) -> tuple[str, Job, Target] | None:
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

    def _pick(self) -> tuple[str, Job, Target] | None:
        share = self.workers
        if len(self.queues) > 1:
            share = max(1, -(-self.workers // len(self.queues)))
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
        _, job, target = pairs.popleft() if i == 0 else pairs[i]
        if i:
            del pairs[i]
        if not pairs:
            del self.queues[name]
        self.busy[name] += 1
        if job.reminder_id not in self.started:
            self.started.add(job.reminder_id)
            self.unrecorded += 1
        return name, job, target

    def _eligible(self, pairs: deque) -> int | None:
        """The first pair in due order, or with the window full the first of a started
        reminder (so a reminder whose other devices were sent is never starved)."""
        if self.unrecorded < MAX_UNRECORDED:
            return 0
        return next(
            (i for i, (_, job, _) in enumerate(pairs) if job.reminder_id in self.started), None
        )

    def _finish(self, name: str, job: Job, target: Target, outcome: Outcome) -> None:
        with self.cond:
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
            self._wake()

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
                if not self.outstanding:
                    self.ready.set()
            else:
                self._hand_over(job)

    def _hand_over(self, job: Job) -> None:
        if not self.finished:
            self.first_done = time.monotonic()
        self.finished.append(job)
        self.outstanding -= 1
        if len(self.finished) == BATCH_SIZE or not self.outstanding:
            self.ready.set()
