"""POST/GET/PATCH /api/v1/routines and GET /api/v1/reminders, for outside clients."""

from __future__ import annotations

import uuid

import pytest

from tests.logbook.conftest import bearer, make_token
from tracker.extensions import db
from tracker.models import MassageSession, Reminder, Routine

from .conftest import count


@pytest.fixture
def alice_token(app, alice) -> str:
    return make_token(app, alice)


@pytest.fixture
def bob_token(app, bob) -> str:
    return make_token(app, bob)


def body(**overrides) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "name": "Foam roller",
        "kind": "self",
        "cadence": {"times": 2, "per": "week"},
        "reminders": {"nudge": True, "time": "18:30"},
        **overrides,
    }


def nudges(app, routine_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (r.status, r.payload["title"])
            for r in db.session.scalars(
                db.select(Reminder).where(
                    Reminder.kind == "routine_due", Reminder.subject_id == routine_id
                )
            )
        ]


def test_create_replay_conflict_and_read(client, app, alice, alice_token):
    data = body(anchor_date="2026-05-03")
    created = client.post("/api/v1/routines", json=data, headers=bearer(alice_token))
    assert created.status_code == 201, created.json
    out = created.json
    assert out["client_id"] == data["id"] and out["cadence"] == {"times": 2, "per": "week"}
    assert out["reminders"] == {"nudge": True, "time": "18:30"} and out["kind"] == "self"
    assert (out["paused"], out["archived"], out["duration_minutes"]) == (False, False, 20)
    replay = client.post("/api/v1/routines", json=data, headers=bearer(alice_token))
    assert replay.status_code == 200 and replay.json == out
    other = client.post(
        "/api/v1/routines", json={**data, "name": "Ball"}, headers=bearer(alice_token)
    )
    assert other.status_code == 409 and "id" in other.json["errors"]
    assert count(app, Routine) == 1
    for key in (data["id"], str(out["id"])):
        assert client.get(f"/api/v1/routines/{key}", headers=bearer(alice_token)).json == out
    listed = client.get("/api/v1/routines", headers=bearer(alice_token)).json["routines"]
    assert listed == [out] and "cadence_count" in out  # the old fields are still there
    # Overdue since 3 May and never done: its nudge is planned in the same transaction.
    assert [s for s, _ in nudges(app, out["id"])] == ["pending"]


@pytest.mark.parametrize(
    ("cadence", "stored"),
    [
        ({"every": 2, "unit": "week"}, ("every", 2, "weeks", [])),
        ({"times": 3, "per": "month"}, ("times", 3, "months", [])),
        ({"weekdays": ["tue", "sat"]}, ("weekdays", 1, "weeks", [1, 5])),
    ],
)
def test_each_cadence_form_is_stored(client, app, alice, alice_token, cadence, stored):
    response = client.post(
        "/api/v1/routines", json=body(cadence=cadence), headers=bearer(alice_token)
    )
    assert response.status_code == 201 and response.json["cadence"] == cadence
    with app.app_context():
        r = db.session.scalar(db.select(Routine))
        assert (r.cadence_kind, r.cadence_count, r.cadence_unit, r.cadence_weekdays) == stored


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cadence": {"every": 2, "unit": "week", "times": 2, "per": "week"}}, "cadence"),
        ({"cadence": {"every": 2}}, "cadence"),
        ({"cadence": {"every": 99, "unit": "month"}}, "cadence"),
        ({"cadence": {"times": 0, "per": "week"}}, "cadence"),
        ({"cadence": {"weekdays": []}}, "cadence"),
        ({"cadence": {"weekdays": ["someday"]}}, "cadence"),
        ({"cadence": "weekly"}, "cadence"),
        ({"cadence": None}, "cadence"),
        ({"id": "not-a-uuid"}, "id"),
        ({"name": "  "}, "name"),
        ({"kind": "robot"}, "kind"),
        ({"paused": "yes"}, "paused"),
        ({"reminders": {"time": "25:99"}}, "reminders"),
        ({"reminders": {"nudge": "on"}}, "reminders"),
    ],
)
def test_bad_values_are_422_and_save_nothing(client, app, alice, alice_token, overrides, field):
    response = client.post("/api/v1/routines", json=body(**overrides), headers=bearer(alice_token))
    assert response.status_code == 422 and field in response.json["errors"]
    assert count(app, Routine) == 0


