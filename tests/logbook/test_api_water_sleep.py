"""JSON API: water and sleep (and sessions linked to appointments)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tracker.extensions import db
from tracker.logbook.water import record_drink
from tracker.models import SleepLog, WaterIntake

from .conftest import add_appointment, add_session, bearer, get_session


def water_rows(app, user_id):
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(WaterIntake)
            .where(WaterIntake.user_id == user_id)
        )


def test_water_is_idempotent_and_bumps_the_session_once(client, app, alice, alice_token):
    session = add_session(app, alice.id, water_glasses=1)
    body = {"id": str(uuid.uuid4()), "session_id": session}
    first = client.post("/api/v1/water", json=body, headers=bearer(alice_token))
    again = client.post("/api/v1/water", json=body, headers=bearer(alice_token))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["session_id"] == session and first.json["drank_at"] == "2026-11-07T14:00:00Z"
    assert get_session(app, session).water_glasses == 2
    assert water_rows(app, alice.id) == 1


def test_water_without_a_session_just_records_the_glass(client, app, alice, alice_token):
    body = {"id": str(uuid.uuid4()), "session_id": None, "drank_at": "2026-11-07T14:30:00+01:00"}
    response = client.post("/api/v1/water", json=body, headers=bearer(alice_token))
    assert response.status_code == 201 and response.json["session_id"] is None
    assert response.json["drank_at"] == "2026-11-07T13:30:00Z"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": None}, "id"),
        ({"id": "x"}, "id"),
        ({"session_id": str(uuid.uuid4())}, "session_id"),
        ({"drank_at": "2026-11-10T10:00:00Z"}, "drank_at"),
        ({"drank_at": "noon"}, "drank_at"),
    ],
)
def test_bad_water_is_422_and_records_nothing(client, app, alice, alice_token, body, field):
    body = {"id": str(uuid.uuid4()), **body}
    response = client.post("/api/v1/water", json=body, headers=bearer(alice_token))
    assert response.status_code == 422 and field in response.json["errors"]
    assert water_rows(app, alice.id) == 0


def test_bob_cannot_add_water_to_alices_session(client, app, alice, bob, bob_token):
    session = add_session(app, alice.id)
    body = {"id": str(uuid.uuid4()), "session_id": session}
    response = client.post("/api/v1/water", json=body, headers=bearer(bob_token))
    assert response.status_code == 422 and "session_id" in response.json["errors"]
    assert get_session(app, session).water_glasses == 0


def test_record_drink_contract(app, alice, bob):
    session = add_session(app, alice.id)
    with app.app_context():
        internal = get_session(app, session).id
        at = datetime(2026, 11, 7, 13, 0, tzinfo=UTC)
        row, created = record_drink(alice.id, "c-1", internal, at)
        again, created_again = record_drink(alice.id, "c-1", internal, at)
        foreign, _ = record_drink(bob.id, "c-2", internal, at)  # bob's tap can't touch alice's
        db.session.commit()
        assert (created, created_again) == (True, False) and again.id == row.id
        assert foreign.session_id is None
    assert get_session(app, session).water_glasses == 1


def test_sleep_is_one_per_night_and_editable(client, app, alice, alice_token):
    first = client.post(
        "/api/v1/sleep", json={"quality": 2, "hours": 5.5}, headers=bearer(alice_token)
    )
    assert first.status_code == 201
    assert first.json["night"] == "2026-11-06" and first.json["hours"] == 5.5
    again = client.post(
        "/api/v1/sleep", json={"night": "2026-11-06", "quality": 4}, headers=bearer(alice_token)
    )
    assert again.status_code == 200 and again.json["quality"] == 4 and again.json["hours"] is None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SleepLog)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "quality"),
        ({"quality": 6}, "quality"),
        ({"quality": "good"}, "quality"),
        ({"quality": 3, "hours": 30}, "hours"),
        ({"quality": 3, "night": "2026-11-09"}, "night"),
        ({"quality": 3, "night": "06/11/2026"}, "night"),
    ],
)
def test_bad_sleep_is_422(client, app, alice_token, body, field):
    response = client.post("/api/v1/sleep", json=body, headers=bearer(alice_token))
    assert response.status_code == 422 and field in response.json["errors"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SleepLog)) == 0


def test_sleep_entries_are_per_user(client, app, alice, bob, alice_token, bob_token):
    client.post("/api/v1/sleep", json={"quality": 2}, headers=bearer(alice_token))
    bobs = client.post("/api/v1/sleep", json={"quality": 5}, headers=bearer(bob_token))
    assert bobs.status_code == 201
    with app.app_context():
        rows = {r.user_id: r.quality for r in db.session.scalars(db.select(SleepLog))}
    assert rows == {alice.id: 2, bob.id: 5}


def test_sessions_link_to_my_appointment_by_uuid(client, app, alice, bob, alice_token, bob_token):
    from .conftest import payload

    ids = add_appointment(app, alice.id)
    body = payload(appointment_id=ids["appointment_uuid"])
    response = client.post("/api/v1/sessions", json=body, headers=bearer(alice_token))
    assert (
        response.status_code == 201 and response.json["appointment_id"] == ids["appointment_uuid"]
    )
    stolen = client.post(
        "/api/v1/sessions",
        json=payload(appointment_id=ids["appointment_uuid"]),
        headers=bearer(bob_token),
    )
    assert stolen.status_code == 422 and "appointment_id" in stolen.json["errors"]
