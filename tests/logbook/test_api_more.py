"""JSON API: water, sleep, appointments and routines."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from tracker.extensions import db
from tracker.logbook.water import record_drink
from tracker.models import Appointment, SleepLog, WaterIntake
from tracker.signals import appointment_changed

from .conftest import add_appointment, add_session, bearer, get_session


def water_rows(app, user_id):
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count()).select_from(WaterIntake).where(WaterIntake.user_id == user_id)
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
    [({"id": None}, "id"), ({"id": "x"}, "id"), ({"session_id": str(uuid.uuid4())}, "session_id"),
     ({"drank_at": "2026-11-10T10:00:00Z"}, "drank_at"), ({"drank_at": "noon"}, "drank_at")],
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
    first = client.post("/api/v1/sleep", json={"quality": 2, "hours": 5.5}, headers=bearer(alice_token))
    assert first.status_code == 201
    assert first.json["night"] == "2026-11-06" and first.json["hours"] == 5.5
    again = client.post("/api/v1/sleep", json={"night": "2026-11-06", "quality": 4},
                        headers=bearer(alice_token))
    assert again.status_code == 200 and again.json["quality"] == 4 and again.json["hours"] is None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SleepLog)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "quality"), ({"quality": 6}, "quality"), ({"quality": "good"}, "quality"),
     ({"quality": 3, "hours": 30}, "hours"), ({"quality": 3, "night": "2026-11-09"}, "night"),
     ({"quality": 3, "night": "06/11/2026"}, "night")],
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


def appointment_body(**overrides):
    return {"id": str(uuid.uuid4()), "starts_at": "2026-11-20T17:00:00+01:00", "therapist": "Dana Kim",
            "location": "Studio 4", "style": "sports", "duration_minutes": 50, **overrides}


def test_appointments_create_replay_conflict_and_signal(client, app, alice, alice_token):
    ids = add_appointment(app, alice.id)
    sent = []
    appointment_changed.connect(sent.append, weak=False)
    try:
        body = appointment_body(routine_id=ids["routine"])
        first = client.post("/api/v1/appointments", json=body, headers=bearer(alice_token))
        again = client.post("/api/v1/appointments", json=body, headers=bearer(alice_token))
        clash = client.post("/api/v1/appointments", json={**body, "location": "Elsewhere"},
                            headers=bearer(alice_token))
    finally:
        appointment_changed.disconnect(sent.append)
    assert (first.status_code, again.status_code, clash.status_code) == (201, 200, 409)
    assert first.json["status"] == "booked" and first.json["starts_at"] == "2026-11-20T17:00:00+01:00"
    assert len(sent) == 1
    with app.app_context():
        appt = db.session.scalar(db.select(Appointment).where(Appointment.client_id == body["id"]))
        assert appt.therapist_id == ids["therapist"] and appt.location == "Studio 4"


@pytest.mark.parametrize(
    ("field", "value"),
    [("starts_at", "tomorrow"), ("starts_at", None), ("status", "maybe"), ("style", "kung_fu"),
     ("duration_minutes", 0), ("id", "nope"), ("routine_id", 12345), ("location", "x" * 201)],
)
def test_bad_appointments_are_422(client, app, alice, alice_token, field, value):
    response = client.post("/api/v1/appointments", json=appointment_body(**{field: value}),
                           headers=bearer(alice_token))
    assert response.status_code == 422 and list(response.json["errors"]) == [field]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Appointment)) == 0


def test_appointments_and_routines_are_listed_per_user(client, app, alice, bob, alice_token, bob_token):
    mine = add_appointment(app, alice.id)
    add_appointment(app, bob.id)
    listed = client.get("/api/v1/appointments", headers=bearer(alice_token)).json
    assert [a["id"] for a in listed["appointments"]] == [mine["appointment_uuid"]]
    assert listed["appointments"][0]["therapist"] == "Dana Kim"
    routines = client.get("/api/v1/routines", headers=bearer(alice_token)).json["routines"]
    assert [r["id"] for r in routines] == [mine["routine"]]
    assert routines[0]["anchor_date"] == date(2026, 1, 1).isoformat()
    # bob can't attach alice's routine to his appointment
    response = client.post("/api/v1/appointments", json=appointment_body(routine_id=mine["routine"]),
                           headers=bearer(bob_token))
    assert response.status_code == 422


def test_appointment_list_pages(client, app, alice, alice_token):
    for _ in range(3):
        add_appointment(app, alice.id, with_routine=False)
    first = client.get("/api/v1/appointments?limit=2", headers=bearer(alice_token)).json
    second = client.get(f"/api/v1/appointments?limit=2&cursor={first['next_cursor']}",
                        headers=bearer(alice_token)).json
    ids = [a["id"] for a in first["appointments"] + second["appointments"]]
    assert len(set(ids)) == 3 and second["next_cursor"] is None


def test_sessions_link_to_my_appointment_by_uuid(client, app, alice, bob, alice_token, bob_token):
    from .conftest import payload

    ids = add_appointment(app, alice.id)
    body = payload(appointment_id=ids["appointment_uuid"])
    response = client.post("/api/v1/sessions", json=body, headers=bearer(alice_token))
    assert response.status_code == 201 and response.json["appointment_id"] == ids["appointment_uuid"]
    stolen = client.post("/api/v1/sessions", json=payload(appointment_id=ids["appointment_uuid"]),
                         headers=bearer(bob_token))
    assert stolen.status_code == 422 and "appointment_id" in stolen.json["errors"]
