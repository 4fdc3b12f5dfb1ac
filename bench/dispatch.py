"""Reminder dispatch: 10,000 due reminders to a push receiver on loopback vs the encrypt-only
ceiling; peak memory; lateness under the real clock process with the real dispatch interval."""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from .common import BIN, OUT, ROOT, app_env, free_port, make_db, wait_for

N = 10_000
USERS = 1_000  # ten reminders each, one device each
RUNS = 3  # throughput: best of three, alternating with the ceiling
SPREAD = 60  # seconds over which the lateness run's reminders fall due
INTERVAL = 10  # REMINDER_DISPATCH_SECONDS: the production default
PAYLOAD = {
    "title": "How was your massage with Dana?",
    "body": "Tap to log pain, mood and notes.",
    "url": "/sessions/new?appointment=1234",
    "actions": [{"action": "open", "title": "Open"}],
}


# --- shared with bench/soak.py ---------------------------------------------------------------


@contextmanager
def push_sink():
    """The fast receiver in its own process (its own core), so it does not steal our GIL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.pushsink", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        proc.stdout.readline()
        wait_for(base + "/stats")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def sink_get(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return json.loads(response.read())


def rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class RssSampler:
    """Peak resident memory while a block runs, sampled every 10 ms in a thread."""

    def __init__(self) -> None:
        self.start = self.peak = rss_kb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_kb())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.end = rss_kb()
        self.peak = max(self.peak, self.end)


def bench_env(name: str, sink: str, **extra: str) -> dict[str, str]:
    from tracker.reminders.keys import generate_pem

    return {
        **app_env(make_db(name)),
        "VAPID_PRIVATE_KEY": generate_pem().decode(),
        "VAPID_SUBJECT": "mailto:bench@backrelief.example",
        "APP_URL": "https://bench.backrelief.app",  # required in production mode
        "PUSH_ENDPOINT_ALLOWLIST": sink,
        "REMINDER_DISPATCH_SECONDS": str(INTERVAL),
        **extra,
    }


def build_schema() -> str:
    """Migrate; fall back to create_all() while the migration lags behind the models."""
    from flask_migrate import upgrade
    from sqlalchemy import inspect

    from tracker.extensions import db

    upgrade()
    inspector = inspect(db.engine)
    missing = [
        f"{t.name}.{c.name}"
        for t in db.metadata.sorted_tables
        for c in t.columns
        if t.name in inspector.get_table_names()
        and c.name not in {col["name"] for col in inspector.get_columns(t.name)}
    ]
    missing += [t.name for t in db.metadata.sorted_tables if not inspector.has_table(t.name)]
    if not missing:
        return "`flask db upgrade`"
    db.drop_all()
    db.create_all()
    return f"`db.create_all()` (the migration lacks {', '.join(sorted(missing))})"


def client_keys() -> tuple[str, str]:
    """A browser's half of a subscription: a P-256 public key and an auth secret."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    return b64(public), b64(secrets.token_bytes(16))


def seed_users(sink: str, count: int, prefix: str = "ok", start: int = 0) -> list[int]:
    """`count` users with one device each at the sink; returns their ids."""
    from sqlalchemy import insert

    from tracker.extensions import db
    from tracker.models import PushSubscription, User

    emails = [f"bench{start + i}@example.com" for i in range(count)]
    db.session.execute(
        insert(User), [{"email": e, "password_hash": "-", "timezone": "UTC"} for e in emails]
    )
    ids = list(
        db.session.scalars(db.select(User.id).where(User.email.in_(emails)).order_by(User.id))
    )
    keys = [client_keys() for _ in ids]
    db.session.execute(
        insert(PushSubscription),
        [
            {"user_id": uid, "endpoint": f"{sink}/push/{prefix}-{uid}", "p256dh": p, "auth": a}
            for uid, (p, a) in zip(ids, keys, strict=True)
        ],
    )
    db.session.commit()
    return ids


def seed_reminders(
    user_ids: list[int], dues: list[datetime], slot: str, stale: timedelta, kind: str = "log_prompt"
) -> None:
    """One pending reminder per due time, spread round-robin over the users."""
    from sqlalchemy import insert

    from tracker.extensions import db
    from tracker.models import Reminder

    rows = [
        {
            "user_id": user_ids[i % len(user_ids)],
            "kind": kind,
            "subject_id": i,
            "slot": slot,
            "due_at": due,
            "next_attempt_at": due,
            "stale_at": due + stale,
            "status": "pending",
            "payload": PAYLOAD,
        }
        for i, due in enumerate(dues)
    ]
    for chunk in range(0, len(rows), 2000):
        db.session.execute(insert(Reminder), rows[chunk : chunk + 2000])
    db.session.commit()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


# --- measurements ------------------------------------------------------------------------------


