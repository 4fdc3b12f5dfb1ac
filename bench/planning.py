"""The clock's hourly routine planning (`plan_all_routines()`) at 10,000 to 100,000 users:
time, peak memory, and the same users planned one routine at a time for a ratio. Run as part
of bench/burst.py, in its app context and database.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from datetime import date, datetime, timedelta

from .dispatch import RssSampler

PLAN_USERS = (10_000, 30_000, 100_000)
LEGACY_USERS = 2_000  # users planned both ways, one routine at a time and in bulk, for a ratio


def seed_routines(start: int, count: int) -> None:
    """`count` users from plan{start} on, one routine each (fortnightly, due soon), in
    multi-row inserts of 10,000 (100,000 users take seconds, not minutes)."""
    from sqlalchemy import insert

    from tracker.extensions import db
    from tracker.models import Routine, User

    anchor = date.today() - timedelta(days=13)
    for chunk in range(start, start + count, 10_000):
        size = min(10_000, start + count - chunk)
        rows = [
            {"email": f"plan{chunk + i}@example.com", "password_hash": "-", "timezone": "UTC"}
            for i in range(size)
        ]
        ids = db.session.scalars(insert(User).returning(User.id), rows).all()
        db.session.execute(
            insert(Routine), [{"user_id": u, "name": "Massage", "anchor_date": anchor} for u in ids]
        )
        db.session.commit()


def clear_reminders() -> None:
    from tracker.extensions import db
    from tracker.models import Reminder

    db.session.execute(db.delete(Reminder))
    db.session.commit()
    db.session.remove()


def walk(limit: int, plan_chunk) -> float:
    """Seconds to plan the first `limit` users 500 a transaction with `plan_chunk(users, now)`."""
    from tracker import timeutil
    from tracker.extensions import db
    from tracker.models import User

    ids = list(db.session.scalars(db.select(User.id).order_by(User.id).limit(limit)))
    now = timeutil.now()
    started = time.perf_counter()
    for i in range(0, len(ids), 500):
        users = list(db.session.scalars(db.select(User).where(User.id.in_(ids[i : i + 500]))))
        plan_chunk(users, now)
        db.session.commit()
    elapsed = time.perf_counter() - started
    db.session.remove()
    return elapsed


def one_at_a_time(users: list, now: datetime) -> None:
    """The hourly job before bulk loading: each routine planned alone (~6 queries each)."""
    from tracker.extensions import db
    from tracker.models import Routine
    from tracker.reminders.schedule import replan_routine
    from tracker.routines import queries

    for user in users:
        last_done = queries.last_done_dates(user.id, user.timezone)
        for routine in db.session.scalars(db.select(Routine).where(Routine.user_id == user.id)):
            replan_routine(routine, now, last_done)


def compare(limit: int) -> dict:
    """Both ways on the same users, alternated twice, each from an empty reminder table."""
    from tracker.reminders.nudges import plan_routines

    times: dict[str, list[float]] = {"one_at_a_time": [], "bulk": []}
    for _ in range(2):
        for name, fn in (("one_at_a_time", one_at_a_time), ("bulk", plan_routines)):
            clear_reminders()
            times[name].append(walk(limit, fn))
    best = {name: min(t) for name, t in times.items()}
    return {"users": limit, "times": times, "speedup": best["one_at_a_time"] / best["bulk"]}


def planning(sizes: tuple[int, ...], legacy_users: int = LEGACY_USERS) -> dict:
    """plan_all_routines() in-process at each size: from an empty reminder table (every user
    gets a new nudge) and again (nothing to change); time, peak RSS and peak traced memory."""
    from tracker.extensions import db
    from tracker.models import User
    from tracker.reminders.schedule import plan_all_routines

    db.session.execute(db.delete(User))  # the burst's users have no routines: start clean
    db.session.commit()
    results, seeded, legacy = [], 0, None
    for size in sizes:
        started = time.perf_counter()
        seed_routines(seeded, size - seeded)
        seed_seconds = time.perf_counter() - started
        seeded = size
        db.session.remove()
        if legacy is None and legacy_users:
            legacy = compare(min(legacy_users, size))
        clear_reminders()
        with RssSampler() as rss:
            started = time.perf_counter()
            planned = plan_all_routines()
            elapsed = time.perf_counter() - started
        db.session.remove()
        started = time.perf_counter()
        plan_all_routines()  # the usual hourly run: every nudge already planned
        again = time.perf_counter() - started
        db.session.remove()
        # tracemalloc's peak counts what planning itself holds at once; RSS alone would hide
        # it under memory the seeding freed but the process kept. Its own run: it slows
        # allocation-heavy code down.
        clear_reminders()
        tracemalloc.start()
        plan_all_routines()
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.session.remove()
        results.append(
            {
                "users": planned,
                "seed_seconds": seed_seconds,
                "seconds": elapsed,
                "per_user_ms": elapsed / planned * 1000,
                "again_seconds": again,
                "rss_growth_mib": (rss.peak - rss.start) / 1024,
                "traced_peak_mib": traced_peak / 2**20,
                "load": os.getloadavg(),
            }
        )
    return {"sizes": results, "compare": legacy}


def planning_markdown(plans: dict) -> list[str]:
    lines = [
        "Routine planning (`plan_all_routines()`, the clock's hourly job), one routine per "
        "user, users walked 500 per transaction. First run: every user gets a new nudge (an "
        "empty reminder table); again: the usual hourly run, nothing to change. Peak traced "
        "memory: tracemalloc's peak in a separate first run.",
        "",
        "| users | seeding | first run | per user | again | peak traced memory | "
        "peak RSS growth | load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in plans["sizes"]:
        lines.append(
            f"| {p['users']:,} | {p['seed_seconds']:.1f} s | {p['seconds']:.1f} s | "
            f"{p['per_user_ms']:.3f} ms | {p['again_seconds']:.1f} s | "
            f"{p['traced_peak_mib']:.1f} MiB | {p['rss_growth_mib']:.1f} MiB | "
            f"{p['load'][0]:.1f} |"
        )
    c = plans["compare"]
    if c:
        one, bulk = (
            ", ".join(f"{t:.1f}" for t in c["times"][k]) for k in ("one_at_a_time", "bulk")
        )
        lines += [
            "",
            f"Same {c['users']:,} users planned one routine at a time (the job before bulk "
            f"loading) in {one} s and in bulk in {bulk} s: {c['speedup']:.1f}× faster "
            "(best of two each, alternated).",
        ]
    small, large = plans["sizes"][0], plans["sizes"][-1]
    flat = large["traced_peak_mib"] <= 1.5 * small["traced_peak_mib"] + 1
    return [
        *lines,
        "",
        f"Target memory flat in the number of users ({small['users']:,} → {large['users']:,}): "
        f"peak traced {small['traced_peak_mib']:.1f} → {large['traced_peak_mib']:.1f} MiB — "
        f"{'met' if flat else '**missed**'}.",
        "",
    ]
