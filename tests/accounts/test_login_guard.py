"""Login hardening: one hash check for unknown emails, per-account limits that don't lock the
owner out of a browser they used before, and a fresh CSRF secret at login."""

from __future__ import annotations

import time_machine
from werkzeug.security import check_password_hash

from tracker.accounts import login_guard

from ..conftest import PASSWORDS, AuthActions


def wrong(client, email="alice@example.com"):
    return client.post("/login", data={"email": email, "password": "a-wrong-guess"})


def right(client, name="alice"):
    return AuthActions(client).login(name)


def test_unknown_emails_cost_one_hash_check_like_known_ones(client, alice, monkeypatch):
    checked: list[str] = []

    def counting(hash_: str, password: str) -> bool:
        checked.append(hash_)
        return check_password_hash(hash_, password)

    monkeypatch.setattr(login_guard, "check_password_hash", counting)
    wrong(client, "nobody@example.com")
    assert checked == [login_guard.dummy_hash()]
    assert checked[0].split("$")[0] == alice.password_hash.split("$")[0]  # same method, cost
    checked.clear()
    wrong(client)
    assert checked == [alice.password_hash]


def test_a_stranger_cannot_lock_the_owner_out_of_her_own_browser(app, alice):
    with time_machine.travel("2026-11-30 10:00Z", tick=False):
        laptop, stranger = app.test_client(), app.test_client()
        assert right(laptop).status_code == 302  # the laptop is now a known device
        AuthActions(laptop).logout()
        # The laptop's first login came from an unknown browser: it used 1 of the 5.
        for _ in range(4):
            assert wrong(stranger).status_code == 200
        assert right(stranger).status_code == 429  # the account's budget is spent
        assert right(laptop).status_code == 302  # the owner's browser is not locked out


def test_a_known_device_has_a_budget_of_its_own(app, alice):
    with time_machine.travel("2026-11-30 10:00Z", tick=False) as traveller:
        laptop = app.test_client()
        right(laptop)
        AuthActions(laptop).logout()
        for _ in range(10):
            assert wrong(laptop).status_code == 200
        assert right(laptop).status_code == 429
        assert right(app.test_client()).status_code == 302  # it did not spend the account's
        traveller.shift(16 * 60)
        assert right(laptop).status_code == 302


def test_a_device_known_to_alice_counts_as_a_stranger_for_bob(app, alice, bob):
    with time_machine.travel("2026-11-30 10:00Z", tick=False):
        laptop = app.test_client()
        right(laptop)
        AuthActions(laptop).logout()
        for _ in range(5):
            wrong(laptop, "bob@example.com")
        assert right(laptop, "bob").status_code == 429


def test_a_forged_device_cookie_is_ignored(app, alice):
    with time_machine.travel("2026-11-30 10:00Z", tick=False):
        stranger = app.test_client()
        stranger.set_cookie("device", "eyJlIjoiYWJjIiwibiI6Inh5eiJ9.forged", path="/login")
        for _ in range(5):
            wrong(stranger)
        assert right(stranger).status_code == 429


def test_the_device_cookie_is_only_for_the_login_form(client, alice):
    cookies = right(client).headers.getlist("Set-Cookie")
    [device] = [c for c in cookies if c.startswith("device=")]
    assert "Path=/login" in device and "HttpOnly" in device and "SameSite=Lax" in device
    assert "alice" not in device


def test_login_replaces_the_csrf_secret(app, client, alice):
    client.get("/login")
    before = client.csrf_token()  # what someone who had this browser before login could know
    with client.session_transaction() as session:
        planted = session["csrf_token"]
    right(client)
    with client.session_transaction() as session:
        assert session.get("csrf_token") != planted
    data = {"timezone": "UTC"}
    stale = client.post("/settings/profile", data={**data, "csrf_token": before}, csrf=False)
    assert stale.status_code == 400
    assert client.post("/settings/profile", data=data).status_code == 302  # a fresh token works


def test_registering_also_replaces_the_csrf_secret(client):
    client.get("/register")
    with client.session_transaction() as session:
        planted = session["csrf_token"]
    data = {"email": "new@example.com", "password": PASSWORDS["alice"], "timezone": "UTC"}
    assert client.post("/register", data=data).status_code == 302
    with client.session_transaction() as session:
        assert session.get("csrf_token") != planted
