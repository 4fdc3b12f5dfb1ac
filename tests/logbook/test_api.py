"""JSON API: idempotent creates, pagination, auth, CSRF and error shapes."""

from __future__ import annotations

import json
import uuid

import pytest

from tracker.extensions import db
from tracker.models import ApiToken

from .conftest import add_session, bearer, count_sessions, get_session, make_token, payload


def test_it_creates_a_session_and_returns_it(client, alice_token, app, alice):
    data = payload()
    response = client.post("/api/v1/sessions", json=data, headers=bearer(alice_token))
    assert response.status_code == 201
    body = response.json
    assert body["id"] == data["id"]
    assert body["occurred_at"] == "2026-11-07T13:30:00+01:00"
    assert body["focus_areas"] == ["neck", "lower_back"]
    assert body["therapist"] == "Dana" and body["sleep_quality"] is None
    assert body["deleted_at"] is None
    assert count_sessions(app, alice.id) == 1


def test_it_replays_the_same_id_without_duplicating(client, alice_token, app, alice):
    data = payload()
    first = client.post("/api/v1/sessions", json=data, headers=bearer(alice_token))
    again = client.post("/api/v1/sessions", json=data, headers=bearer(alice_token))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert count_sessions(app, alice.id) == 1


def test_it_replays_an_outbox_copy_of_the_form_with_strings(client, alice_token, app, alice):
    """The PWA outbox sends form fields as JSON strings and local time; that is accepted."""
    data = {
        "id": str(uuid.uuid4()),
        "occurred_at_local": "2026-11-07T13:30",
        "kind": "self",
        "pain_before": "7",
        "pain_after": "2",
        "mood": "5",
        "focus_areas": "neck",
        "csrf_token": "ignored",
        "sleep_hours": "",
    }
    first = client.post("/api/v1/sessions", json=data, headers=bearer(alice_token))
    assert first.status_code == 201, first.json
    assert first.json["occurred_at"] == "2026-11-07T13:30:00+01:00"
    assert first.json["duration_minutes"] == 20 and first.json["sleep_hours"] is None
    assert (
        client.post("/api/v1/sessions", json=data, headers=bearer(alice_token)).status_code == 200
    )


def test_a_replay_with_other_content_is_a_conflict_and_changes_nothing(
    client, alice_token, app, alice
):
    data = payload()
    client.post("/api/v1/sessions", json=data, headers=bearer(alice_token))
    response = client.post(
        "/api/v1/sessions", json={**data, "pain_after": 9}, headers=bearer(alice_token)
    )
    assert response.status_code == 409
    assert "id" in response.json["errors"]
    assert get_session(app, data["id"]).pain_after == 3
    assert count_sessions(app, alice.id) == 1


def test_a_replay_after_a_later_edit_is_still_a_harmless_retry(client, alice_token, app):
    data = payload()
    client.post("/api/v1/sessions", json=data, headers=bearer(alice_token))
    client.patch(
        f"/api/v1/sessions/{data['id']}", json={"sleep_quality": 4}, headers=bearer(alice_token)
    )
    again = client.post("/api/v1/sessions", json=data, headers=bearer(alice_token))
    assert again.status_code == 200
    assert again.json["sleep_quality"] == 4


def test_the_same_id_in_two_accounts_is_two_sessions(
    client, alice_token, bob_token, app, alice, bob
):
    data = payload()
    assert (
        client.post("/api/v1/sessions", json=data, headers=bearer(alice_token)).status_code == 201
    )
    assert client.post("/api/v1/sessions", json=data, headers=bearer(bob_token)).status_code == 201
    assert get_session(app, data["id"], alice.id).id != get_session(app, data["id"], bob.id).id


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pain_before", 11, "from 0 to 10"),
        ("pain_after", -1, "from 0 to 10"),
        ("pain_after", "seven", "not 'seven'"),
        ("pain_after", 7.5, "whole number"),
        ("pain_after", True, "whole number"),
        ("mood", 0, "from 1 to 5"),
        ("mood", 6, "from 1 to 5"),
        ("relaxation", 9, "from 1 to 5"),
        ("sleep_quality", 0, "from 1 to 5"),
        ("sleep_hours", 25, "from 0 to 24"),
        ("sleep_hours", "lots", "number of hours"),
        ("duration_minutes", 0, "from 1 to 600"),
        ("water_glasses", -2, "from 0 to 50"),
        ("kind", "spa", "professional, self"),
        ("pressure", "brutal", "light, medium, firm"),
        ("style", "karate", "Must be one of"),
        ("focus_areas", ["neck", "elbow"], "Unknown: elbow"),
        ("focus_areas", [1, 2], "list of names"),
        ("tools", ["hammer"], "Unknown: hammer"),
        ("notes", "x" * 2001, "at most 2,000 characters"),
        ("therapist", "y" * 121, "at most 120"),
        ("occurred_at", "2026-11-09T12:00:00+00:00", "more than a day in the future"),
        ("occurred_at", "2026-11-07T13:30:00", "UTC offset"),
        ("occurred_at", "yesterday", "ISO 8601"),
        ("occurred_at", "1969-12-31T12:00:00+00:00", "after 1970"),
        ("id", "not-a-uuid", "UUID"),
        ("appointment_id", str(uuid.uuid4()), "No such appointment"),
        ("routine_id", 999, "No such routine"),
        ("kind", None, "required"),
        ("pain_before", None, "required"),
        ("mood", "", "required"),
        ("id", None, "required"),
    ],
)
def test_invalid_values_get_422_and_save_nothing(
    client, alice_token, app, alice, field, value, message
):
    response = client.post(
        "/api/v1/sessions", json=payload(**{field: value}), headers=bearer(alice_token)
    )
    assert response.status_code == 422
    errors = response.json["errors"]
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert count_sessions(app, alice.id) == 0


