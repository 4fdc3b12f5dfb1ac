"""Subscription API (with the SSRF allowlist), devices, preferences and the Reminders page."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tracker.accounts.tokens import new_token
from tracker.extensions import db
from tracker.models import MassageSession, PushSubscription, User
from tracker.models.user import DEFAULT_REMINDER_PREFS
from tracker.reminders import keys

from .conftest import book, change, edit_session, log_session, reminders, subscribe

URL = "/api/v1/push/subscriptions"
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def good(fakepush) -> dict:
    return fakepush.subscribe()


def with_endpoint(sub: dict, endpoint: str) -> dict:
    return {**sub, "endpoint": endpoint}


def count_subs() -> int:
    return db.session.scalar(db.select(db.func.count(PushSubscription.id)))


# --- public key and subscribe --------------------------------------------------------------


def test_it_serves_the_public_key(app, alice_client):
    response = alice_client.get("/api/v1/push/public-key")
    assert response.status_code == 200
    with app.app_context():
        assert response.json == {"publicKey": keys.application_server_key(keys.load_vapid())}
    assert len(base64.urlsafe_b64decode(response.json["publicKey"] + "=")) == 65


def test_the_api_needs_authentication(client, good):
    assert client.get("/api/v1/push/public-key").status_code == 401
    response = client.post(URL, json=good)
    assert response.status_code == 401 and "errors" in response.json


def test_subscribing_creates_then_updates_by_endpoint(app, alice, alice_client, good):
    first = alice_client.post(URL, json=good, headers={"User-Agent": ANDROID})
    assert first.status_code == 201
    assert first.json["label"] == "Chrome on Android"
    rotated = {**good, "keys": {**good["keys"], "auth": b64(b"\x01" * 16)}, "label": "My phone"}
    second = alice_client.post(URL, json=rotated)
    assert second.status_code == 200
    assert second.json["id"] == first.json["id"]
    with app.app_context():
        [sub] = db.session.scalars(db.select(PushSubscription)).all()
        assert (sub.user_id, sub.auth, sub.label) == (alice.id, b64(b"\x01" * 16), "My phone")


def test_subscribing_works_with_a_bearer_token_and_needs_csrf_otherwise(
    app, alice, client, alice_client, good
):
    assert alice_client.post(URL, json=good, csrf=False).status_code == 400
    with app.app_context():
        _, raw = new_token(db.session.get(User, alice.id), "script")
        db.session.commit()
    response = client.post(URL, json=good, headers={"Authorization": f"Bearer {raw}"}, csrf=False)
    assert response.status_code == 201


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://evil.example/push/1",
        "https://evil.example/push/1",
        "https://fcm.googleapis.com.evil.example/x",
        "https://notify.windows.com/w",  # the wildcard needs a subdomain
        "https://fcm.googleapis.com:8443/fcm/send/x",
        "https://user:pw@fcm.googleapis.com/fcm/send/x",
        "http://fcm.googleapis.com/fcm/send/x",  # https only
        "http://127.0.0.1:9/push/x",  # loopback, but not this listed port
        "http://localhost.evil.example:80/x",
        "file:///etc/passwd",
        "",
        "https://fcm.googleapis.com/" + "x" * 2100,
        12,
        "https://fcm.googleapis.com/fcm/send/\u20ac",  # not ASCII: cannot go in a request line
        "https://fcm.googleapis.com/fcm/send/a b",
        "https://fcm.googleapis.com/fcm/send/a\x7f",
    ],
)
def test_endpoints_outside_the_allowlist_are_rejected(app, alice_client, good, endpoint):
    response = alice_client.post(URL, json=with_endpoint(good, endpoint))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["endpoint"]
    with app.app_context():
        assert count_subs() == 0


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc:def",
        "https://wns2-par02p.notify.windows.com/w/?token=abc",
    ],
)
def test_push_service_endpoints_are_accepted(alice_client, good, endpoint):
    assert alice_client.post(URL, json=with_endpoint(good, endpoint)).status_code == 201


@pytest.mark.parametrize(
    "field, value",
    [
        ("p256dh", b64(b"\x04" + b"\x00" * 64)),  # not a point on P-256
        ("p256dh", b64(b"\x04" * 33)),  # wrong length
        ("p256dh", "not base64!"),
        ("p256dh", None),
        ("auth", b64(b"\x01" * 15)),
        ("auth", "%%%%"),
        ("auth", 42),
    ],
)
def test_malformed_keys_are_rejected(app, alice_client, good, field, value):
    body = {**good, "keys": {**good["keys"], field: value}}
    response = alice_client.post(URL, json=body)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [f"keys.{field}"]
    with app.app_context():
        assert count_subs() == 0


@pytest.mark.parametrize("body", ["not json", "[1, 2]"])
def test_malformed_json_is_a_400_or_422(alice_client, body):
    response = alice_client.post(URL, data=body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert "errors" in response.json


def test_unsubscribing_removes_only_my_subscription(
    app, alice, bob, alice_client, bob_client, good
):
    with app.app_context():
        subscribe(alice.id, good)
    assert bob_client.delete(URL, json={"endpoint": good["endpoint"]}).status_code == 404
    with app.app_context():
        assert count_subs() == 1
    assert alice_client.delete(URL, json={"endpoint": good["endpoint"]}).status_code == 204
    assert alice_client.delete(URL, json={"endpoint": good["endpoint"]}).status_code == 404
    assert alice_client.delete(URL, json={"nope": 1}).status_code == 422
    assert alice_client.delete(URL, data="x", content_type="application/json").status_code == 400
    with app.app_context():
        assert count_subs() == 0


def test_a_browser_subscribed_again_by_another_account_moves_to_it(
    app, alice, bob, bob_client, good
):
    # The endpoint is a secret only that browser knows: a shared device after logging in as bob.
    with app.app_context():
        subscribe(alice.id, good)
    assert bob_client.post(URL, json=good).status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(PushSubscription.user_id)) == bob.id


# --- devices in settings -------------------------------------------------------------------


def test_settings_lists_my_devices_and_the_turn_on_button(app, alice, bob, alice_client, fakepush):
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe(), "Alice's Pixel")
        subscribe(bob.id, fakepush.subscribe(), "Bob's iPhone")
    page = alice_client.get("/settings/devices").get_data(as_text=True)
    assert "Alice&#39;s Pixel" in page and "Bob" not in page
    assert "data-push-enable" in page and "Home Screen" in page
    assert "has not received a reminder yet" in page


def test_send_a_test_notification(app, alice, alice_client, fakepush):
    sub = fakepush.subscribe()
    with app.app_context():
        sub_id = subscribe(alice.id, sub)
    response = alice_client.post(f"/settings/devices/{sub_id}/test")
    assert response.status_code == 302
    [payload] = fakepush.payloads(sub["endpoint"])
    assert payload["title"] == "Back Relief test"
    assert fakepush.errors == []
    with app.app_context():
        assert db.session.get(PushSubscription, sub_id).last_success_at is not None


def test_a_test_to_a_gone_device_removes_it(app, alice, alice_client, fakepush):
    sub = fakepush.subscribe()
    fakepush.script(sub["endpoint"], 410)
    with app.app_context():
        sub_id = subscribe(alice.id, sub)
    alice_client.post(f"/settings/devices/{sub_id}/test")
    with app.app_context():
        assert db.session.get(PushSubscription, sub_id) is None


def test_devices_of_others_cannot_be_tested_or_removed(app, alice, bob_client, fakepush):
    sub = fakepush.subscribe()
    with app.app_context():
        sub_id = subscribe(alice.id, sub)
    assert bob_client.post(f"/settings/devices/{sub_id}/test").status_code == 404
    assert bob_client.post(f"/settings/devices/{sub_id}/delete").status_code == 404
    assert fakepush.deliveries == []
    with app.app_context():
        assert count_subs() == 1


def test_removing_my_device(app, alice, alice_client, fakepush):
    with app.app_context():
        sub_id = subscribe(alice.id, fakepush.subscribe())
    assert alice_client.post(f"/settings/devices/{sub_id}/delete").status_code == 302
    with app.app_context():
        assert count_subs() == 0


# --- preferences ---------------------------------------------------------------------------

VALID = {
    "appointment": "y",
    "log_prompt": "y",
    "hydration": "y",
    "sleep_checkin": "y",
    "routine_due": "y",
    "lead_minutes": ["1440", "120"],
    "reminder_time": "18:00",
    "hydration_offsets": "15, 60, 120, 240",
    "glasses_goal": "8",
}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("hydration_offsets", "soon", "Use whole minutes"),
        ("hydration_offsets", "0, 15", "between 5 and 720"),
        ("hydration_offsets", "15, 15", "only once"),
        ("hydration_offsets", ",".join(str(m) for m in range(10, 100, 10)), "At most 8"),
        ("hydration_offsets", "", "at least one"),
        ("glasses_goal", "0", "Between 1 and 20"),
        ("glasses_goal", "21", "Between 1 and 20"),
        ("lead_minutes", [], "Choose at least one"),
        ("lead_minutes", ["7"], "Not a valid choice"),
        ("reminder_time", "25:00", "Not a valid time"),
    ],
)
def test_invalid_preferences_show_errors_and_change_nothing(
    app, alice, alice_client, field, value, message
):
    response = alice_client.post("/settings/reminders", data={**VALID, field: value})
    assert response.status_code == 200
    assert message.lower() in response.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.get(User, alice.id).reminder_prefs == DEFAULT_REMINDER_PREFS


def test_saving_preferences(app, alice, alice_client):
    data = {
        **VALID,
        "lead_minutes": ["4320", "15"],
        "hydration_offsets": "30;90",
        "glasses_goal": "5",
    }
    del data["routine_due"]
    assert alice_client.post("/settings/reminders", data=data).status_code == 302
    with app.app_context():
        user = db.session.get(User, alice.id)
        assert user.pref("lead_minutes") == [4320, 15]
        assert user.pref("hydration_offsets") == [30, 90]
        assert (user.pref("glasses_goal"), user.pref("routine_due")) == (5, False)
    form = alice_client.get("/settings/reminders").get_data(as_text=True)
    assert 'value="30, 90"' in form


# --- the Reminders page --------------------------------------------------------------------

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_the_reminders_page_shows_only_mine_with_status_and_reason(app, bob, alice):
    with time_machine.travel(NOW, tick=False) as traveller:
        client = app.test_client()
        client.post("/login", data={"email": "alice@example.com", "password": "alice-password-1"})
        with app.app_context():
            appt = book(alice.id, NOW + timedelta(days=2))
            book(bob.id, NOW + timedelta(days=2), therapist="Bobtherapist")
            change(appt, status="cancelled")
        traveller.move_to(NOW + timedelta(days=2))  # cancelled reminders show once their time came
        page = client.get("/reminders").get_data(as_text=True)
    assert "Appointment cancelled" in page and "Cancelled" in page
    assert "Bobtherapist" not in page
    assert "reach you yet" in page


def test_stopping_a_water_chain_survives_replanning(app, alice, bob):
    with time_machine.travel(NOW, tick=False):
        alice_c, bob_c = app.test_client(), app.test_client()
        alice_c.post("/login", data={"email": "alice@example.com", "password": "alice-password-1"})
        bob_c.post("/login", data={"email": "bob@example.com", "password": "bob-password-22"})
        with app.app_context():
            session_id = log_session(alice.id, NOW, kind="self").id
            first = reminders(alice.id, kind="hydration")[0].id
        assert bob_c.post(f"/reminders/{first}/stop").status_code == 404
        assert alice_c.post(f"/reminders/{first}/stop").status_code == 302
        with app.app_context():
            edit_session(db.session.get(MassageSession, session_id), notes="re-plan please")
            rows = reminders(alice.id, kind="hydration")
            assert {(r.status, r.stopped) for r in rows} == {("cancelled", True)}
            assert reminders(alice.id, kind="sleep_checkin")[0].status == "pending"


def test_pages_need_login(client):
    assert client.get("/reminders").status_code == 302
    assert client.post("/settings/reminders", data=VALID).status_code == 302


def test_every_reminder_links_to_a_real_page(app, alice, alice_client):
    with app.app_context():
        appt = book(alice.id, datetime(2030, 3, 10, 9, tzinfo=UTC))
        log_session(alice.id, datetime(2030, 3, 10, 9, tzinfo=UTC), appointment_id=appt.id)
        urls = {r.kind: r.payload["url"] for r in reminders(alice.id)}
    assert set(urls) == {"appointment", "log_prompt", "hydration", "sleep_checkin"}
    for kind, url in urls.items():
        response = alice_client.get(url.split("#")[0], follow_redirects=True)
        assert response.status_code == 200, (kind, url)
