"""Personal access tokens in settings: create (shown once), list, revoke."""

from __future__ import annotations

import re

import pytest

from tracker.extensions import db
from tracker.models import ApiToken

from .conftest import bearer, make_token


def test_it_creates_a_token_shown_once_and_stored_hashed(alice_client, client, app, alice):
    response = alice_client.post("/settings/tokens", data={"label": "Shortcuts"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    raw = re.search(r'id="raw-token"[^>]*>(br_[^<]+)<', response.get_data(as_text=True)).group(1)
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken))
        assert token.label == "Shortcuts" and token.token_hash == ApiToken.hash(raw)
        assert raw not in token.token_hash
    settings = alice_client.get("/settings/tokens").get_data(as_text=True)
    assert "Shortcuts" in settings and raw not in settings and "never used" in settings
    assert client.get("/api/v1/sessions", headers=bearer(raw)).status_code == 200
    settings = alice_client.get("/settings/tokens").get_data(as_text=True)
    assert "last used" in settings


@pytest.mark.parametrize(
    ("label", "message"), [("", "Give the token a label"), ("x" * 81, "at most 80")]
)
def test_a_bad_label_is_explained(alice_client, app, label, message):
    response = alice_client.post("/settings/tokens", data={"label": label})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_the_number_of_tokens_is_capped(alice_client, app, alice):
    for i in range(20):
        make_token(app, alice, f"t{i}")
    response = alice_client.post("/settings/tokens", data={"label": "one more"})
    assert response.status_code == 422 and "Revoke one" in response.get_data(as_text=True)


def test_revoking_stops_the_token(alice_client, client, app, alice):
    raw = make_token(app, alice)
    with app.app_context():
        token_id = db.session.scalar(db.select(ApiToken.id))
    assert alice_client.post(f"/settings/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/sessions", headers=bearer(raw)).status_code == 401


def test_bob_cannot_see_or_revoke_alices_tokens(bob_client, app, alice, bob):
    raw = make_token(app, alice, "alice-laptop")
    with app.app_context():
        token_id = db.session.scalar(db.select(ApiToken.id))
    assert "alice-laptop" not in bob_client.get("/settings/tokens").get_data(as_text=True)
    assert bob_client.post(f"/settings/tokens/{token_id}/revoke").status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id) is not None
    assert raw


def test_token_pages_need_login_and_csrf(client, alice_client, app):
    assert client.get("/settings/tokens").status_code == 302
    assert alice_client.post("/settings/tokens", data={"label": "x"}, csrf=False).status_code == 400
