"""The clock process: its schedule, and a real `flask reminders run` that stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from tracker import timeutil
from tracker.extensions import db
from tracker.models import Reminder
from tracker.reminders.clock import build_scheduler

from .conftest import subscribe

ROOT = Path(__file__).resolve().parents[2]


def test_the_schedule_dispatches_on_an_interval_and_plans_routines(app):
    app.config["REMINDER_DISPATCH_SECONDS"] = 7
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"dispatch", "routines"}
    assert jobs["dispatch"].trigger.interval == timedelta(seconds=7)
    assert jobs["dispatch"].max_instances == 1


def test_the_clock_sends_due_reminders_and_exits_cleanly_on_sigterm(
    app, alice, fakepush, vapid_pem, tmp_path
):
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        now = timeutil.now()
        db.session.add(
            Reminder(
                user_id=alice.id,
                kind="log_prompt",
                subject_id=1,
                slot="end",
                due_at=now - timedelta(seconds=5),
                next_attempt_at=now,
                stale_at=now + timedelta(hours=1),
                payload={"title": "How was your massage?", "url": "/"},
            )
        )
        db.session.commit()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "BACK_RELIEF_DEV": "1",
        "VAPID_PRIVATE_KEY": vapid_pem,
        "VAPID_SUBJECT": "mailto:ops@backrelief.example",
        "PUSH_ENDPOINT_ALLOWLIST": fakepush.origin,
        "REMINDER_DISPATCH_SECONDS": "1",
    }
    flask = str(Path(sys.executable).with_name("flask"))
    process = subprocess.Popen(
        [flask, "--app", "tracker", "reminders", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert fakepush.arrived.wait(30), "the clock sent nothing"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "reminder clock stopped" in stderr
    assert [p["title"] for p in fakepush.payloads()] == ["How was your massage?"]
    assert fakepush.errors == []