def test_a_local_time_in_the_dst_gap_is_refused_with_the_fix(client, alice_token, app, alice):
    data = payload(occurred_at=None, occurred_at_local="2026-03-29T02:30")
    response = client.post("/api/v1/sessions", json=data, headers=bearer(alice_token))
    assert response.status_code == 422
    message = response.json["errors"]["occurred_at_local"][0]
    assert "doesn't exist in Europe/Berlin" in message and "03:30" in message


def test_several_errors_are_reported_together(client, alice_token):
    response = client.post(
        "/api/v1/sessions", json=payload(mood=9, pain_after="x"), headers=bearer(alice_token)
    )
    assert set(response.json["errors"]) == {"mood", "pain_after"}


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b'"text"'])
def test_malformed_json_is_400(client, alice_token, body):
    response = client.post(
        "/api/v1/sessions",
        data=body,
        headers={**bearer(alice_token), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.is_json and "body" in response.json["errors"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/sessions"),
        ("post", "/api/v1/sessions"),
        ("get", f"/api/v1/sessions/{uuid.uuid4()}"),
        ("patch", f"/api/v1/sessions/{uuid.uuid4()}"),
        ("delete", f"/api/v1/sessions/{uuid.uuid4()}"),
        ("post", "/api/v1/water"),
        ("post", "/api/v1/sleep"),
        ("get", "/api/v1/appointments"),
        ("post", "/api/v1/appointments"),
        ("get", "/api/v1/routines"),
    ],
)
def test_without_credentials_it_is_401_json(client, method, path):
    response = getattr(client, method)(path, json={}, csrf=False)
    assert response.status_code == 401
    assert response.json == {"errors": {"auth": ["Authentication required."]}}


def test_a_wrong_token_is_401(client, alice):
    response = client.get("/api/v1/sessions", headers=bearer("br_nope"))
    assert response.status_code == 401 and "auth" in response.json["errors"]


def test_a_revoked_token_stops_working_and_use_is_recorded(client, app, alice, alice_token):
    assert client.get("/api/v1/sessions", headers=bearer(alice_token)).status_code == 200
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken))
        assert token.last_used_at is not None
        db.session.delete(token)
        db.session.commit()
    assert client.get("/api/v1/sessions", headers=bearer(alice_token)).status_code == 401


def test_cookie_writes_need_the_csrf_header(alice_client, app, alice):
    data = payload()
    refused = alice_client.post("/api/v1/sessions", json=data, csrf=False)
    assert refused.status_code == 400 and "csrf" in refused.json["errors"]
    assert count_sessions(app, alice.id) == 0
    accepted = alice_client.post("/api/v1/sessions", json=data)  # sends X-CSRFToken
    assert accepted.status_code == 201


def test_cookie_reads_need_no_csrf(alice_client):
    assert alice_client.get("/api/v1/sessions").status_code == 200


def test_a_token_write_needs_no_csrf(client, alice_token):
    response = client.post(
        "/api/v1/sessions", json=payload(), headers=bearer(alice_token), csrf=False
    )
    assert response.status_code == 201


def test_get_returns_my_session_and_404s_for_others(
    client, app, alice, bob, alice_token, bob_token
):
    mine = add_session(app, alice.id)
    assert client.get(f"/api/v1/sessions/{mine}", headers=bearer(alice_token)).json["id"] == mine
    other = client.get(f"/api/v1/sessions/{mine}", headers=bearer(bob_token))
    assert other.status_code == 404 and "errors" in other.json
    assert client.get("/api/v1/sessions/123", headers=bearer(alice_token)).status_code == 404


