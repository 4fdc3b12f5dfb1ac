"""Two clock processes on one PostgreSQL: every reminder goes out once, none is stranded."""

from __future__ import annotations

import re
import signal
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, insert

from tracker import timeutil
from tracker.extensions import db
from tracker.models import PushSubscription, Reminder, User

from .conftest import LEASE, start_clock, wait_until

N = 1000
USERS = 50


def seed(app, fakepush, count: int, users: int) -> list[str]:
    """`count` reminders due now, spread over `users` users with one device each."""
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {"email": f"fleet{i}@example.com", "password_hash": "-", "timezone": "UTC"}
                for i in range(users)
            ],
        )
        ids = list(db.session.scalars(db.select(User.id).order_by(User.id)))
        subs = [fakepush.subscribe() for _ in ids]
        db.session.execute(
            insert(PushSubscription),
            [
                {
                    "user_id": uid,
                    "endpoint": s["endpoint"],
                    "p256dh": s["keys"]["p256dh"],
                    "auth": s["keys"]["auth"],
                }
                for uid, s in zip(ids, subs, strict=True)
            ],
        )
        now = timeutil.now()
        db.session.execute(
            insert(Reminder),
            [
                {
                    "user_id": ids[i % users],
                    "kind": "log_prompt",
                    "subject_id": i,
                    "slot": "end",
                    "due_at": now - timedelta(seconds=1),
                    "next_attempt_at": now - timedelta(seconds=1),
                    "stale_at": now + timedelta(hours=1),
                    "status": "pending",
                    "payload": {"title": f"reminder {i}"},
                }
                for i in range(count)
            ],
        )
        db.session.commit()
    return [s["endpoint"] for s in subs]


def statuses(app) -> Counter:
    with app.app_context():
        found = Counter(db.session.scalars(db.select(Reminder.status)))
        db.session.remove()
        return found


def last_errors(app) -> Counter:
    with app.app_context():
        return Counter(db.session.scalars(db.select(Reminder.last_error)))


def claimed_by_pass(log: str) -> int:
    return sum(int(n) for n in re.findall(r"claimed=(\d+)", log))


def test_two_clocks_deliver_a_thousand_due_reminders_each_exactly_once(
    app, fakepush, fleet_env, processes
):
    for name in ("clock-a", "clock-b"):
        start_clock(processes, name, fleet_env)
    for name in ("clock-a", "clock-b"):  # both up before the burst, so both can take part
        wait_until(lambda n=name: "clock started" in processes.log(n), 60, f"{name} to start")
    seed(app, fakepush, N, USERS)
    wait_until(lambda: statuses(app)["pending"] == 0, 120, f"{N} reminders to leave pending")
    assert statuses(app) == {"sent": N}, (last_errors(app), fakepush.errors[:2])

    ids = Counter(p["id"] for p in fakepush.payloads())
    assert len(ids) == N and set(ids.values()) == {1}, ids.most_common(3)
    assert fakepush.errors == []
    assert len(fakepush.deliveries) == N  # no retry either: every POST was a first delivery

    # Both clocks took part (each logs what its passes claimed), and together claimed each once.
    def claimed() -> list[int]:  # logged once a clock's passes find nothing more
        return [claimed_by_pass(processes.log(n)) for n in ("clock-a", "clock-b")]

    wait_until(lambda: sum(claimed()) >= N, 30, "both clocks to log their passes")
    assert sum(claimed()) == N and min(claimed()) > 0, claimed()


def test_rows_leased_by_a_killed_clock_are_sent_by_the_other_after_the_lease(
    app, fakepush, fleet_env, processes
):
    endpoints = seed(app, fakepush, 40, 4)
    for endpoint in endpoints:
        fakepush.script(endpoint, *["hang"] * 10)  # clock A's sends never complete
    arrivals = []
    handle = fakepush._handle

    def timed(request) -> None:
        arrivals.append(timeutil.now())
        handle(request)

    fakepush._handle = timed
    clock_a = start_clock(processes, "clock-a", fleet_env)

    def leased() -> list:
        with app.app_context():
            rows = db.session.execute(db.select(Reminder.claimed_by, Reminder.claimed_until)).all()
            db.session.remove()
            return rows

    wait_until(
        lambda: all(by for by, _ in leased()) and len(fakepush.deliveries) >= 4,
        60,
        "clock A to lease every row and start sending",
        poll=0.05,
    )
    clock_a.send_signal(signal.SIGKILL)  # no shutdown, no release: the leases stay
    clock_a.wait()
    until = min(until for _, until in leased())
    for endpoint in endpoints:
        fakepush.scripts[endpoint.rsplit("/", 1)[-1]].clear()  # the service recovers
    hung = len(fakepush.deliveries)
    before = len(arrivals)

    start_clock(processes, "clock-b", fleet_env)
    wait_until(lambda: statuses(app)["sent"] == 40, 30 + LEASE, "clock B to send all 40")
    assert min(arrivals[before:]) >= until  # B waited for A's leases to lapse
    wait_until(lambda: claimed_by_pass(processes.log("clock-b")) >= 40, 30, "clock B's log")
    assert claimed_by_pass(processes.log("clock-b")) == 40
    ids = Counter(p["id"] for p in fakepush.payloads())
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert len(fakepush.deliveries) == hung + 40
    with app.app_context():
        assert db.session.scalar(db.select(func.count()).where(Reminder.claimed_by != "")) == 0
