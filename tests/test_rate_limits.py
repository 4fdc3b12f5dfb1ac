"""Abuse limits: each limited endpoint answers 429 with Retry-After once its budget is spent.

Requests use bodies that fail validation cheaply (no password hashing): a limit counts every
attempt, successful or not. The per-account login limit has its own test in tests/accounts.
"""

from __future__ import annotations

import pytest

from tracker.extensions import db
from tracker.models import ApiToken, PushSubscription, User

from .conftest import AuthActions

LIMITS = [
    # (name, who, method, url, body, allowed)
    (
        "login per IP",
        None,
        "POST",
        "/login",
        lambda i: {"email": f"nobody{i}@example.com", "password": "x" * 10},
        20,
    ),
    (
        "registration per IP",
        None,
        "POST",
        "/register",
        lambda i: {"email": "not-an-email", "password": "short", "timezone": "UTC"},
        10,
    ),
    ("password change per user", "alice", "POST", "/settings/password", lambda i: {}, 10),
    ("email change per user", "alice", "POST", "/settings/email", lambda i: {}, 10),
    ("account deletion per user", "alice", "POST", "/settings/delete", lambda i: {}, 10),
    ("token creation per user", "alice", "POST", "/settings/tokens", lambda i: {"label": ""}, 10),
    (
        "push subscription per user",
        "alice",
        "POST",
        "/api/v1/push/subscriptions",
        lambda i: {"endpoint": "https://fcm.googleapis.com/x", "keys": {}},
        30,
    ),
    (
        "action token per IP",
        None,
        "POST",
        "/api/v1/actions/not-a-token",
        lambda i: {"action": "drank"},
        60,
    ),
]


@pytest.mark.parametrize(
    ("who", "method", "url", "body", "allowed"),
    [case[1:] for case in LIMITS],
    ids=[case[0] for case in LIMITS],
)
def test_it_limits_abuse_with_429_and_retry_after(
    app, client, alice, who, method, url, body, allowed
):
    if who:
        AuthActions(client).login(who)
    api = url.startswith("/api/")
    send = (
        (lambda i: client.open(url, method=method, json=body(i)))
        if api
        else (lambda i: client.open(url, method=method, data=body(i)))
    )
    for i in range(allowed):
        assert send(i).status_code != 429, f"limited after {i} requests, budget is {allowed}"
    response = send(allowed)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    if api:
        assert response.is_json and "errors" in response.json
    else:
        assert b"Try again in" in response.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1
        assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0
        assert db.session.scalar(db.select(db.func.count(PushSubscription.id))) == 0


def test_per_user_limits_do_not_spill_over_to_other_users(app, alice, bob):
    alice_client, bob_client = app.test_client(), app.test_client()
    AuthActions(alice_client).login("alice")
    AuthActions(bob_client).login("bob")
    for _ in range(10):
        alice_client.post("/settings/tokens", data={"label": ""})
    assert alice_client.post("/settings/tokens", data={"label": ""}).status_code == 429
    assert bob_client.post("/settings/tokens", data={"label": "mine"}).status_code == 200
