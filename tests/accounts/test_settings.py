"""Settings, password and email changes."""

import pytest

from tracker.extensions import db
from tracker.models import User


def test_settings_change_time_zone_and_quiet_hours(alice_client, app, alice):
    page = alice_client.get("/settings")
    assert b"Europe/Berlin" in page.data
    response = alice_client.post(
        "/settings",
        data={
            "timezone": "Australia/Sydney",
            "quiet_start": "23:00",
            "quiet_end": "07:30",
            "wake_time": "07:00",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, alice.id)
        assert user.timezone == "Australia/Sydney"
        assert user.quiet_start.strftime("%H:%M") == "23:00"
        assert user.quiet_end.strftime("%H:%M") == "07:30"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Europe/Atlantis", b"Choose a time zone"),
        ("quiet_start", "25:00", b"Not a valid time"),
    ],
)
def test_bad_settings_change_nothing(alice_client, app, alice, field, value, message):
    data = {
        "timezone": "Asia/Tokyo",
        "quiet_start": "22:00",
        "quiet_end": "08:00",
        "wake_time": "08:00",
    }
    data[field] = value
    response = alice_client.post("/settings", data=data)
    assert response.status_code == 200
    assert message in response.data
    with app.app_context():
        assert db.session.get(User, alice.id).timezone == "Europe/Berlin"


def test_change_password(alice_client, app, alice, auth, client):
    bad = alice_client.post(
        "/settings/password",
        data={"current": "wrong", "new": "brand-new-pw", "confirm": "brand-new-pw"},
    )
    assert b"not correct" in bad.data
    mismatch = alice_client.post(
        "/settings/password",
        data={"current": "alice-password-1", "new": "brand-new-pw", "confirm": "other-pw-123"},
    )
    assert b"do not match" in mismatch.data
    short = alice_client.post(
        "/settings/password",
        data={"current": "alice-password-1", "new": "short", "confirm": "short"},
    )
    assert b"at least 8" in short.data
    ok = alice_client.post(
        "/settings/password",
        data={"current": "alice-password-1", "new": "brand-new-pw", "confirm": "brand-new-pw"},
    )
    assert ok.status_code == 302
    assert auth.login(password="brand-new-pw").status_code == 302


def test_change_email_waits_for_the_link(alice_client, app, alice, bob):
    """The rules are in test_email_change.py; here: nothing changes before the click."""
    ok = alice_client.post(
        "/settings/email", data={"email": "A2@Example.com", "password": "alice-password-1"}
    )
    assert ok.status_code == 302
    assert b"We sent a link to a2@example.com" in alice_client.get("/settings").data
    with app.app_context():
        assert db.session.get(User, alice.id).email == "alice@example.com"
