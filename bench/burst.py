"""The morning burst: 30,000 reminders for 10,000 users due in the same minute, delivered by
1 clock process and then by 2; and the routine planning job at 10,000 to 100,000 users.

PostgreSQL when BENCH_DATABASE_URL is set (its tables are dropped and rebuilt), SQLite
otherwise. `python -m bench.burst [--reminders N --users N --plan-users N ... --skip-burst]`.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import time
from datetime import UTC, datetime, timedelta

from .common import BIN, OUT, ROOT, make_db
from .dispatch import (
    bench_env,
    build_schema,
    percentile,
    push_sink,
    seed_reminders,
    seed_users,
    sink_get,
)
from .planning import LEGACY_USERS, PLAN_USERS, planning, planning_markdown

REMINDERS = 30_000
USERS = 10_000
INTERVAL = 10  # REMINDER_DISPATCH_SECONDS: the production default
LEAD = 5  # seconds between the clocks going idle and the burst falling due


def database_url() -> tuple[str, str]:
    url = os.environ.get("BENCH_DATABASE_URL")
    return (url, "PostgreSQL") if url else (make_db("burst"), "SQLite")


def fresh_schema() -> str:
    from sqlalchemy import text

    from tracker.extensions import db

    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    try:
        return build_schema()
    except SystemExit:  # flask_migrate exits on a failed upgrade (e.g. two heads mid-merge)
        db.session.rollback()
        db.drop_all()
        db.create_all()
        return "`db.create_all()` (`flask db upgrade` failed: see the log above)"


def peak_kb(pid: int) -> int:
    """VmHWM: the process's peak resident memory so far."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every core and process."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / tick, sum(ticks) / tick


def done(slot: str) -> int:
    """Burst reminders the clocks have finished with (recorded as sent or given up)."""
    from tracker.extensions import db
    from tracker.models import Reminder

    finished = db.session.scalar(
        db.select(db.func.count())
        .select_from(Reminder)
        .where(Reminder.slot == slot, Reminder.status != "pending")
    )
    db.session.commit()  # no transaction left open between polls
    return finished


def wait_for_planning(logs: list, deadline: float) -> None:
    """Until every clock has logged its start-up routine planning: the burst is measured on
    idle clocks, not on clocks still planning (the hourly job runs at start-up)."""
    while time.monotonic() < deadline:
        if all("planned routine-due reminders" in log.read_text() for log in logs):
            return
        time.sleep(0.5)
    raise RuntimeError("the clocks did not finish their start-up planning")


def burst(
    sink: str, env: dict[str, str], users: list[int], clocks: int, count: int, sealers: int
) -> dict:
    """`count` reminders due at one instant, `clocks` clock processes already running, each
    with `sealers` sealing worker processes."""
    from tracker.extensions import db
    from tracker.models import Reminder

    sink_get(sink, "/reset")
    slot = f"burst{clocks}-{sealers}"
    env = {**env, "PUSH_SEAL_PROCESSES": str(sealers)}
    later = datetime.now(UTC) + timedelta(days=1)  # out of reach until the clocks are idle
    seed_reminders(users, [later] * count, slot, timedelta(hours=2), "sleep_checkin")
    ids = set(db.session.scalars(db.select(Reminder.id).where(Reminder.slot == slot)))
    db.session.remove()
    procs, logs = [], [OUT / f"burst-clock{clocks}-{sealers}-{i}.log" for i in range(clocks)]
    for path in logs:
        with path.open("w") as log:
            procs.append(
                subprocess.Popen(
                    [str(BIN / "flask"), "--app", "tracker", "reminders", "run"],
                    cwd=ROOT,
                    env={**os.environ, **env},
                    stdout=log,
                    stderr=log,
                )
            )
    try:
        wait_for_planning(logs, time.monotonic() + 600)
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD)
        db.session.execute(
            db.update(Reminder)
            .where(Reminder.slot == slot)
            .values(due_at=due, next_attempt_at=due, stale_at=due + timedelta(hours=2))
        )
        db.session.commit()
        db.session.remove()
        load_before = os.getloadavg()[0]
        first, deadline = None, time.monotonic() + LEAD + 600
        # Progress from the database, not the receiver: serialising its growing list of
        # arrivals every poll would take CPU from the run being measured.
        while (finished := done(slot)) < count and time.monotonic() < deadline:
            if first is None and finished:
                # CPU is counted from the first delivery, over the same span as throughput.
                first = [cpu_seconds(p.pid) for p in procs], machine_cpu()
            time.sleep(0.25)
        busy, total = machine_cpu()
        cpu_before, (busy_before, total_before) = first or ([0.0] * len(procs), (busy, total))
        cpu = [cpu_seconds(p.pid) - c for p, c in zip(procs, cpu_before, strict=True)]
        peaks = [peak_kb(p.pid) for p in procs]
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=600)
    mine = [
        (int(topic.split("-")[1]), t)
        for topic, t in sink_get(sink, "/stats")["received"]
        if topic.startswith("reminder-") and int(topic.split("-")[1]) in ids
    ]
    arrivals = [t for _, t in mine]
    late = [t - due.timestamp() for t in arrivals]
    span = max(arrivals) - min(arrivals)
    return {
        "clocks": clocks,
        "sealers": sealers,
        "received": len(arrivals),
        "distinct": len({rid for rid, _ in mine}),
        "rate": len(arrivals) / span if span else float("nan"),
        "p50": statistics.median(late),
        "p99": percentile(late, 99),
        "max": max(late),
        "peak_mib": [kb / 1024 for kb in peaks],
        # Where the cores went: the clocks' CPU seconds (per message, all clocks together),
        # and how busy the whole machine (other jobs included) was while the burst lasted.
        "clock_cpu_s": cpu,
        "cpu_per_msg_ms": sum(cpu) / count * 1000,
        "clock_cores": sum(cpu) / span if span else float("nan"),
        "machine_busy": (busy - busy_before) / (total - total_before),
        "load": (load_before, os.getloadavg()[0]),
    }


