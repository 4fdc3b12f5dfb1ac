"""Soak: the clock's dispatch job over 20 simulated minutes of load, watching memory.

The clock's own job function (`clock.dispatch_job`) runs every REMINDER_DISPATCH_SECONDS of
simulated time (time_machine moves the clock; the work is real) against the fast receiver on
loopback. Every simulated minute a wave of reminders is planned: bulk rows due over the next
minute plus appointments booked through the real planning signal. A few devices answer 503
every other time (retries) and a few are gone (410: pruned). Resident memory is sampled
every SAMPLE_EVERY passes. A benchmark, not a test: it reports, it does not assert.
"""

from __future__ import annotations

import gc
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from .dispatch import (
    INTERVAL,
    bench_env,
    build_schema,
    push_sink,
    rss_kb,
    seed_reminders,
    seed_users,
    sink_get,
)

MINUTES = 20
WAVE = 300  # bulk reminders per simulated minute
BOOKINGS = 10  # appointments booked per simulated minute
SAMPLE_EVERY = 10  # passes
WARMUP = 20  # passes before the "steady" baseline


def book(user_id: int, starts_at: datetime) -> None:
    """Book like the routines capability: change, signal (re-plans reminders), one commit."""
    from tracker.extensions import db
    from tracker.models import Appointment
    from tracker.signals import appointment_changed

    appt = Appointment(
        user_id=user_id,
        client_id=str(uuid.uuid4()),
        starts_at=starts_at,
        duration_minutes=60,
        therapist_name="Dana",
        location="Studio Nord",
    )
    db.session.add(appt)
    db.session.flush()
    appointment_changed.send(appt)
    db.session.commit()


def counts(last_pass: datetime) -> dict[str, int]:
    """Reminders by status; "overdue" = pending rows the last pass should have sent."""
    from tracker.extensions import db
    from tracker.models import Reminder

    rows = db.session.execute(db.select(Reminder.status, db.func.count()).group_by(Reminder.status))
    overdue = db.session.scalar(
        db.select(db.func.count()).where(
            Reminder.status == "pending", Reminder.next_attempt_at <= last_pass
        )
    )
    return {**dict(rows.all()), "overdue": overdue}


def run() -> dict:
    import time_machine

    from tracker import create_app
    from tracker.reminders.clock import dispatch_job

    rng = random.Random(8)
    with push_sink() as sink:
        env = bench_env("soak", sink)
        os.environ.update(env)
        app = create_app()
        start = datetime.now(UTC).replace(microsecond=0)
        samples: list[tuple[int, int, int]] = []  # pass, simulated seconds, RSS KiB
        with app.app_context():
            schema = build_schema()
            users = seed_users(sink, 300)
            users += seed_users(sink, 20, prefix="flaky", start=300)
            users += seed_users(sink, 10, prefix="gone", start=320)
        started = time.perf_counter()
        rss_start = rss_kb()
        with time_machine.travel(start, tick=False) as clock:
            passes = MINUTES * 60 // INTERVAL
            for n in range(passes):
                now = start + timedelta(seconds=n * INTERVAL)
                clock.move_to(now)
                if n % (60 // INTERVAL) == 0:  # a new simulated minute: plan a wave
                    with app.app_context():
                        dues = [now + timedelta(seconds=rng.uniform(0, 60)) for _ in range(WAVE)]
                        # A kind no booking re-plans (bookings own appointment and log_prompt
                        # rows with the appointment's id as subject).
                        seed_reminders(
                            rng.choices(users, k=WAVE),
                            dues,
                            f"w{n}",
                            timedelta(minutes=30),
                            kind="sleep_checkin",
                        )
                        for _ in range(BOOKINGS):
                            book(rng.choice(users), now + timedelta(minutes=rng.randint(125, 180)))
                dispatch_job(app)
                if n % SAMPLE_EVERY == 0 or n == passes - 1:
                    gc.collect()
                    samples.append((n, n * INTERVAL, rss_kb()))
        elapsed = time.perf_counter() - started
        with app.app_context():
            statuses = counts(now)
        received = sink_get(sink, "/stats")["count"]
    return {"markdown": markdown(schema, samples, rss_start, elapsed, statuses, received)}


def markdown(
    schema: str,
    samples: list[tuple[int, int, int]],
    rss_start: int,
    elapsed: float,
    statuses: dict[str, int],
    received: int,
) -> list[str]:
    mib = lambda kb: kb / 1024  # noqa: E731
    steady = next((rss for n, _, rss in samples if n >= WARMUP), samples[0][2])
    end, peak = samples[-1][2], max(rss for *_, rss in samples)
    overdue = statuses.pop("overdue")
    planned = sum(statuses.values())
    lines = [
        "## 5. Soak: the clock's dispatch job under load (memory)",
        "",
        f"{MINUTES} simulated minutes, one `dispatch_job` pass per {INTERVAL} s of simulated time "
        f"({len(range(0, MINUTES * 60, INTERVAL))} passes, real work, {elapsed:.0f} s wall). Each "
        f"minute: {WAVE} reminders due over the next minute and {BOOKINGS} appointments booked "
        f"through the planning signal; 330 users, 20 devices answering 503 every other time, "
        f"10 gone (410). Receiver on loopback in its own process. Schema: {schema}.",
        "",
        "| pass | simulated min | RSS MiB |",
        "|---:|---:|---:|",
    ]
    lines += [f"| {n} | {seconds / 60:.1f} | {mib(rss):.1f} |" for n, seconds, rss in samples[::2]]
    if samples[-1] not in samples[::2]:
        n, seconds, rss = samples[-1]
        lines.append(f"| {n} | {seconds / 60:.1f} | {mib(rss):.1f} |")
    outcome = ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))
    lines += [
        "",
        f"RSS before the loop {mib(rss_start):.1f} MiB; after warm-up (pass {WARMUP}) "
        f"{mib(steady):.1f} MiB; peak {mib(peak):.1f} MiB; end {mib(end):.1f} MiB — "
        f"{mib(end - steady):+.1f} MiB from warm-up to end.",
        f"Reminders: {planned:,} planned ({outcome}); pending ones are due after the last "
        f"pass, {overdue} of them overdue; {received:,} requests reached the receiver "
        f"(retries included). Failed = users whose only device was gone.",
        "",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(run()["markdown"]))
