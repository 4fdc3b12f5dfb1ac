"""Bob can neither read nor change alice's entries, through any page or API route."""

from __future__ import annotations

import uuid

import pytest

from .conftest import NOW, add_appointment, add_session, bearer, form, get_session

LIVE_ROUTES = [
    ("get", "/sessions/{id}/edit", None),
    ("post", "/sessions/{id}/edit", "form"),
    ("post", "/sessions/{id}/delete", None),
    ("post", "/sessions/{id}/restore", None),
]
API_ROUTES = [
    ("get", "/api/v1/sessions/{id}", None),
    ("patch", "/api/v1/sessions/{id}", {"mood": 1}),
    ("delete", "/api/v1/sessions/{id}", None),
]


# Routes whose ids are not session ids, with the file holding their bob-gets-404 test.
COVERED_ELSEWHERE = {
    "/api/v1/appointments/<raw_id>": "tests/routines/test_api.py",
    "/water/<raw_id>/undo": "tests/reminders/test_water_home.py",
}


@pytest.mark.parametrize(("method", "path", "body"), LIVE_ROUTES)
def test_bob_gets_404_on_alices_pages(bob_client, app, alice, bob, method, path, body):
    live = add_session(app, alice.id, notes="alice-only")
    deleted = add_session(app, alice.id, deleted_at=NOW, notes="alice-deleted")
    for target in (live, deleted):
        kwargs = {"data": form(id=target, mood="1")} if body == "form" else {}
        response = getattr(bob_client, method)(path.format(id=target), **kwargs)
        assert response.status_code == 404, (path, target)
    assert get_session(app, live).deleted_at is None and get_session(app, live).mood == 4
    assert get_session(app, deleted).deleted_at is not None


@pytest.mark.parametrize(("method", "path", "body"), API_ROUTES)
@pytest.mark.parametrize("auth", ["token", "cookie"])
def test_bob_gets_404_on_alices_api_ids(
    client, bob_client, app, alice, bob, bob_token, method, path, body, auth
):
    live = add_session(app, alice.id)
    caller = client if auth == "token" else bob_client
    headers = bearer(bob_token) if auth == "token" else {}
    response = getattr(caller, method)(path.format(id=live), json=body, headers=headers)
    assert response.status_code == 404 and response.is_json
    assert response.json["errors"]
    stored = get_session(app, live)
    assert stored.mood == 4 and stored.deleted_at is None


def test_lists_and_exports_never_show_alices_rows_to_bob(
    client, bob_client, app, alice, bob, bob_token
):
    add_session(app, alice.id, notes="alice-secret", therapist_name="Alices-Therapist")
    add_appointment(app, alice.id)
    for path in (
        "/sessions",
        "/sessions/deleted",
        "/sessions/export.csv",
        "/sleep",
        "/sessions/new",
    ):
        assert b"alice-secret" not in bob_client.get(path).data, path
        assert b"Alices-Therapist" not in bob_client.get(path).data, path
    for path in ("/api/v1/sessions", "/api/v1/appointments", "/api/v1/routines"):
        data = client.get(path, headers=bearer(bob_token)).json
        assert all(v == [] for k, v in data.items() if k != "next_cursor"), path


def test_every_logbook_route_is_covered_here(app):
    """A new route with a path parameter must be added to the tables above."""
    covered = {p.replace("{id}", "<raw_id>") for _, p, _ in LIVE_ROUTES + API_ROUTES}
    covered |= set(COVERED_ELSEWHERE)
    with_ids = {
        r.rule
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith(("logbook.", "api.")) and "<raw_id>" in r.rule
    }
    assert with_ids <= covered


def test_unknown_ids_are_404_not_500(alice_client, alice):
    for raw in (str(uuid.uuid4()), "nope", "1"):
        assert alice_client.get(f"/sessions/{raw}/edit").status_code == 404
