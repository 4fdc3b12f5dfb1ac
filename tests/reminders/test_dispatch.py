"""End to end through the fake push service: decrypted payloads, VAPID, retries, pruning."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import PushSubscription, Reminder
from tracker.reminders import keys
from tracker.reminders.dispatcher import claim, dispatch_due
from tracker.reminders.outcomes import NO_DEVICE

from ..conftest import AuthActions
from .conftest import SUBJECT, book, log_session, reminders, subscribe

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
STARTS = datetime(2026, 3, 10, 9, tzinfo=UTC)  # Tue 10:00 Berlin
DAY_BEFORE = datetime(2026, 3, 9, 17, tzinfo=UTC)  # Mon 18:00 Berlin


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def only_lead_1440(user_id: int) -> Reminder:
    """Book, then keep just the day-before reminder pending (fewer moving parts)."""
    appt = book(user_id, STARTS)
    for row in reminders(user_id):
        if row.slot != "lead:1440":
            db.session.delete(row)
    db.session.commit()
    return reminders(user_id)[0], appt


def test_it_delivers_an_encrypted_signed_reminder(app, alice, fakepush, clock):
    with app.app_context():
        sub = fakepush.subscribe()
        sub_id = subscribe(alice.id, sub)
        row, appt = only_lead_1440(alice.id)
        clock.move_to(DAY_BEFORE)
        result = dispatch_due()
        assert (result.claimed, result.sent) == (1, 1)
        assert fakepush.errors == []
        [payload] = fakepush.payloads(sub["endpoint"])
        assert payload["title"] == "Massage with Dana tomorrow at 10:00"
        assert payload["body"] == "Tue 10 Mar, 10:00 at Studio Nord."
        url = f"http://localhost:5000/appointments/{appt.id}"  # APP_URL's default
        assert payload["url"] == payload["navigate"] == url
        assert payload["tag"] == f"reminder-{row.id}"
        assert payload["actions"] == [{"action": "open", "title": "Open", "navigate": url}]
        assert "action_token" not in payload  # only hydration has actions to perform
        [delivery] = fakepush.deliveries
        assert delivery.headers["ttl"] == str(16 * 3600)  # until the appointment starts
        assert delivery.headers["urgency"] == "high"
        assert delivery.headers["topic"] == f"reminder-{row.id}"
        assert delivery.claims["aud"] == fakepush.origin
        assert delivery.claims["sub"] == SUBJECT
        assert delivery.claims["exp"] <= DAY_BEFORE.timestamp() + 12 * 3600
        assert delivery.vapid_key == keys.application_server_key(keys.load_vapid())
        row = reminders(alice.id)[0]
        assert (row.status, row.attempts, row.sent_at) == ("sent", 1, DAY_BEFORE)
        assert db.session.get(PushSubscription, sub_id).last_success_at == DAY_BEFORE


def test_every_send_signs_fresh_claims(app, alice, fakepush, clock):
    """No JWT is reused: each push carries claims made at its own send time."""
    with app.app_context():
        sub = fakepush.subscribe()
        subscribe(alice.id, sub)
        book(alice.id, STARTS)
        clock.move_to(DAY_BEFORE)
        dispatch_due()
        clock.move_to(DAY_BEFORE + timedelta(seconds=1))
        assert dispatch_due().sent == 0  # nothing else due yet
        clock.move_to(STARTS - timedelta(hours=2) + timedelta(seconds=7))
        dispatch_due()
        assert fakepush.errors == []
        first, second = fakepush.deliveries
        assert first.claims["exp"] == int(DAY_BEFORE.timestamp()) + 12 * 3600
        assert second.claims["exp"] == int(STARTS.timestamp()) - 2 * 3600 + 7 + 12 * 3600
        assert first.headers["authorization"] != second.headers["authorization"]


@pytest.mark.parametrize("subject", ["ops@backrelief.example", "mailto:", "https://", "mailto:ops"])
def test_a_subject_that_is_not_mailto_or_https_is_refused(app, alice, fakepush, clock, subject):
    app.config["VAPID_SUBJECT"] = subject
    with app.app_context(), pytest.raises(ValueError, match="VAPID_SUBJECT"):
        dispatch_due()


def test_an_endpoint_that_cannot_be_written_is_a_permanent_failure(app, alice, fakepush, clock):
    """Stored before validation got stricter, say: it fails alone, the pass carries on."""
    with app.app_context():
        bad = fakepush.subscribe()
        bad["endpoint"] += "/\u20ac"
        subscribe(alice.id, bad)
        only_lead_1440(alice.id)
        clock.move_to(DAY_BEFORE)
        result = dispatch_due()
        assert (result.claimed, result.failed) == (1, 1)
        assert "unusable endpoint" in reminders(alice.id)[0].last_error


def test_it_sends_each_reminder_exactly_once_across_passes(app, alice, fakepush, clock):
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        book(alice.id, STARTS)
        clock.move_to(DAY_BEFORE)
        for _ in range(3):
            dispatch_due()
        clock.move_to(STARTS - timedelta(hours=2))
        for _ in range(3):
            dispatch_due()
        titles = [p["title"] for p in fakepush.payloads()]
        assert titles == ["Massage with Dana tomorrow at 10:00", "Massage with Dana today at 10:00"]
        assert fakepush.errors == []


def test_nothing_is_sent_before_it_is_due(app, alice, fakepush, clock):
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        book(alice.id, STARTS)
        clock.move_to(DAY_BEFORE - timedelta(seconds=1))
        assert dispatch_due().claimed == 0
        assert fakepush.deliveries == []


def test_every_device_gets_it_and_a_gone_one_is_pruned(app, alice, fakepush, clock):
    with app.app_context():
        phone, laptop = fakepush.subscribe(), fakepush.subscribe()
        subscribe(alice.id, phone, "Phone")
        gone_id = subscribe(alice.id, laptop, "Laptop")
        fakepush.script(laptop["endpoint"], 410)
        only_lead_1440(alice.id)
        clock.move_to(DAY_BEFORE)
        result = dispatch_due()
        assert (result.sent, result.pruned) == (1, 1)
        assert len(fakepush.payloads(phone["endpoint"])) == 1
        assert db.session.get(PushSubscription, gone_id) is None
        assert reminders(alice.id)[0].status == "sent"


def test_a_reminder_whose_only_device_is_gone_fails_and_shows_in_the_app(
    app, alice, fakepush, clock
):
    with app.app_context():
        sub = fakepush.subscribe()
        subscribe(alice.id, sub)
        fakepush.script(sub["endpoint"], 404)
        only_lead_1440(alice.id)
        clock.move_to(DAY_BEFORE)
        dispatch_due()
        row = reminders(alice.id)[0]
        assert row.status == "failed" and row.last_error.startswith(NO_DEVICE)
        assert db.session.scalar(db.select(db.func.count(PushSubscription.id))) == 0


def test_a_pruned_device_shows_the_notice_on_the_cached_home_page(app, alice, fakepush, clock):
    app.config["PAGE_CACHE_SECONDS"] = 60
    with app.app_context():
        sub = fakepush.subscribe()
        subscribe(alice.id, sub)
        only_lead_1440(alice.id)
    clock.move_to(DAY_BEFORE)
    alice_client = app.test_client()
    AuthActions(alice_client).login("alice")
    assert b"No device is set up to receive reminders" not in alice_client.get("/").data  # cached
    fakepush.script(sub["endpoint"], 410)
    with app.app_context():
        assert dispatch_due().pruned == 1
    assert b"No device is set up to receive reminders" in alice_client.get("/").data


def test_a_user_without_devices_gets_an_in_app_notice(app, clock, alice, alice_client, fakepush):
    with app.app_context():
        only_lead_1440(alice.id)
        clock.move_to(DAY_BEFORE)
        result = dispatch_due()
        assert (result.claimed, result.failed) == (1, 1)
        assert reminders(alice.id)[0].last_error == NO_DEVICE
    page = alice_client.get("/reminders").get_data(as_text=True)
    assert "Reminders you missed" in page
    assert "Massage with Dana tomorrow at 10:00" in page


def test_a_server_error_is_retried_with_backoff_and_sent_once(app, alice, fakepush, clock):
    with app.app_context():
        sub = fakepush.subscribe()
        subscribe(alice.id, sub)
        fakepush.script(sub["endpoint"], 500, 503)
        only_lead_1440(alice.id)
        clock.move_to(DAY_BEFORE)
        assert dispatch_due().retried == 1
        row = reminders(alice.id)[0]
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.next_attempt_at == DAY_BEFORE + timedelta(seconds=30)
        assert row.last_error == "Will retry: HTTP 500"
        assert dispatch_due().claimed == 0  # backing off
        clock.move_to(DAY_BEFORE + timedelta(seconds=30))
        dispatch_due()
        assert reminders(alice.id)[0].next_attempt_at == DAY_BEFORE + timedelta(seconds=90)
        clock.move_to(DAY_BEFORE + timedelta(seconds=90))
        assert dispatch_due().sent == 1
        assert len(fakepush.payloads()) == 1
        assert reminders(alice.id)[0].status == "sent"


def test_retries_are_bounded(app, alice, fakepush, clock):
    with app.app_context():
        sub = fakepush.subscribe()
        subscribe(alice.id, sub)
        fakepush.script(sub["endpoint"], *[500] * 10)
        only_lead_1440(alice.id)
        at = DAY_BEFORE
        for _ in range(app.config["REMINDER_MAX_ATTEMPTS"]):
            clock.move_to(at)
            dispatch_due()
            at = reminders(alice.id)[0].next_attempt_at
        row = reminders(alice.id)[0]
        assert row.status == "failed"
        assert row.last_error == "Gave up after 6 attempts: HTTP 500"
        assert len(fakepush.deliveries) == 6


@pytest.mark.parametrize("status", [400, 403, 413])
def test_a_permanent_error_is_recorded(app, alice, fakepush, clock, status):
    with app.app_context():
        sub = fakepush.subscribe()
        sub_id = subscribe(alice.id, sub)
        fakepush.script(sub["endpoint"], status)
        only_lead_1440(alice.id)
        clock.move_to(DAY_BEFORE)
        dispatch_due()
        row = reminders(alice.id)[0]
        assert (row.status, row.last_error) == ("failed", f"HTTP {status}")
        device = db.session.get(PushSubscription, sub_id)
        assert (device.failure_count, device.last_error) == (1, f"HTTP {status}")


def test_a_hanging_push_service_times_out_without_blocking_other_sends(
    app, alice, bob, fakepush, clock
):
    with app.app_context():
        stuck, fine = fakepush.subscribe(), fakepush.subscribe()
        subscribe(alice.id, stuck)
        subscribe(bob.id, fine)
        fakepush.script(stuck["endpoint"], "hang")
        only_lead_1440(alice.id)
        for n in range(4):  # four of bob's reminders, due at the same moment
            db.session.add(
                Reminder(
                    user_id=bob.id,
                    kind="routine_due",
                    subject_id=n,
                    slot="x",
                    due_at=DAY_BEFORE,
                    next_attempt_at=DAY_BEFORE,
                    stale_at=STARTS,
                    payload={"title": f"r{n}"},
                )
            )
        db.session.commit()
        clock.move_to(DAY_BEFORE)
        started = time.perf_counter()
        result = dispatch_due()
        elapsed = time.perf_counter() - started
        assert elapsed < 3, "the hanging endpoint held up the pass"
        assert result.sent == 4
        assert sorted(p["title"] for p in fakepush.payloads(fine["endpoint"])) == [
            "r0",
            "r1",
            "r2",
            "r3",
        ]
        row = reminders(alice.id)[0]
        assert (row.status, row.last_error) == ("pending", "Will retry: timed out")


def test_a_reminder_past_its_staleness_expires_unsent(app, alice, fakepush, clock):
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        book(alice.id, STARTS)
        clock.move_to(STARTS + timedelta(minutes=1))  # dispatcher was down all day
        result = dispatch_due()
        assert result.expired == 2
        statuses = {r.slot: r.status for r in reminders(alice.id, kind="appointment")}
        assert statuses == {"lead:1440": "expired", "lead:120": "expired"}
        assert fakepush.deliveries == []


def test_a_crashed_dispatchers_claims_are_sent_after_the_lease(app, alice, fakepush, clock):
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        only_lead_1440(alice.id)
        clock.move_to(DAY_BEFORE)
        lease = timedelta(seconds=app.config["REMINDER_LEASE_SECONDS"])
        assert claim(DAY_BEFORE, "dead-dispatcher", 100, lease) == 1  # ...and then it died
        assert dispatch_due().claimed == 0
        clock.move_to(DAY_BEFORE + lease + timedelta(seconds=1))
        assert dispatch_due().sent == 1
        assert len(fakepush.payloads()) == 1


def test_hydration_payload_carries_an_action_token(app, alice, fakepush, clock):
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        session = log_session(
            alice.id, NOW - timedelta(minutes=60), kind="self", duration_minutes=60
        )
        clock.move_to(NOW + timedelta(minutes=15))
        dispatch_due()
        [payload] = fakepush.payloads()
        assert payload["title"] == "Time for a glass of water"
        assert payload["url"] == f"http://localhost:5000/sessions/{session.client_id}/edit"
        assert [a["action"] for a in payload["actions"]] == ["drank", "snooze"]
        assert payload["action_token"]
        # Where only navigation is possible, each action opens its one-tap page.
        token = quote(payload["action_token"], safe="")
        assert [a["navigate"] for a in payload["actions"]] == [
            f"http://localhost:5000/act/{token}?do=drank",
            f"http://localhost:5000/act/{token}?do=snooze",
        ]


def test_the_dispatch_command_runs_one_pass(app, alice, fakepush, clock, runner):
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        only_lead_1440(alice.id)
    clock.move_to(DAY_BEFORE)
    result = runner.invoke(args=["reminders", "dispatch"])
    assert result.exit_code == 0, result.output
    assert "claimed=1 sent=1" in result.output
    assert len(fakepush.payloads()) == 1