def encrypt_ceiling(count: int) -> float:
    """Messages per second for encryption (RFC 8291) + VAPID signing (RFC 8292) alone."""
    from pywebpush import WebPusher

    from tracker.extensions import db
    from tracker.models import PushSubscription
    from tracker.reminders.push import VAPID_LIFETIME, PushConfig, encode, origin

    config = PushConfig.from_app()
    subs = list(db.session.scalars(db.select(PushSubscription).limit(100)))
    payload = {**PAYLOAD, "tag": "reminder-12345", "id": 12345, "kind": "log_prompt"}
    exp = int((datetime.now(UTC) + VAPID_LIFETIME).timestamp())
    started = time.perf_counter()
    for i in range(count):
        sub = subs[i % len(subs)]
        # Signed for every message with pywebpush's own signer, as its webpush() does.
        config.vapid.sign({"aud": origin(sub.endpoint), "exp": exp, "sub": config.subject})
        info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
        WebPusher(info).encode(encode(payload))
    return count / (time.perf_counter() - started)


def dispatch_throughput(sink: str, users: list[int], run: int) -> dict:
    """N due reminders through the real dispatcher path, in-process, to the receiver."""
    from tracker.reminders.dispatcher import dispatch_until_idle

    seed_reminders(
        users, [datetime.now(UTC) - timedelta(minutes=1)] * N, f"due{run}", timedelta(hours=2)
    )
    sink_get(sink, "/reset")
    with RssSampler() as rss:
        started = time.perf_counter()
        result = dispatch_until_idle()
        elapsed = time.perf_counter() - started
    received = sink_get(sink, "/stats")["count"]
    return {
        "elapsed": elapsed,
        "rate": result.sent / elapsed,
        "sent": result.sent,
        "received": received,
        "rss_start": rss.start,
        "rss_peak": rss.peak,
        "rss_end": rss.end,
    }


