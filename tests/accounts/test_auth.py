"""Registration, login, logout and their validation rules."""

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import User


def register(client, **overrides):
    data = {"email": "new@example.com", "password": "long-enough", "timezone": "Europe/Berlin"}
    data.update(overrides)
    return client.post("/register", data=data)


def test_it_registers_and_logs_in(client, app):
    page = client.get("/register")
    assert b'data-detect-timezone="1"' in page.data  # browser zone pre-fill hook
    response = register(client)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    with app.app_context():
        user = User.by_email("NEW@example.com")
        assert user.timezone == "Europe/Berlin"
        assert user.password_hash.startswith(("scrypt:", "argon2"))
        assert user.check_password("long-enough")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, b"Enter a valid email address"),
        ({"email": ""}, b"Enter your email address."),
        ({"password": "short"}, b"Use at least 8 characters."),
        ({"timezone": "Mars/Olympus"}, b"Choose a time zone"),
        ({"timezone": ""}, b"This field is required."),
    ],
)
def test_register_validation(client, app, overrides, message):
    response = register(client, **overrides)
    assert response.status_code == 200
    assert message in response.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_duplicate_email_in_other_case_is_refused(client, app, alice):
    response = register(client, email="ALICE@Example.com")
    assert b"already exists" in response.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_missing_csrf_token_is_refused(client, app):
    response = client.post(
        "/register",
        data={"email": "x@example.com", "password": "long-enough", "timezone": "UTC"},
        csrf=False,
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_login_and_logout(client, auth, alice):
    assert client.get("/trends").status_code == 302  # "/" is the landing page then
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/trends").status_code == 302  # "/" is the landing page then


def test_login_with_wrong_password_says_so(client, auth, alice):
    response = auth.login(password="wrong-password")
    assert response.status_code == 200
    assert b"do not match" in response.data
    assert client.get("/trends").status_code == 302  # "/" is the landing page then


def test_remember_me_sets_a_long_lived_cookie(client, auth, alice):
    response = auth.login(remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0]
    session_cookie = [c for c in cookies if c.startswith("session=")][0]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_login_redirects_to_local_next(client, auth, alice):
    response = client.post(
        "/login?next=/settings",
        data={"email": "alice@example.com", "password": "alice-password-1"},
    )
    assert response.headers["Location"] == "/settings"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/x",
    ],
)
def test_open_redirects_are_refused(client, alice, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "alice@example.com", "password": "alice-password-1"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_anonymous_pages_redirect_to_login_with_next(client):
    response = client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/settings")


def test_login_rate_limit_triggers_per_account_and_recovers(client, alice):
    with time_machine.travel("2026-11-22 10:00Z", tick=False) as traveller:
        for _ in range(5):
            client.post("/login", data={"email": "alice@example.com", "password": "nope-nope"})
        response = client.post(
            "/login", data={"email": "Alice@example.com", "password": "alice-password-1"}
        )
        assert response.status_code == 429
        assert b"Try again in" in response.data
        assert "Retry-After" in response.headers
        traveller.shift(16 * 60)
        response = client.post(
            "/login", data={"email": "alice@example.com", "password": "alice-password-1"}
        )
        assert response.status_code == 302
