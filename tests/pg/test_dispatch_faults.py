"""PostgreSQL goes away under the clock: its connections are terminated between and during
passes, and the clock reconnects and carries on (a restart looks the same to a client)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import create_engine, insert, text
from sqlalchemy.pool import NullPool

from tests.conftest import TEST_DATABASE_URL
from tracker.config import normalise_database_url
from tracker.extensions import db
from tracker.models import PushSubscription, Reminder
from tracker.reminders import dispatcher
from tracker.reminders.clock import dispatch_job
from tracker.reminders.dispatcher import dispatch_due

from .conftest import needs_postgres

pytestmark = needs_postgres
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
TERMINATE = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


@pytest.fixture
def app_config(app_config, monkeypatch, request):
    """Configure the database the way production does (DATABASE_URL → pool_pre_ping)."""
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL or "")
    return {**app_config, **getattr(request, "param", {})}


def terminate_others() -> int:
    """Kill every other backend on this database from a connection outside the app's pool."""
    engine = create_engine(normalise_database_url(TEST_DATABASE_URL), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(TERMINATE).scalar_one()
    finally:
        engine.dispose()


def seed(app, user_id: int, fakepush, dues: list[datetime]) -> None:
    with app.app_context():
        sub = fakepush.subscribe()
        db.session.add(
            PushSubscription(
                user_id=user_id,
                endpoint=sub["endpoint"],
                p256dh=sub["keys"]["p256dh"],
                auth=sub["keys"]["auth"],
            )
        )
        db.session.execute(
            insert(Reminder),
            [
                {
                    "user_id": user_id,
                    "kind": "log_prompt",
                    "subject_id": n,
                    "slot": "end",
                    "due_at": due,
                    "next_attempt_at": due,
                    "stale_at": due + timedelta(hours=2),
                    "status": "pending",
                    "payload": {"title": f"reminder {n}"},
                }
                for n, due in enumerate(dues)
            ],
        )
        db.session.commit()


def statuses(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(Reminder.status).order_by(Reminder.id)))


def test_production_config_pings_pooled_connections(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_the_next_clock_pass_after_a_restart_reconnects_and_sends(app, alice, fakepush, caplog):
    seed(app, alice.id, fakepush, [T0, T0 + timedelta(seconds=20)])
    caplog.set_level(logging.INFO, logger="tracker.reminders.clock")
    with time_machine.travel(T0, tick=False) as clock:
        dispatch_job(app)
        assert statuses(app) == ["sent", "pending"]
        assert terminate_others() >= 1  # the clock's idle pooled connection died
        clock.move_to(T0 + timedelta(seconds=20))
        dispatch_job(app)
    assert statuses(app) == ["sent", "sent"]
    assert [p["title"] for p in fakepush.payloads()] == ["reminder 0", "reminder 1"]
    assert "dispatch pass failed" not in caplog.text


def test_connections_killed_during_the_sends_do_not_lose_the_outcomes(
    app, alice, fakepush, monkeypatch
):
    seed(app, alice.id, fakepush, [T0] * 5)
    real_send, killed, lock = dispatcher.send_push, [], threading.Lock()

    def send_then_restart(*args, **kwargs):
        outcome = real_send(*args, **kwargs)
        with lock:  # once, from one sender thread
            if not killed:
                killed.append(terminate_others())
        return outcome

    monkeypatch.setattr(dispatcher, "send_push", send_then_restart)
    with time_machine.travel(T0, tick=False), app.app_context():
        result = dispatch_due()
    assert killed and killed[0] >= 1
    assert (result.claimed, result.sent) == (5, 5)  # recorded on a fresh connection
    assert statuses(app) == ["sent"] * 5
    assert len(fakepush.payloads()) == 5


@pytest.mark.parametrize("app_config", [{"SQLALCHEMY_ENGINE_OPTIONS": {}}], indirect=True)
def test_without_pre_ping_the_clock_survives_a_failed_pass_and_recovers(
    app, alice, fakepush, caplog
):
    """Even without pre-ping, a pass that meets a dead connection only fails that pass."""
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    seed(app, alice.id, fakepush, [T0, T0 + timedelta(seconds=20)])
    caplog.set_level(logging.INFO, logger="tracker.reminders.clock")
    with time_machine.travel(T0, tick=False) as clock:
        dispatch_job(app)
        assert terminate_others() >= 1
        clock.move_to(T0 + timedelta(seconds=20))
        dispatch_job(app)  # meets the dead connection: this pass fails, the clock goes on
        assert statuses(app) == ["sent", "pending"]
        assert "dispatch pass failed" in caplog.text  # logged and rolled back, not raised
        dispatch_job(app)
    assert statuses(app) == ["sent", "sent"]
    assert len(fakepush.payloads()) == 2


def test_a_pass_claims_no_more_than_its_limit(app, alice, fakepush):
    """Regression: UPDATE … IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) claimed 3× the limit."""
    seed(app, alice.id, fakepush, [T0] * 30)
    with app.app_context():
        assert dispatcher.claim(T0, "one-pass", 10, timedelta(seconds=60)) == 10
        claimed = db.session.scalar(
            db.select(db.func.count()).where(Reminder.claimed_by == "one-pass")
        )
    assert claimed == 10
