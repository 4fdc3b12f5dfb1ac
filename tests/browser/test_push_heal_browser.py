"""Subscriptions that heal themselves and the icon badge, in Chromium (sw-register.js).

Uses test_push_browser's PushManager stub: its subscription lives only as long as the page,
so every new page load starts with "the browser dropped it", as iOS does silently.
navigator.setAppBadge is stubbed to record what the page asked for.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tracker import timeutil
from tracker.extensions import db
from tracker.models import Appointment, PushSubscription

from .conftest import eventually
from .test_push_browser import ENDPOINT, push_page, subscription, turn_on_reminders

__all__ = ["push_page", "subscription"]  # fixtures used below

BADGE = """(() => {
  const calls = JSON.parse(sessionStorage.getItem("badge-calls") || "[]");
  const record = (value) => {
    calls.push(value);
    sessionStorage.setItem("badge-calls", JSON.stringify(calls));
    return Promise.resolve();
  };
  Navigator.prototype.setAppBadge = function (n) { return record(n); };
  Navigator.prototype.clearAppBadge = function () { return record(0); };
})();"""
LAST_BADGE = """() => {
  const calls = JSON.parse(sessionStorage.getItem("badge-calls") || "[]");
  return calls.length ? { last: calls[calls.length - 1], n: calls.length } : null;
}"""


@pytest.fixture
def app_config():
    from tracker.reminders import keys

    # A real-looking contact: the strict fake push service refuses placeholders, as Apple does.
    return {
        "VAPID_PRIVATE_KEY": keys.generate_pem().decode(),
        "VAPID_SUBJECT": "mailto:ops@backrelief.example",
    }


def stored(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(PushSubscription.endpoint)))


def test_a_subscription_dropped_behind_the_pages_back_is_restored_on_the_next_open(push_page, app):
    turn_on_reminders(push_page)
    assert stored(app) == [ENDPOINT]
    # The browser loses it (the stub forgets it on every load) and the server pruned it.
    push_page.evaluate(
        "navigator.serviceWorker.ready.then((r) => r.pushManager.getSubscription())"
        ".then((s) => s && s.unsubscribe())"
    )
    with app.app_context():
        db.session.execute(db.delete(PushSubscription))
        db.session.commit()
    assert stored(app) == []
    push_page.goto("/")
    eventually(push_page, "() => window.__subscribedWith !== undefined")
    for _ in range(100):
        if stored(app) == [ENDPOINT]:
            break
        push_page.wait_for_timeout(50)
    assert stored(app) == [ENDPOINT]


def test_a_device_that_never_turned_reminders_on_is_not_subscribed(push_page, context, app):
    context.add_init_script(BADGE)
    push_page.goto("/")
    eventually(push_page, LAST_BADGE)  # the sync ran (it sets the badge first)
    assert push_page.evaluate("window.__subscribedWith === undefined")
    assert stored(app) == []


def test_the_badge_count_follows_the_data(push_page, context, app, alice):
    context.add_init_script(BADGE)
    push_page.goto("/")
    assert eventually(push_page, LAST_BADGE)["last"] == 0
    with app.app_context():
        appt = Appointment(
            user_id=alice.id, client_id="3c1d9e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
            starts_at=timeutil.now() - timedelta(hours=2), duration_minutes=60,
        )  # fmt: skip
        db.session.add(appt)
        db.session.commit()
        appt_id = appt.id
    push_page.goto("/routines")
    assert eventually(push_page, f"() => (({LAST_BADGE})() || {{}}).last === 1")
    with app.app_context():
        db.session.get(Appointment, appt_id).status = "cancelled"
        db.session.commit()
    push_page.goto("/")
    assert eventually(push_page, f"() => (({LAST_BADGE})() || {{}}).last === 0")
    assert json.loads(push_page.evaluate("sessionStorage.getItem('badge-calls')")) == [0, 1, 0]


def test_the_device_list_never_contradicts_the_status_line(push_page):
    turn_on_reminders(push_page)  # on /reminders, rendered with no device
    status = push_page.locator("[data-push-status]").inner_text()
    assert "Reminders are on for this device" in status
    assert "No device gets reminders yet" not in push_page.inner_text("main")


def test_the_test_button_shows_its_result_in_place(push_page, app, alice):
    from tests.reminders.fakepush import FakePushService

    service = FakePushService()
    try:
        device = service.subscribe()
        with app.app_context():
            db.session.add(
                PushSubscription(
                    user_id=alice.id, endpoint=device["endpoint"], label="Test phone",
                    p256dh=device["keys"]["p256dh"], auth=device["keys"]["auth"],
                )
            )  # fmt: skip
            db.session.commit()
        push_page.goto("/settings/devices")
        url = push_page.url
        push_page.get_by_role("button", name="Send test notification").click()
        result = push_page.locator("[data-push-test-result]")
        eventually(
            push_page,
            "() => document.querySelector('[data-push-test-result]').textContent.length > 9",
        )
        assert "Test sent" in result.inner_text(), result.inner_text()
        assert push_page.url == url  # no reload: the answer is beside the button
        [delivery] = service.deliveries
        assert delivery.payload["notification"]["title"] == "Back Relief test"
    finally:
        service.close()


def test_a_pushed_app_badge_sets_the_icon_badge_from_the_worker(push_page, context, live_server):
    from .test_push_browser import deliver, wait_for_notification

    turn_on_reminders(push_page)
    [worker] = context.service_workers
    worker.evaluate(
        """() => {
          self.__badges = [];
          const record = (n) => { self.__badges.push(n); return Promise.resolve(); };
          Object.defineProperty(self.navigator, "setAppBadge", { value: record, configurable: true });
          Object.defineProperty(self.navigator, "clearAppBadge",
            { value: () => record(0), configurable: true });
        }"""
    )
    message = {
        "web_push": 8030,
        "notification": {
            "title": "Rate your sleep", "body": "How did you sleep?", "lang": "en", "dir": "ltr",
            "navigate": f"{live_server.url}/reminders", "tag": "reminder-77",
            "actions": [{"action": "rate", "title": "Rate sleep",
                         "navigate": f"{live_server.url}/reminders"}],
            "data": {"id": 77, "kind": "sleep_checkin", "url": f"{live_server.url}/reminders"},
        },
        "app_badge": 3,
        "mutable": True,
    }  # fmt: skip
    deliver(push_page, live_server, message)
    shown = wait_for_notification(push_page, "Rate your sleep")
    assert (shown["body"], shown["tag"], shown["actions"]) == (
        "How did you sleep?",
        "reminder-77",
        ["rate"],
    )
    assert worker.evaluate("self.__badges") == [3]