def lateness(sink: str, env: dict[str, str], user_ids: list[int]) -> dict:
    """The real clock process: N reminders due over SPREAD s; due_at vs arrival at the receiver."""
    from tracker.extensions import db
    from tracker.models import Reminder

    sink_get(sink, "/reset")
    start = datetime.now(UTC) + timedelta(seconds=8)  # the clock is up and past its first pass
    dues = [start + timedelta(seconds=SPREAD * i / N) for i in range(N)]
    seed_reminders(user_ids, dues, "late", timedelta(hours=1))
    due_by_id = {
        rid: due
        for rid, due in db.session.execute(
            db.select(Reminder.id, Reminder.due_at).where(Reminder.slot == "late")
        )
    }
    log = (OUT / "dispatch-clock.log").open("w")
    clock = subprocess.Popen(
        [str(BIN / "flask"), "--app", "tracker", "reminders", "run"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 8 + SPREAD + INTERVAL + 60
    try:
        while sink_get(sink, "/stats")["count"] < N and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        clock.send_signal(signal.SIGTERM)
        clock.wait(timeout=60)
        log.close()
    received = sink_get(sink, "/stats")["received"]
    late = [
        t - due_by_id[int(topic.split("-")[1])].timestamp()
        for topic, t in received
        if topic.startswith("reminder-") and int(topic.split("-")[1]) in due_by_id
    ]
    return {
        "count": len(late),
        "p50": statistics.median(late),
        "p99": percentile(late, 99),
        "max": max(late),
        "min": min(late),
    }


def run() -> dict:
    from tracker import create_app

    with push_sink() as sink:
        env = bench_env("dispatch", sink)
        os.environ.update(env)
        app = create_app()
        with app.app_context():
            schema = build_schema()
            users = seed_users(sink, USERS)
            # Best of RUNS for both, alternating, because this machine is shared and noisy.
            ceilings, runs = [], []
            for run in range(RUNS):
                ceilings.append(encrypt_ceiling(N // 2))
                runs.append(dispatch_throughput(sink, users, run))
            ceiling = max(ceilings)
            through = {
                **max(runs, key=lambda r: r["rate"]),
                "rss_start": runs[0]["rss_start"],
                "rss_peak": max(r["rss_peak"] for r in runs),
                "rss_end": runs[-1]["rss_end"],
                "all": [r["rate"] for r in runs],
                "ceilings": ceilings,
            }
            late = lateness(sink, env, users)
    return {
        "schema": schema,
        "ceiling": ceiling,
        "dispatch": through,
        "lateness": late,
        "workers": app.config["PUSH_WORKERS"],
        "markdown": markdown(
            schema,
            ceiling,
            through,
            late,
            app.config["PUSH_WORKERS"],
            app.config["PUSH_SEAL_PROCESSES"],
        ),
    }


def markdown(
    schema: str, ceiling: float, through: dict, late: dict, workers: int, sealers: int
) -> list[str]:
    ratio = through["rate"] / ceiling
    target = INTERVAL + 2
    ok = lambda flag: "met" if flag else "**missed**"  # noqa: E731
    return [
        "## 3. Reminder dispatch (SQLite, receiver on loopback in its own process)",
        "",
        f"{N:,} due reminders for {USERS:,} users (one device each) through `dispatch_until_idle()` "
        f"(batches of 500, {workers} sender threads, {sealers} sealing worker process(es)), each "
        f"encrypted (aes128gcm), VAPID-signed and POSTed to a minimal asyncio receiver answering "
        f"201. Ceiling: the same encryption and signing in a single-threaded loop, no HTTP, no "
        f"database. The receiver runs in its own process; on a 2-core machine the dispatcher's "
        f"threads, its sealing worker and the receiver share the two cores. Schema: {schema}.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| encrypt + sign ceiling (best of {RUNS}) | {ceiling:,.0f} msg/s "
        f"({', '.join(f'{c:,.0f}' for c in through['ceilings'])}) |",
        f"| dispatcher (best of {RUNS}) | {through['rate']:,.0f} msg/s "
        f"({', '.join(f'{r:,.0f}' for r in through['all'])}) |",
        f"| ratio | {ratio:.2f}× |",
        f"| received by the receiver | {through['received']:,} |",
        f"| RSS before / peak during / after the {RUNS} runs | {through['rss_start'] / 1024:.0f} / "
        f"{through['rss_peak'] / 1024:.0f} / {through['rss_end'] / 1024:.0f} MiB |",
        f"| lateness p50 / p99 / max | {late['p50']:.2f} / {late['p99']:.2f} / {late['max']:.2f} s |",
        "",
        f"Lateness: `flask reminders run` (the clock process, dispatch every {INTERVAL} s) with "
        f"{N:,} reminders falling due evenly over {SPREAD} s; lateness = arrival at the receiver "
        f"− `due_at`, {late['count']:,} arrivals.",
        "",
        f"Target dispatcher ≥ 0.5× ceiling: {ratio:.2f}× — {ok(ratio >= 0.5)}. "
        f"Target lateness p99 ≤ {target} s: {late['p99']:.2f} s — {ok(late['p99'] <= target)}.",
        "",
        *HISTORY,
    ]


# Measured once while fixing the dispatcher (not re-run by `make bench`): the old and new code
# alternated in one process, 3,000 messages each, on the machine above.
HISTORY = [
    "Profiling (py-spy, pyinstrument, cProfile; 2026-11-22): the first measurement reached "
    "180–196 msg/s, 4.6–4.9 ms of CPU per message, **0.13–0.14×** of a 1,403 msg/s ceiling. "
    "Causes and fixes, in order of cost:",
    "",
    "1. `record()` issued one UPDATE per reminder and one per device, half of each pass: now "
    "one statement per kind of verdict and one UPDATE for every device that accepted.",
    "2. requests re-read proxies, `.netrc` and the CA bundle from the environment on every "
    "POST (~1 ms) and added ~1 ms of its own; urllib3 alone still cost 0.9 ms more than "
    "http.client. POSTs now go over pooled keep-alive connections (`transport.py`).",
    "3. `load_jobs()` built full ORM objects for every claimed row: now only the columns it needs.",
    "4. Every send signs fresh VAPID claims with py_vapid's JWT signer called directly "
    "(`Vapid02.sign()` deep-copies and re-validates the claims and re-serialises the public "
    "key each time: ~0.1 ms instead of ~0.2 ms).",
    "5. http.client parsed every reply's headers with the `email` package (~0.1 ms): the "
    "transport writes the request and reads the reply itself.",
    "6. One executor task per message cost ~0.1 ms of bookkeeping: each sender thread now "
    "takes the next message from a shared list.",
    "",
    "After 1–3, with the JWT reused: 0.41–0.47× in full runs. After 4–6, signing every send: "
    "0.60–0.64× in a same-process comparison (3,000 messages, alternating with the ceiling).",
    "",
    "Recording as sends finish (issue 12, 2026-11-30): a recorder thread had to win the GIL "
    "back from eight senders at every wake-up and statement, so the 48-reminder window filled "
    "(2,144 waits per 10,000 messages). Now the sender that finds 16 finished writes them all "
    "in one transaction (group commit), senders build the messages: ~100–300 waits.",
    "",
    "Encryption off the GIL (issue 12, 2026-11-30): encryption and signing were 43% of the "
    "dispatcher's CPU (py-spy). Against a ceiling of ~4,300 msg/s, before: 1,220–1,350 msg/s. "
    "In a worker process, one message per round trip: 1,320–1,550 (the worker spent a third "
    "more on the trip than on the crypto). 32 per round trip, the sealing thread waiting for "
    "each answer: 1,820–1,890 (the worker was busy half the time; senders waited 21 of 40 "
    "thread-seconds for their chunk). Requests written without waiting, answers taken by a "
    "reader thread: 2,010–2,610 (0.51–0.59× alternating with the ceiling). Reading the pass's rows by "
    "primary key instead of scanning for `claimed_by` (no index): load_jobs 0.68 → 0.45 s a "
    "run of 10,000.",
    "",
]


if __name__ == "__main__":
    print("\n".join(run()["markdown"]))
