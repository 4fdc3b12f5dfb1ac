"""Delivery health and self-healing subscriptions: plain-word failures, the in-place test
button, the device record the page compares on every open, and VAPID key rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker import timeutil
from tracker.extensions import db
from tracker.models import PushSubscription
from tracker.reminders import keys
from tracker.reminders.health import FALLBACK, UNSUBSCRIBED, plain_error

from .conftest import book, subscribe

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
JSON = {"Accept": "application/json"}


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("HTTP 410: push subscription has unsubscribed or expired", UNSUBSCRIBED),
        ("network error (gaierror)", "We could not reach the push service"),
        ("Will retry: timed out", "did not answer in time"),
        ("HTTP 503: upstream down", "a problem on its side"),
        ("HTTP 429", "slow down"),
        ("HTTP 403: BadJwtToken", "did not accept this site's signature"),
        ("bad subscription keys (bad point)", "registration is damaged"),
        ("HTTP 400: what is this", FALLBACK),
    ],
)
def test_failures_are_told_in_plain_words(error, words):
    assert words in plain_error(error)
    assert "gaierror" not in plain_error(error) and "HTTP" not in plain_error(error)


def test_the_device_list_shows_last_delivery_and_the_last_problem_in_words(
    app, alice, alice_client, fakepush
):
    with app.app_context():
        sub_id = subscribe(alice.id, fakepush.subscribe())
        sub = db.session.get(PushSubscription, sub_id)
        sub.last_error, sub.last_success_at = "network error (gaierror)", NOW
        db.session.commit()
    page = alice_client.get("/settings/devices").get_data(as_text=True)
    assert "last received a reminder" in page
    assert "We could not reach the push service" in page and "gaierror" not in page
    assert "No device gets reminders yet" not in page


@pytest.mark.parametrize(
    ("answer", "ok", "words"),
    [(201, True, "Test sent"), (500, False, "a problem on its side"), (410, False, UNSUBSCRIBED)],
)
def test_the_test_button_answers_in_place(app, alice, alice_client, fakepush, answer, ok, words):
    sub = fakepush.subscribe()
    fakepush.script(sub["endpoint"], answer)
    with app.app_context():
        sub_id = subscribe(alice.id, sub)
    response = alice_client.post(f"/settings/devices/{sub_id}/test", headers=JSON)
    assert response.status_code == 200
    assert response.json["ok"] is ok and words in response.json["message"]
    [delivery] = fakepush.deliveries
    assert delivery.payload["web_push"] == 8030  # the test is declarative too
    assert delivery.payload["notification"]["title"] == "Back Relief test"
    with app.app_context():
        assert (db.session.get(PushSubscription, sub_id) is None) is (answer == 410)


def device(client, endpoint: str):
    return client.get("/api/v1/push/device", query_string={"endpoint": endpoint})


def test_the_device_record_is_mine_only(app, alice, alice_client, bob_client, fakepush):
    sub = fakepush.subscribe()
    assert alice_client.post("/api/v1/push/subscriptions", json=sub).status_code == 201
    mine = device(alice_client, sub["endpoint"]).json
    with app.app_context():
        key = keys.application_server_key(keys.load_vapid())
    assert mine == {"publicKey": key, "registered": True, "currentKey": True, "badge": 0}
    assert device(bob_client, sub["endpoint"]).json["registered"] is False
    assert device(alice_client, "").json["registered"] is False
    assert device(alice_client, "x" * 3000).status_code == 422


def test_the_badge_count_follows_the_data(app, alice, alice_client):
    # The real clock: the test client's sign-in is checked against it.
    with app.app_context():
        appt = book(alice.id, timeutil.now() - timedelta(hours=2))
        assert device(alice_client, "").json["badge"] == 1
        appt.status = "cancelled"
        db.session.commit()
        assert device(alice_client, "").json["badge"] == 0
