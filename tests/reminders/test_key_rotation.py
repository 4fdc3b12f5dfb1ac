"""VAPID key rotation (`flask push rotate-keys`): nothing is signed with a key a subscription
was not made for; the device list asks for the app to be opened; a renewed one gets reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import PushSubscription, Reminder
from tracker.reminders import keys
from tracker.reminders.dispatcher import dispatch_due
from tracker.reminders.outcomes import NO_DEVICE

from .conftest import book, reminders, subscribe
from .fakepush import b64d

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def device(client, endpoint: str):
    return client.get("/api/v1/push/device", query_string={"endpoint": endpoint})


@pytest.fixture
def app_config(app_config):
    return {**app_config, "VAPID_PRIVATE_KEY": None}  # the key lives in instance/, as in dev


def test_after_a_key_rotation_old_subscriptions_get_nothing_until_renewed(
    app, alice, alice_client, runner, fakepush
):
    assert runner.invoke(args=["push", "init-keys"]).exit_code == 0
    sub = fakepush.subscribe()
    with app.app_context():
        subscribe(alice.id, sub)  # made before keys were recorded: vapid_key ''
        old = keys.current_public_key()
    result = runner.invoke(args=["push", "rotate-keys", "--yes"])
    assert result.exit_code == 0, result.output
    app.extensions.pop("push_config", None)  # what a restart does
    with app.app_context():
        new = keys.current_public_key()
        assert new != old
        assert db.session.scalar(db.select(PushSubscription.vapid_key)) == old
    assert device(alice_client, sub["endpoint"]).json["currentKey"] is False
    page = alice_client.get("/settings/devices").get_data(as_text=True)
    assert "Open Back Relief on this device to keep getting reminders" in page

    with time_machine.travel(NOW, tick=False), app.app_context():
        book(alice.id, NOW + timedelta(days=1, hours=1))
        [row] = [r for r in reminders(alice.id) if r.slot == "lead:1440"]
        with time_machine.travel(row.due_at, tick=False):
            dispatch_due()
        assert fakepush.deliveries == []  # never signed with a key it was not made for
        assert db.session.get(Reminder, row.id).last_error == NO_DEVICE

    # The page re-subscribes (sw-register.js) and posts the new subscription.
    renewed = fakepush.subscribe()
    assert alice_client.post("/api/v1/push/subscriptions", json=renewed).status_code == 201
    assert device(alice_client, renewed["endpoint"]).json["currentKey"] is True
    with app.app_context():
        row = db.session.get(Reminder, row.id)
        row.status, row.claimed_until = "pending", None
        db.session.commit()
        with time_machine.travel(row.due_at, tick=False):
            assert dispatch_due().sent == 1
    [delivery] = fakepush.deliveries
    assert b64d(delivery.vapid_key) == b64d(new)