def test_patch_changes_only_given_fields_and_keeps_identity(client, app, alice, alice_token):
    mine = add_session(app, alice.id, notes="before")
    response = client.patch(
        f"/api/v1/sessions/{mine}",
        json={"sleep_quality": 4, "sleep_hours": 7.5},
        headers=bearer(alice_token),
    )
    assert response.status_code == 200
    assert response.json["id"] == mine and response.json["notes"] == "before"
    stored = get_session(app, mine)
    assert (stored.sleep_quality, stored.sleep_hours) == (4, 7.5)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mood": 7}, "mood"),
        ({"id": str(uuid.uuid4())}, "id"),
        ({"pain_after": None}, "pain_after"),
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(client, app, alice, alice_token, body, field):
    mine = add_session(app, alice.id)
    response = client.patch(f"/api/v1/sessions/{mine}", json=body, headers=bearer(alice_token))
    assert response.status_code == 422 and field in response.json["errors"]
    assert get_session(app, mine).mood == 4 and get_session(app, mine).pain_after == 3


def test_bob_cannot_patch_or_delete_alices_session(client, app, alice, bob, bob_token):
    mine = add_session(app, alice.id)
    assert (
        client.patch(
            f"/api/v1/sessions/{mine}", json={"mood": 1}, headers=bearer(bob_token)
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/sessions/{mine}", headers=bearer(bob_token)).status_code == 404
    stored = get_session(app, mine)
    assert stored.mood == 4 and stored.deleted_at is None


def test_delete_is_soft_and_idempotent(client, app, alice, alice_token):
    mine = add_session(app, alice.id)
    assert client.delete(f"/api/v1/sessions/{mine}", headers=bearer(alice_token)).status_code == 204
    assert client.delete(f"/api/v1/sessions/{mine}", headers=bearer(alice_token)).status_code == 204
    assert get_session(app, mine).deleted_at is not None
    assert client.get(f"/api/v1/sessions/{mine}", headers=bearer(alice_token)).status_code == 404
    listed = client.get("/api/v1/sessions", headers=bearer(alice_token)).json["sessions"]
    assert listed == []


def test_list_pages_newest_first_with_a_cursor(client, app, alice, bob, alice_token):
    from datetime import UTC, datetime, timedelta

    base = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    ids = [add_session(app, alice.id, occurred_at=base + timedelta(days=i)) for i in range(5)]
    # Two at the same instant: the cursor must not skip or repeat either.
    ids.append(add_session(app, alice.id, occurred_at=base + timedelta(days=4)))
    add_session(app, bob.id, occurred_at=base)
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/sessions", query_string=query, headers=bearer(alice_token))
        assert response.status_code == 200
        seen += [s["id"] for s in response.json["sessions"]]
        cursor, pages = response.json["next_cursor"], pages + 1
        if cursor is None:
            break
    assert pages == 3 and sorted(seen) == sorted(ids) and len(seen) == 6
    assert seen[-1] == ids[0]  # oldest last


def test_list_filters_by_since_and_until(client, app, alice, alice_token):
    from datetime import UTC, datetime

    add_session(app, alice.id, occurred_at=datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    middle = add_session(app, alice.id, occurred_at=datetime(2026, 10, 15, 9, 0, tzinfo=UTC))
    add_session(app, alice.id, occurred_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    response = client.get(
        "/api/v1/sessions?since=2026-10-10&until=2026-10-20T00:00:00%2B02:00",
        headers=bearer(alice_token),
    )
    assert [s["id"] for s in response.json["sessions"]] == [middle]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("limit=x", "limit"),
        ("cursor=%%%", "cursor"),
        ("cursor=bm9wZQ", "cursor"),
        ("since=soon", "since"),
        ("until=2026-13-01", "until"),
    ],
)
def test_bad_list_parameters_are_422(client, alice_token, query, field):
    response = client.get(f"/api/v1/sessions?{query}", headers=bearer(alice_token))
    assert response.status_code == 422 and field in response.json["errors"]


def test_a_token_from_the_settings_page_works(client, app, alice):
    raw = make_token(app, alice, "shortcuts")
    assert client.get("/api/v1/sessions", headers=bearer(raw)).status_code == 200


def test_api_never_returns_html(client, alice_token):
    for path in ("/api/v1/sessions/not-a-uuid", "/api/v1/nothing-here"):
        response = client.get(path, headers=bearer(alice_token))
        assert response.is_json, path
    response = client.put("/api/v1/sessions", headers=bearer(alice_token))
    assert response.status_code == 405 and response.is_json
    assert json.loads(response.data)["errors"]