def run(
    reminders: int = REMINDERS,
    users: int = USERS,
    plan_users: tuple[int, ...] = PLAN_USERS,
    *,
    burst_runs: bool = True,
    legacy_users: int = LEGACY_USERS,
) -> dict:
    from tracker import create_app

    url, engine = database_url()
    with push_sink() as sink:
        env = bench_env(
            "burst",
            sink,
            DATABASE_URL=url,
            REMINDER_DISPATCH_SECONDS=str(INTERVAL),
            SECRET_KEY="burst-" + "b" * 58,  # production rules: long enough
            APP_URL="https://bench.backrelief.app",
        )
        os.environ.update(env)
        app = create_app()
        with app.app_context():
            schema = fresh_schema()
            runs = []
            if burst_runs:
                user_ids = seed_users(sink, users)
                # Scale-out is measured with one core a clock (no sealing workers), as each
                # clock would have on its own machine; the third run is one clock as deployed
                # here, with its sealing worker on the other core (the dispatch benchmark, §3).
                runs = [
                    burst(sink, env, user_ids, clocks, reminders, sealers)
                    for clocks, sealers in ((1, 0), (2, 0), (1, 1))
                ]
            plans = planning(plan_users, legacy_users) if plan_users else None
    result = {"engine": engine, "schema": schema, "runs": runs, "planning": plans}
    result["markdown"] = markdown(result, reminders, users, app.config["PUSH_WORKERS"])
    return result


def markdown(r: dict, reminders: int, users: int, workers: int) -> list[str]:
    lines = [
        f"## 6. The morning burst ({r['engine']}, receiver on loopback in its own process)",
        "",
    ]
    if r["runs"]:
        lines += burst_markdown(r, reminders, users, workers)
    if r["planning"]:
        lines += planning_markdown(r["planning"])
    return lines


def burst_markdown(r: dict, reminders: int, users: int, workers: int) -> list[str]:
    one, two, sealed = r["runs"]
    speedup = two["rate"] / one["rate"]
    verdict = "met" if speedup >= 1.6 else "**missed**"
    lines = [
        f"{reminders:,} reminders for {users:,} users (one device each) all due at the same "
        f"second, delivered by `flask reminders run` processes (dispatch every {INTERVAL} s, "
        f"batches of 500 under a lease, {workers} sender threads each). The burst falls due "
        f"{LEAD} s after every clock has finished its start-up routine planning, so planning "
        "is outside the measured window. Lateness = arrival at the receiver − `due_at`; "
        f"throughput = arrivals / (last − first arrival). Schema: {r['schema']}.",
        "",
        "| clocks | sealing workers each | received (distinct) | throughput | "
        "lateness p50 / p99 / max | "
        "peak RSS per clock | clock CPU per msg | cores used by clocks | machine busy | "
        "load before / after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in r["runs"]:
        lines.append(
            f"| {run['clocks']} | {run['sealers']} | {run['received']:,} ({run['distinct']:,}) | "
            f"{run['rate']:,.0f} msg/s | "
            f"{run['p50']:.1f} / {run['p99']:.1f} / {run['max']:.1f} s | "
            f"{' / '.join(f'{m:.0f}' for m in run['peak_mib'])} MiB | "
            f"{run['cpu_per_msg_ms']:.2f} ms | {run['clock_cores']:.2f} | "
            f"{run['machine_busy']:.0%} | "
            f"{run['load'][0]:.1f} / {run['load'][1]:.1f} |"
        )
    engine = r["engine"] == "PostgreSQL"
    return [
        *lines,
        "",
        f"2-clock speed-up: {speedup:.2f}× — target ≥ 1.6× on PostgreSQL: "
        f"{verdict if engine else 'n/a on SQLite'} (one core a clock, no sealing workers: the "
        "speed-up needs a free core per clock). One clock with its sealing worker on the other "
        f"core: {sealed['rate'] / one['rate']:.2f}× the single-core clock.",
        "",
    ]


if __name__ == "__main__":
    import json

    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=REMINDERS)
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--plan-users", type=int, nargs="*", default=list(PLAN_USERS))
    parser.add_argument("--legacy-users", type=int, default=LEGACY_USERS)
    parser.add_argument("--skip-burst", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("BACK_RELIEF_BENCH", "1")
    out = run(
        args.reminders,
        args.users,
        tuple(args.plan_users),
        burst_runs=not args.skip_burst,
        legacy_users=args.legacy_users,
    )
    print("\n".join(out["markdown"]))
    print(json.dumps({k: v for k, v in out.items() if k != "markdown"}, default=str))