def test_patch_pauses_resumes_and_archives_with_replanning(client, app, alice, alice_token):
    data = body(anchor_date="2026-05-03")
    rid = client.post("/api/v1/routines", json=data, headers=bearer(alice_token)).json["id"]
    url = f"/api/v1/routines/{data['id']}"
    paused = client.patch(url, json={"paused": True}, headers=bearer(alice_token))
    assert paused.status_code == 200 and paused.json["paused"] is True
    assert [s for s, _ in nudges(app, rid)] == ["cancelled"]
    resumed = client.patch(url, json={"paused": False}, headers=bearer(alice_token))
    assert resumed.json["paused"] is False
    with app.app_context():
        assert len(db.session.get(Routine, rid).pauses) == 1  # the interval is closed
    changed = client.patch(
        url,
        json={"cadence": {"weekdays": ["wed"]}, "reminders": {"nudge": False}},
        headers=bearer(alice_token),
    )
    assert changed.json["cadence"] == {"weekdays": ["wed"]}
    assert changed.json["reminders"]["nudge"] is False
    assert all(s == "cancelled" for s, _ in nudges(app, rid))
    archived = client.patch(url, json={"archived": True}, headers=bearer(alice_token))
    assert archived.json["archived"] is True
    bad = client.patch(url, json={"archived": "soon"}, headers=bearer(alice_token))
    assert bad.status_code == 422
    assert (
        client.patch(url, json={"id": str(uuid.uuid4())}, headers=bearer(alice_token)).status_code
        == 422
    )


def test_bob_cannot_read_or_change_alices_routine(client, app, alice, bob_token, alice_token):
    data = body()
    rid = client.post("/api/v1/routines", json=data, headers=bearer(alice_token)).json["id"]
    for key in (data["id"], str(rid)):
        assert client.get(f"/api/v1/routines/{key}", headers=bearer(bob_token)).status_code == 404
        patched = client.patch(
            f"/api/v1/routines/{key}", json={"paused": True}, headers=bearer(bob_token)
        )
        assert patched.status_code == 404
    assert client.get("/api/v1/routines", headers=bearer(bob_token)).json["routines"] == []
    # bob reusing alice's UUID makes his own routine; hers is untouched.
    assert client.post("/api/v1/routines", json=data, headers=bearer(bob_token)).status_code == 201
    with app.app_context():
        assert db.session.get(Routine, rid).paused_at is None


def test_a_session_can_name_its_routine_by_uuid(client, app, alice, alice_token, bob_token):
    data = body()
    rid = client.post("/api/v1/routines", json=data, headers=bearer(alice_token)).json["id"]
    session = {"id": str(uuid.uuid4()), "occurred_at": "2026-05-06T11:00:00+02:00",
               "kind": "self", "pain_before": 5, "pain_after": 2, "mood": 4,
               "routine_id": data["id"]}  # fmt: skip
    response = client.post("/api/v1/sessions", json=session, headers=bearer(alice_token))
    assert response.status_code == 201 and response.json["routine_id"] == rid
    theirs = {**session, "id": str(uuid.uuid4())}
    refused = client.post("/api/v1/sessions", json=theirs, headers=bearer(bob_token))
    assert refused.status_code == 422 and "routine_id" in refused.json["errors"]
    assert count(app, MassageSession) == 1


def test_reminders_are_listed_by_status_in_due_order(client, app, alice, alice_token, bob_token):
    ids = []
    for name in ("Foam roller", "Ball"):
        created = client.post(
            "/api/v1/routines",
            json=body(name=name, anchor_date="2026-05-03"),
            headers=bearer(alice_token),
        )
        ids.append(created.json["id"])
    client.patch(f"/api/v1/routines/{ids[1]}", json={"paused": True}, headers=bearer(alice_token))
    listed = client.get("/api/v1/reminders", headers=bearer(alice_token)).json["reminders"]
    assert [r["status"] for r in listed] == ["pending", "cancelled"] or [
        r["status"] for r in listed
    ] == ["cancelled", "pending"]
    pending = client.get("/api/v1/reminders?status=pending", headers=bearer(alice_token)).json
    (only,) = pending["reminders"]
    assert set(only) == {"id", "kind", "also", "due_at", "status", "title", "body"}
    assert only["also"] == []  # only a merged morning check-in names a second question
    assert only["kind"] == "routine_due" and only["title"].startswith("Foam roller is ")
    assert only["due_at"] == "2026-05-06T18:30:00+02:00"  # Berlin, with its offset
    dues = [r["due_at"] for r in listed]
    assert dues == sorted(dues)
    assert client.get("/api/v1/reminders", headers=bearer(bob_token)).json["reminders"] == []
    bad = client.get("/api/v1/reminders?status=lost", headers=bearer(alice_token))
    assert bad.status_code == 422 and "status" in bad.json["errors"]
