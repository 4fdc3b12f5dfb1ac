"""The API tokens pages explain tokens in plain words and show the new token in full."""

from __future__ import annotations

import re

from tracker.extensions import db
from tracker.models import ApiToken


def create(alice_client, label="Shortcuts", scope="write"):
    return alice_client.post("/settings/tokens", data={"label": label, "scope": scope})


def test_the_new_token_is_shown_in_full_with_a_copy_button(alice_client, app, alice):
    response = create(alice_client)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    raw = re.search(r'<code id="raw-token" class="token-full">([^<]+)</code>', page)[1]
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == alice.id))
        assert token.token_hash == ApiToken.hash(raw)  # the whole token, not a prefix
    assert f"{raw[:8]}…" not in page
    assert 'data-copy-from="raw-token"' in page and "js/copy." in page
    # The token works as the instructions say.
    api = app.test_client()
    answer = api.get("/api/v1/appointments", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 200


def test_the_pages_explain_shortcuts_instead_of_pointing_at_the_docs(alice_client):
    for page in (
        alice_client.get("/settings/tokens").get_data(as_text=True),
        create(alice_client).get_data(as_text=True),
    ):
        assert "docs/api.md" not in page
        assert "Get Contents of URL" in page and "Authorization" in page
        assert "http://localhost/api/v1/sleep" in page  # this server's own address


def test_someone_elses_tokens_are_not_listed(alice_client, bob_client):
    create(bob_client, label="Bob secret shortcut")
    assert "Bob secret shortcut" in bob_client.get("/settings/tokens").get_data(True)
    assert "Bob secret shortcut" not in alice_client.get("/settings/tokens").get_data(True)
