"""JSON API for appointments and routines (tracker/routines/api.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.logbook.conftest import add_appointment, bearer, make_token
from tracker.extensions import db
from tracker.models import Appointment, Reminder
from tracker.signals import appointment_changed


@pytest.fixture
def alice_token(app, alice) -> str:
    return make_token(app, alice)


@pytest.fixture
def bob_token(app, bob) -> str:
    return make_token(app, bob)


def appointment_body(**overrides):
    return {
        "id": str(uuid.uuid4()),
        "starts_at": "2026-11-20T17:00:00+01:00",
        "therapist": "Dana Kim",
        "location": "Studio 4",
        "style": "sports",
        "duration_minutes": 50,
        **overrides,
    }


def test_appointments_create_replay_conflict_and_signal(client, app, alice, alice_token):
    ids = add_appointment(app, alice.id)
    sent = []
    appointment_changed.connect(sent.append, weak=False)
    try:
        body = appointment_body(routine_id=ids["routine"])
        first = client.post("/api/v1/appointments", json=body, headers=bearer(alice_token))
        again = client.post("/api/v1/appointments", json=body, headers=bearer(alice_token))
        clash = client.post(
            "/api/v1/appointments",
            json={**body, "location": "Elsewhere"},
            headers=bearer(alice_token),
        )
    finally:
        appointment_changed.disconnect(sent.append)
    assert (first.status_code, again.status_code, clash.status_code) == (201, 200, 409)
    assert (
        first.json["status"] == "booked" and first.json["starts_at"] == "2026-11-20T17:00:00+01:00"
    )
    assert len(sent) == 1
    with app.app_context():
        appt = db.session.scalar(db.select(Appointment).where(Appointment.client_id == body["id"]))
        assert appt.therapist_id == ids["therapist"] and appt.location == "Studio 4"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("starts_at", "tomorrow"),
        ("starts_at", None),
        ("status", "maybe"),
        ("style", "kung_fu"),
        ("duration_minutes", 0),
        ("id", "nope"),
        ("routine_id", 12345),
        ("location", "x" * 201),
    ],
)
def test_bad_appointments_are_422(client, app, alice, alice_token, field, value):
    response = client.post(
        "/api/v1/appointments", json=appointment_body(**{field: value}), headers=bearer(alice_token)
    )
    assert response.status_code == 422 and list(response.json["errors"]) == [field]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Appointment)) == 0


def test_appointments_and_routines_are_listed_per_user(
    client, app, alice, bob, alice_token, bob_token
):
    mine = add_appointment(app, alice.id)
    add_appointment(app, bob.id)
    listed = client.get("/api/v1/appointments", headers=bearer(alice_token)).json
    assert [a["id"] for a in listed["appointments"]] == [mine["appointment_uuid"]]
    assert listed["appointments"][0]["therapist"] == "Dana Kim"
    routines = client.get("/api/v1/routines", headers=bearer(alice_token)).json["routines"]
    assert [r["id"] for r in routines] == [mine["routine"]]
    assert routines[0]["anchor_date"] == date(2026, 1, 1).isoformat()
    # bob can't attach alice's routine to his appointment
    response = client.post(
        "/api/v1/appointments",
        json=appointment_body(routine_id=mine["routine"]),
        headers=bearer(bob_token),
    )
    assert response.status_code == 422


def test_appointment_list_pages(client, app, alice, alice_token):
    for _ in range(3):
        add_appointment(app, alice.id, with_routine=False)
    first = client.get("/api/v1/appointments?limit=2", headers=bearer(alice_token)).json
    second = client.get(
        f"/api/v1/appointments?limit=2&cursor={first['next_cursor']}", headers=bearer(alice_token)
    ).json
    ids = [a["id"] for a in first["appointments"] + second["appointments"]]
    assert len(set(ids)) == 3 and second["next_cursor"] is None


# --- PATCH: what the forms offer, with the same rules ----------------------------------------


def book_via_api(client, token, **overrides) -> dict:
    response = client.post(
        "/api/v1/appointments", json=appointment_body(**overrides), headers=bearer(token)
    )
    assert response.status_code == 201, response.json
    return response.json


def pending_reminders(app, appt_uuid):
    with app.app_context():
        appt = db.session.scalar(db.select(Appointment).where(Appointment.client_id == appt_uuid))
        return list(
            db.session.scalars(
                db.select(Reminder).where(
                    Reminder.kind == "appointment",
                    Reminder.subject_id == appt.id,
                    Reminder.status == "pending",
                )
            )
        )


def test_patch_moves_an_appointment_and_replans_its_reminder(client, app, alice, alice_token):
    appt = book_via_api(client, alice_token)
    before = [r.due_at for r in pending_reminders(app, appt["id"])]
    moved = client.patch(
        f"/api/v1/appointments/{appt['id']}",
        json={"starts_at": "2026-11-27T09:30:00+01:00"},
        headers=bearer(alice_token),
    )
    assert moved.status_code == 200 and moved.json["starts_at"] == "2026-11-27T09:30:00+01:00"
    after = [r.due_at for r in pending_reminders(app, appt["id"])]
    new_start = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    assert before and len(after) == len(before)
    assert all(new_start - timedelta(days=2) < due < new_start for due in after)


def test_patch_changes_details_and_clears_text(client, app, alice, alice_token):
    appt = book_via_api(client, alice_token)
    response = client.patch(
        f"/api/v1/appointments/{appt['id']}",
        json={"location": "", "notes": "Left shoulder", "duration_minutes": 30},
        headers=bearer(alice_token),
    )
    assert response.status_code == 200
    assert (
        response.json["location"],
        response.json["notes"],
        response.json["duration_minutes"],
    ) == ("", "Left shoulder", 30)
    assert response.json["starts_at"] == appt["starts_at"] and response.json["status"] == "booked"


def test_patch_cancels_and_reinstates_like_the_form(client, app, alice, alice_token):
    appt = book_via_api(client, alice_token)
    url, auth = f"/api/v1/appointments/{appt['id']}", bearer(alice_token)
    cancelled = client.patch(url, json={"status": "cancelled"}, headers=auth)
    assert cancelled.json["status"] == "cancelled" and pending_reminders(app, appt["id"]) == []
    # A cancelled appointment can't be moved until it is reinstated...
    refused = client.patch(url, json={"starts_at": "2026-11-21T17:00:00+01:00"}, headers=auth)
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["starts_at"]
    # ...and reinstating and moving in one call works.
    back = client.patch(
        url, json={"status": "booked", "starts_at": "2026-11-21T17:00:00+01:00"}, headers=auth
    )
    assert back.status_code == 200 and back.json["status"] == "booked"
    assert back.json["starts_at"] == "2026-11-21T17:00:00+01:00"
    assert pending_reminders(app, appt["id"])  # reminded again


def test_patch_refuses_to_complete_a_future_appointment(client, app, alice, alice_token):
    appt = book_via_api(client, alice_token)
    response = client.patch(
        f"/api/v1/appointments/{appt['id']}", json={"status": "done"}, headers=bearer(alice_token)
    )
    assert response.status_code == 422
    assert response.json["errors"]["status"] == ["You can mark it done once it has started."]
    assert (
        client.get(f"/api/v1/appointments/{appt['id']}", headers=bearer(alice_token)).json["status"]
        == "booked"
    )


def test_patch_completes_a_past_appointment_once(client, app, alice, alice_token, frozen):
    appt = book_via_api(client, alice_token)
    frozen.move_to(datetime(2026, 11, 20, 17, 30, tzinfo=UTC))
    url, auth = f"/api/v1/appointments/{appt['id']}", bearer(alice_token)
    done = client.patch(url, json={"status": "done"}, headers=auth)
    assert done.status_code == 200 and done.json["status"] == "done"
    again = client.patch(url, json={"status": "done"}, headers=auth)  # a retry changes nothing
    assert again.status_code == 200
    rebook = client.patch(url, json={"status": "booked"}, headers=auth)
    assert rebook.status_code == 422 and "status" in rebook.json["errors"]


@pytest.mark.parametrize(
    "body",
    [
        {"starts_at": "soon"},
        {"status": "maybe"},
        {"duration_minutes": 0},
        {"starts_at": None},
        {"id": "3f2c9a4e-8b1d-4c6e-9f7a-2d5b8e1c0a43"},
        {"style": "kung_fu"},
    ],
)
def test_bad_patches_are_422_and_change_nothing(client, app, alice, alice_token, body):
    appt = book_via_api(client, alice_token)
    response = client.patch(
        f"/api/v1/appointments/{appt['id']}", json=body, headers=bearer(alice_token)
    )
    assert response.status_code == 422 and list(response.json["errors"]) == list(body)
    assert (
        client.get(f"/api/v1/appointments/{appt['id']}", headers=bearer(alice_token)).json == appt
    )


def test_bob_cannot_read_or_patch_alices_appointment(
    client, app, alice, bob, alice_token, bob_token
):
    appt = book_via_api(client, alice_token)
    url = f"/api/v1/appointments/{appt['id']}"
    assert client.get(url, headers=bearer(bob_token)).status_code == 404
    assert (
        client.patch(url, json={"status": "cancelled"}, headers=bearer(bob_token)).status_code
        == 404
    )
    assert client.get(url, headers=bearer(alice_token)).json["status"] == "booked"
    assert (
        client.patch(
            "/api/v1/appointments/not-a-uuid", json={}, headers=bearer(alice_token)
        ).status_code
        == 404
    )
