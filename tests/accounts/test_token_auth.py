"""API tokens: only for /api/v1, by themselves, read-only or read-and-write (issue #11)."""

from __future__ import annotations

import uuid

import time_machine

from tracker.accounts.tokens import new_token
from tracker.extensions import db
from tracker.models import ApiToken, MassageSession, User
from tracker.models.token import READ, WRITE

from .test_signins import count_commits


def make_token(app, user: User, scope: str = WRITE) -> str:
    with app.app_context():
        _, raw = new_token(db.session.get(User, user.id), "script", scope)
        db.session.commit()
        return raw


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def entry() -> dict:
    return {
        "id": str(uuid.uuid4()),
        "occurred_at": "2026-11-07T13:30:00+01:00",
        "kind": "self",
        "pain_before": 6,
        "pain_after": 3,
        "mood": 4,
    }


def stored_sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(MassageSession))


def test_a_read_only_token_reads_but_never_writes(client, app, alice):
    raw = make_token(app, alice, READ)
    assert client.get("/api/v1/sessions", headers=bearer(raw)).status_code == 200
    for method in ("post", "patch", "delete"):
        path = "/api/v1/sessions" if method == "post" else f"/api/v1/sessions/{uuid.uuid4()}"
        response = getattr(client, method)(path, json=entry(), headers=bearer(raw))
        assert response.status_code == 403, method
        assert response.json == {"errors": {"auth": ["This token is read-only."]}}
    assert stored_sessions(app) == 0
    writer = make_token(app, alice, WRITE)
    assert client.post("/api/v1/sessions", json=entry(), headers=bearer(writer)).status_code == 201


def test_the_scope_is_chosen_when_the_token_is_made(alice_client, app, alice):
    page = alice_client.get("/settings/tokens").get_data(as_text=True)
    assert 'name="scope" value="read" checked' in page  # least privilege by default
    alice_client.post("/settings/tokens", data={"label": "sync", "scope": "write"})
    alice_client.post("/settings/tokens", data={"label": "widget"})  # no choice sent: read
    bad = alice_client.post("/settings/tokens", data={"label": "x", "scope": "admin"})
    assert bad.status_code == 422 and "Choose what the token may do" in bad.get_data(as_text=True)
    with app.app_context():
        scopes = dict(db.session.execute(db.select(ApiToken.label, ApiToken.scope)).all())
    assert scopes == {"sync": WRITE, "widget": READ}
    page = alice_client.get("/settings/tokens").get_data(as_text=True)
    assert "read only ·" in page and "read and change ·" in page


def test_a_token_opens_no_page_export_or_token_management(client, app, alice):
    raw = make_token(app, alice)
    with app.app_context():
        calendar_token = db.session.get(User, alice.id).calendar_token
    # Home is the landing page for anyone not signed in: a token doesn't make it the dashboard.
    assert 'href="/register">Sign up' in client.get("/", headers=bearer(raw)).get_data(True)
    for path in (
        "/settings",
        "/settings/export.json",
        "/sessions/export.csv",
        "/settings/tokens",
        "/trends",
    ):
        response = client.get(path, headers=bearer(raw))
        assert response.status_code == 302 and response.location.startswith("/login"), path
    for path in ("/settings/tokens", "/calendar/token", "/settings/signins/end-others"):
        response = client.post(path, data={"label": "more"}, headers=bearer(raw))
        assert response.status_code == 302 and response.location.startswith("/login"), path
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 1
        assert db.session.get(User, alice.id).calendar_token == calendar_token


def test_with_a_bearer_header_only_the_token_counts(alice_client, app, alice, bob):
    alice_client.post("/api/v1/sessions", json=entry())
    bobs = make_token(app, bob)
    assert alice_client.get("/api/v1/sessions", headers=bearer(bobs)).json["sessions"] == []
    response = alice_client.get("/api/v1/sessions", headers=bearer("br_revoked"))
    assert response.status_code == 401
    assert response.json == {"errors": {"auth": ["Invalid or revoked token."]}}
    assert alice_client.get("/api/v1/sessions").json["sessions"]  # the cookie still works


def test_token_use_is_stamped_at_most_once_a_minute_without_extra_commits(client, app, alice):
    raw = make_token(app, alice)
    with time_machine.travel("2026-11-23 09:00Z", tick=False) as clock:
        commits, stop = count_commits(app)
        try:
            assert client.get("/api/v1/sessions", headers=bearer(raw)).status_code == 200
            assert len(commits) == 1  # first use: one small commit after the read
            clock.shift(30)
            client.get("/api/v1/sessions", headers=bearer(raw))
            assert len(commits) == 1  # within the minute: nothing written
            clock.shift(60)
            assert (
                client.post("/api/v1/sessions", json=entry(), headers=bearer(raw)).status_code
                == 201
            )
            assert len(commits) == 2  # a write carries the stamp in its own commit
        finally:
            stop()
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken))
        assert token.last_used_at.isoformat() == "2026-11-23T09:01:30+00:00"
