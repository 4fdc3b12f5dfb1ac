"""Push reminders in the browser: subscribe, receive through the service worker, act on it.

PushManager.subscribe cannot reach a real push service here, so an init script stubs it with
keys this test generated; pushes are delivered into the worker with the CDP
ServiceWorker.deliverPushMessage, and notifications read back with getNotifications().
"""

from __future__ import annotations

import base64
import json
import os
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tracker import timeutil
from tracker.extensions import db
from tracker.models import Appointment, PushSubscription, Reminder, WaterIntake
from tracker.reminders import dispatcher, keys

from .conftest import eventually, login
from .test_pwa_browser import CONTROLLED

APPOINTMENT_UUID = "9b2f0a4c-6d1e-4f3a-8b7c-5e4d3c2b1a09"
ENDPOINT = "https://fcm.googleapis.com/fcm/send/browser-test-device"
STUB = """(() => {
  const sub = %s;
  const bytes = (s) => Uint8Array.from(
    atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - s.length %% 4) %% 4)),
    (c) => c.charCodeAt(0)).buffer;
  let current = null;
  PushManager.prototype.subscribe = function (options) {
    window.__subscribedWith = new Uint8Array(options.applicationServerKey);
    current = {
      endpoint: sub.endpoint, expirationTime: null, options,
      getKey: (name) => bytes(sub.keys[name]),
      toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }),
      unsubscribe: () => { current = null; return Promise.resolve(true); },
    };
    return Promise.resolve(current);
  };
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
  PushManager.prototype.permissionState = function () { return Promise.resolve("granted"); };
})();"""
NOTIFICATIONS = """async () => {
  const reg = await navigator.serviceWorker.ready;
  return (await reg.getNotifications()).map((n) => ({
    title: n.title, body: n.body, tag: n.tag, data: n.data,
    actions: (n.actions || []).map((a) => a.action),
  }));
}"""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def app_config():
    return {"VAPID_PRIVATE_KEY": keys.generate_pem().decode()}


@pytest.fixture
def subscription() -> dict:
    """A browser-side subscription whose keys this test made (as a push service would)."""
    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"endpoint": ENDPOINT, "keys": {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}}


@pytest.fixture
def push_page(page, context, subscription, alice):
    context.grant_permissions(["notifications"])
    context.add_init_script(STUB % json.dumps(subscription))
    login(page)
    eventually(page, f"() => {CONTROLLED}", timeout=30)
    return page


def turn_on_reminders(page) -> None:
    page.goto("/reminders")
    page.get_by_role("button", name="Turn on reminders").tap()
    page.get_by_text("Reminders are on for this device").wait_for()


def deliver(page, live_server, payload: dict) -> None:
    """Push a message into the page's service worker registration, as a push service would."""
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    [reg] = [
        r for r in registrations if r["scopeURL"] == f"{live_server.url}/" and not r["isDeleted"]
    ]
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": reg["registrationId"],
            "data": json.dumps(payload),
        },
    )


def wait_for_notification(page, title: str) -> dict:
    return eventually(
        page,
        f"async (title) => ({NOTIFICATIONS})().then((ns) => ns.find((n) => n.title === title))",
        title,
    )


def click_notification(context, tag: str, action: str = "") -> None:
    """Run the worker's notificationclick handler for the shown notification (no OS UI here).

    Windows can't be opened or focused without a real click, so the worker's clients API is
    stubbed to record the URL it would open.
    """
    [worker] = context.service_workers
    worker.evaluate(
        """async ([tag, action]) => {
          self.__opened = [];
          self.clients.matchAll = () => Promise.resolve([]);
          self.clients.openWindow = (url) => { self.__opened.push(url); return Promise.resolve(null); };
          const [n] = await self.registration.getNotifications({ tag });
          const event = new NotificationEvent("notificationclick", { notification: n, action });
          event.waitUntil = (promise) => { self.__done = promise; };
          self.dispatchEvent(event);
          await self.__done;
        }""",
        [tag, action],
    )


def make_reminder(app, user, kind: str) -> tuple[dict, int]:
    """A due reminder for an appointment that just ended, and the push payload it sends."""
    now = timeutil.now()
    with app.app_context():
        appt = Appointment(
            user_id=user.id, client_id=APPOINTMENT_UUID,
            starts_at=now - timedelta(minutes=70), duration_minutes=60, therapist_name="Dana",
        )  # fmt: skip
        db.session.add(appt)
        db.session.flush()
        title = {"log_prompt": "How was your massage with Dana?", "hydration": "Time for water"}
        row = Reminder(
            user_id=user.id, kind=kind, subject_id=appt.id, slot="a1", due_at=now,
            stale_at=now + timedelta(hours=1), next_attempt_at=now,
            payload={"title": title[kind], "body": "Tap to log it.",
                     "url": f"/sessions/new?appointment={appt.id}",
                     "actions": [{"action": "log", "title": "Log now"}] if kind == "log_prompt"
                     else [{"action": "drank", "title": "Drank"},
                           {"action": "snooze", "title": "Snooze 30 min"}]},
        )  # fmt: skip
        db.session.add(row)
        db.session.commit()
        return dispatcher.build_message(row, now).payload, appt.id


def test_turning_on_reminders_stores_this_devices_subscription(push_page, app, alice, subscription):
    turn_on_reminders(push_page)
    with app.app_context():
        [stored] = db.session.scalars(db.select(PushSubscription)).all()
        assert (stored.user_id, stored.endpoint) == (alice.id, ENDPOINT)
        assert stored.p256dh == subscription["keys"]["p256dh"]
        expected = keys.application_server_key(keys.load_vapid())
    used = push_page.evaluate("Array.from(window.__subscribedWith)")
    assert b64url(bytes(used)) == expected, "subscribed with the server's VAPID key"


def test_a_pushed_log_prompt_shows_and_opens_the_form_for_its_appointment(
    push_page, context, app, live_server, alice
):
    turn_on_reminders(push_page)
    payload, appt_id = make_reminder(app, alice, "log_prompt")
    deliver(push_page, live_server, payload)
    assert payload["web_push"] == 8030 and payload["mutable"] is True  # declarative
    shown = wait_for_notification(push_page, "How was your massage with Dana?")
    assert shown["actions"] == ["log"]
    assert shown["tag"] == payload["notification"]["tag"]
    assert shown["body"] == "Tap to log it."

    click_notification(context, shown["tag"])
    [opened] = context.service_workers[0].evaluate("self.__opened")
    assert opened.endswith(f"/sessions/new?appointment={appt_id}")
    push_page.goto(opened)
    # The form refers to the appointment (by its id or UUID, whichever the form uses).
    assert push_page.input_value('input[name="appointment_id"]') in (str(appt_id), APPOINTMENT_UUID)


def test_the_drank_action_records_a_glass(push_page, context, app, live_server, alice):
    turn_on_reminders(push_page)
    payload, _ = make_reminder(app, alice, "hydration")
    deliver(push_page, live_server, payload)
    shown = wait_for_notification(push_page, "Time for water")
    assert shown["actions"] == ["drank", "snooze"]

    click_notification(context, shown["tag"], "drank")
    wait_for_notification(push_page, "Glass counted")
    with app.app_context():
        glasses = db.session.scalars(
            db.select(WaterIntake).where(WaterIntake.user_id == alice.id)
        ).all()
    assert len(glasses) == 1
