"""Therapists: CRUD, validation, deleting keeps history, isolation."""

import pytest

from tracker.models import Appointment, MassageSession, Routine, Therapist

from .conftest import count, get

VALID = {
    "name": "Dana Smith",
    "phone": "+49 30 1234567",
    "email": "dana@example.com",
    "website": "https://dana.example.com",
    "specialties": "deep tissue, sports",
    "notes": "Ground floor",
}


def test_it_adds_lists_and_edits_therapists(alice_client, app, alice):
    assert alice_client.post("/therapists/new", data=VALID).status_code == 302
    page = alice_client.get("/therapists").get_data(as_text=True)
    assert "Dana Smith" in page and 'href="tel:+49301234567"' in page
    tid = get(app, Therapist, 1).id
    alice_client.post(f"/therapists/{tid}/edit", data={**VALID, "name": "Dana S."})
    assert get(app, Therapist, tid).name == "Dana S."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter a name."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("website", "javascript:alert(1)", "Enter a full address"),
        ("phone", "1" * 41, "Field cannot be longer than 40 characters."),
    ],
)
def test_it_rejects_bad_therapist_input(alice_client, app, alice, field, value, message):
    response = alice_client.post("/therapists/new", data={**VALID, field: value})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert count(app, Therapist) == 0


def test_deleting_a_therapist_keeps_history(alice_client, app, alice, make):
    dana = make.therapist(alice, "Dana")
    routine = make.routine(alice, therapist_id=dana.id)
    appt = make.appointment(alice, therapist_id=dana.id)  # name copy missing: filled on delete
    session = make.session(alice, therapist_id=dana.id, therapist_name="Dana (then)")
    assert alice_client.post(f"/therapists/{dana.id}/delete").status_code == 302
    assert count(app, Therapist) == 0
    assert get(app, Routine, routine.id).therapist_id is None
    kept = get(app, Appointment, appt.id)
    assert (kept.therapist_id, kept.therapist_name) == (None, "Dana")
    logged = get(app, MassageSession, session.id)
    assert (logged.therapist_id, logged.therapist_name) == (None, "Dana (then)")
    assert "Dana" in alice_client.get(f"/appointments/{appt.id}").get_data(as_text=True)


def test_bob_cannot_see_edit_or_delete_alices_therapist(bob_client, app, alice, bob, make):
    dana = make.therapist(alice, "Alice's Dana")
    assert "Alice" not in bob_client.get("/therapists").get_data(as_text=True)
    assert bob_client.get(f"/therapists/{dana.id}/edit").status_code == 404
    assert bob_client.post(f"/therapists/{dana.id}/edit", data=VALID).status_code == 404
    assert bob_client.post(f"/therapists/{dana.id}/delete").status_code == 404
    assert get(app, Therapist, dana.id).name == "Alice's Dana"


def test_therapist_pages_need_login(client, alice, make):
    dana = make.therapist(alice)
    assert client.get("/therapists").status_code == 302
    assert client.get(f"/therapists/{dana.id}/edit").status_code == 302
    assert client.post(f"/therapists/{dana.id}/delete").status_code == 302
    assert count(client.application, Therapist) == 1
