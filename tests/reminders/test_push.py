"""push.classify: Retry-After in both RFC 9110 forms, and the dispatcher honouring it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import insert

from tracker.extensions import db
from tracker.models import Reminder
from tracker.reminders.dispatcher import dispatch_due
from tracker.reminders.push import MAX_RETRY_AFTER, classify, retry_after_seconds

from .conftest import reminders, subscribe

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)  # a Sunday


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120),
        (" 0 ", 0),
        ("Sun, 01 Mar 2026 12:01:30 GMT", 90),  # IMF-fixdate
        ("Sunday, 01-Mar-26 12:05:00 GMT", 300),  # obsolete RFC 850 form
        ("Sun Mar  1 12:00:07 2026", 7),  # obsolete asctime form (no zone: GMT)
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0),  # already past: retry now
        ("Sun, 01 Mar 2026 12:00:00 GMT", 0),
        ("99999999", MAX_RETRY_AFTER),
        ("9" * 5000, MAX_RETRY_AFTER),  # int() would refuse it
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("\xb2", None),  # a digit to str.isdigit, not to int()
        ("Sun, 32 Mar 2026 12:00:00 GMT", None),
    ],
)
def test_retry_after_is_read_in_both_forms(value, seconds):
    assert retry_after_seconds(value, NOW) == seconds


def test_classify_uses_retry_after_only_for_retryable_answers():
    date = "Sun, 01 Mar 2026 12:02:00 GMT"
    assert classify(503, b"", date, NOW).retry_after == 120
    assert classify(429, b"slow down", "30", NOW).retry_after == 30
    assert classify(500, b"", "", NOW).retry_after is None
    assert classify(413, b"", "30", NOW).result == "permanent"
    assert classify(201, b"", "30", NOW).ok


def test_classify_reads_the_clock_when_not_given_one():
    with time_machine.travel(NOW, tick=False):
        assert classify(503, b"", "Sun, 01 Mar 2026 12:10:00 GMT").retry_after == 600


@pytest.mark.parametrize("retry_after", ["600", "Sun, 01 Mar 2026 12:10:00 GMT"])
def test_the_dispatcher_waits_as_long_as_the_service_asked(app, alice, fakepush, retry_after):
    with app.app_context(), time_machine.travel(NOW, tick=False):
        sub = fakepush.subscribe()
        subscribe(alice.id, sub)
        fakepush.script(sub["endpoint"], (503, {"Retry-After": retry_after}))
        db.session.execute(
            insert(Reminder),
            [
                {
                    "user_id": alice.id,
                    "kind": "log_prompt",
                    "subject_id": 1,
                    "slot": "end",
                    "due_at": NOW,
                    "next_attempt_at": NOW,
                    "stale_at": NOW + timedelta(hours=2),
                    "status": "pending",
                    "payload": {"title": "How was it?"},
                }
            ],
        )
        db.session.commit()
        assert dispatch_due().retried == 1
        [row] = reminders(alice.id)
        assert row.next_attempt_at == NOW + timedelta(minutes=10)  # not the 30 s backoff
