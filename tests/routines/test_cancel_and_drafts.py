"""Cancelling asks first; "Add a therapist" comes back to the form with what was typed."""

from __future__ import annotations

from datetime import timedelta

from tracker.models import Appointment, Routine, Therapist

from .conftest import NOW, count, get


def test_cancel_asks_for_confirmation_first(app, alice_client, alice, make):
    appt = make.appointment(alice, starts_at=NOW + timedelta(days=3), therapist_name="Dana")
    page = alice_client.get(f"/appointments/{appt.id}").get_data(as_text=True)
    assert f'href="/appointments/{appt.id}/confirm-cancel"' in page
    assert f'action="/appointments/{appt.id}/cancel"' not in page  # no one-tap cancel
    confirm = alice_client.get(f"/appointments/{appt.id}/confirm-cancel")
    assert confirm.status_code == 200 and "Cancel this appointment?" in confirm.text
    assert f'action="/appointments/{appt.id}/cancel"' in confirm.text
    assert get(app, Appointment, appt.id).status == "booked"  # asking changed nothing
    alice_client.post(f"/appointments/{appt.id}/cancel")
    assert get(app, Appointment, appt.id).status == "cancelled"
    again = alice_client.get(f"/appointments/{appt.id}/confirm-cancel")
    assert again.status_code == 302  # nothing to confirm for a cancelled one


def test_bob_cannot_see_the_confirmation_for_alices_appointment(bob_client, alice, make):
    appt = make.appointment(alice, starts_at=NOW + timedelta(days=3))
    assert bob_client.get(f"/appointments/{appt.id}/confirm-cancel").status_code == 404


ROUTINE = {
    "name": "Monthly with someone new",
    "kind": "professional",
    "cadence_kind": "every",
    "cadence_count": "1",
    "cadence_unit": "months",
    "anchor_date": "2026-05-20",
    "preferred_time": "17:30",
    "style": "shiatsu",
    "duration_minutes": "75",
    "therapist_id": "",
}


def test_add_a_therapist_from_the_routine_form_comes_back_with_what_was_typed(
    app, alice_client, alice
):
    leave = alice_client.post("/routine/new", data={**ROUTINE, "add_therapist": "1"})
    assert leave.status_code == 302
    assert leave.headers["Location"].startswith("/therapists/new?back=/routine/new")
    assert count(app, Routine) == 0  # nothing saved on the way out
    added = alice_client.post(leave.headers["Location"], data={"name": "Kim"})
    assert added.status_code == 302 and added.headers["Location"] == "/routine/new"
    form = alice_client.get("/routine/new").get_data(as_text=True)
    assert 'value="Monthly with someone new"' in form and 'value="75"' in form
    assert 'value="17:30"' in form
    kim = next(t for t in [get(app, Therapist, 1)] if t is not None)
    assert f'<option selected value="{kim.id}">Kim</option>' in form or (
        f'value="{kim.id}" selected' in form
    )
    # A second visit starts fresh again.
    assert 'value="Monthly with someone new"' not in alice_client.get("/routine/new").text


def test_add_a_therapist_from_the_appointment_form(app, alice_client, alice, make):
    routine = make.routine(alice)
    path = f"/appointments/new?routine={routine.id}"
    data = {"routine_id": str(routine.id), "day": "2026-05-12", "at": "09:15",
            "duration_minutes": "50", "style": "sports", "location": "Studio 4", "notes": "",
            "therapist_id": "", "add_therapist": "1"}  # fmt: skip
    leave = alice_client.post(path, data=data)
    assert leave.headers["Location"].startswith("/therapists/new?back=")
    added = alice_client.post(leave.headers["Location"], data={"name": "Kim"})
    assert added.headers["Location"] == path
    form = alice_client.get(path).get_data(as_text=True)
    assert 'value="Studio 4"' in form and 'value="09:15"' in form and 'value="50"' in form
    assert count(app, Appointment) == 0


def test_the_therapist_form_returns_only_to_our_forms(app, alice_client, alice):
    for back in ("https://evil.example/", "//evil.example/routine/", "/settings"):
        response = alice_client.post(f"/therapists/new?back={back}", data={"name": "Kim"})
        assert response.headers["Location"] == "/therapists", back
