"""Routine pages: create, validate, edit, pause/resume, archive, and isolation."""

from datetime import date, time

import pytest

from tracker.models import Routine

from .conftest import count, get

VALID = {
    "name": "Fortnightly with Dana",
    "kind": "professional",
    "cadence_count": "2",
    "cadence_unit": "weeks",
    "anchor_date": "2026-05-10",
    "preferred_time": "19:00",
    "therapist_id": "",
    "style": "deep_tissue",
    "duration_minutes": "60",
}


def test_it_creates_two_routines_and_lists_their_status(alice_client, app, alice, frozen):
    assert alice_client.post("/routine/new", data=VALID).status_code == 302
    self_care = {
        **VALID,
        "name": "Foam roller",
        "kind": "self",
        "cadence_count": "1",
        "anchor_date": "2026-05-03",
    }
    assert alice_client.post("/routine/new", data=self_care).status_code == 302
    page = alice_client.get("/routine").get_data(as_text=True)
    assert "Fortnightly with Dana" in page and "Foam roller" in page
    assert "on track" in page  # due Sun 10 May, four days away
    assert "overdue by 3 days" in page  # self routine anchored Sun 3 May, never done
    assert count(app, Routine, user_id=alice.id) == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cadence_count", "0", "Every 1 to 52 weeks."),
        ("cadence_count", "-3", "Every 1 to 52 weeks."),
        ("cadence_count", "53", "Every 1 to 52 weeks."),
        ("cadence_count", "abc", "Not a valid integer value."),
        ("cadence_count", "", "Enter a number."),
        ("name", "", "Give the routine a name."),
        ("anchor_date", "9999-12-31", "Choose a date between 2000 and 2100."),
        ("anchor_date", "2026-02-30", "Not a valid date value."),
        ("preferred_time", "25:00", "Not a valid time value."),
        ("duration_minutes", "0", "Between 1 minute and 8 hours"),
        ("duration_minutes", "481", "Between 1 minute and 8 hours"),
        ("kind", "robot", "Not a valid choice."),
        ("style", "karate", "Not a valid choice."),
        ("therapist_id", "abc", "could not coerce"),
    ],
)
def test_it_rejects_bad_routine_input_next_to_the_field(
    alice_client, app, alice, field, value, message
):
    response = alice_client.post("/routine/new", data={**VALID, field: value})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page
    assert count(app, Routine) == 0


@pytest.mark.parametrize(
    ("count_", "unit", "ok"),
    [
        ("365", "days", True),
        ("366", "days", False),
        ("12", "months", True),
        ("13", "months", False),
        ("52", "weeks", True),
    ],
)
def test_cadence_limits_depend_on_the_unit(alice_client, app, alice, count_, unit, ok):
    response = alice_client.post(
        "/routine/new", data={**VALID, "cadence_count": count_, "cadence_unit": unit}
    )
    assert (response.status_code == 302) is ok
    assert count(app, Routine) == (1 if ok else 0)


def test_it_uses_my_therapist_as_default(alice_client, app, alice, make):
    dana = make.therapist(alice)
    alice_client.post("/routine/new", data={**VALID, "therapist_id": str(dana.id)})
    with app.app_context():
        from tracker.extensions import db

        routine = db.session.scalar(db.select(Routine))
        assert routine.therapist_id == dana.id
        assert routine.preferred_time == time(19, 0)
        assert routine.anchor_date == date(2026, 5, 10)


def test_someone_elses_therapist_in_the_form_is_404_and_nothing_saved(
    alice_client, app, alice, bob, make
):
    bobs = make.therapist(bob, "Bob's therapist")
    response = alice_client.post("/routine/new", data={**VALID, "therapist_id": str(bobs.id)})
    assert response.status_code == 404
    response = alice_client.post("/routine/new", data={**VALID, "therapist_id": "99999"})
    assert response.status_code == 404
    assert count(app, Routine) == 0


def test_it_edits_a_routine(alice_client, app, alice, make):
    routine = make.routine(alice)
    page = alice_client.get(f"/routine/{routine.id}/edit")
    assert b'value="Fortnightly"' in page.data
    response = alice_client.post(
        f"/routine/{routine.id}/edit",
        data={**VALID, "name": "Monthly", "cadence_unit": "months", "cadence_count": "1"},
    )
    assert response.status_code == 302
    assert get(app, Routine, routine.id).cadence_unit == "months"


def test_pause_resume_archive_restore(alice_client, app, alice, make, frozen):
    routine = make.routine(
        alice, cadence_count=1, cadence_unit="weeks", anchor_date=date(2026, 4, 5)
    )
    alice_client.post(f"/routine/{routine.id}/pause")
    assert get(app, Routine, routine.id).paused_at is not None
    assert "paused" in alice_client.get("/routine").get_data(as_text=True)
    alice_client.post(f"/routine/{routine.id}/resume")
    resumed = get(app, Routine, routine.id)
    assert resumed.paused_at is None and len(resumed.pauses) == 1
    # Restarts at the next weekly occurrence on the old grid (Sun 10 May), not overdue.
    assert resumed.anchor_date == date(2026, 5, 10)
    alice_client.post(f"/routine/{routine.id}/archive")
    assert get(app, Routine, routine.id).archived_at is not None
    page = alice_client.get("/routine").get_data(as_text=True)
    assert "Archived routines (1)" in page
    alice_client.post(f"/routine/{routine.id}/restore")
    assert get(app, Routine, routine.id).archived_at is None


def test_unknown_routine_action_is_404(alice_client, alice, make):
    routine = make.routine(alice)
    assert alice_client.post(f"/routine/{routine.id}/explode").status_code == 404


def test_routine_pages_need_login(client, alice, make):
    routine = make.routine(alice)
    for url in ["/routine", "/routine/new", f"/routine/{routine.id}/edit"]:
        assert client.get(url).status_code == 302
    assert client.post(f"/routine/{routine.id}/pause").status_code == 302


def test_missing_csrf_token_is_rejected(alice_client, app, alice):
    assert alice_client.post("/routine/new", data=VALID, csrf=False).status_code == 400
    assert count(app, Routine) == 0


def test_bob_cannot_see_or_change_alices_routines(bob_client, app, alice, bob, make):
    routine = make.routine(alice, name="Alice private routine")
    assert "Alice private routine" not in bob_client.get("/routine").get_data(as_text=True)
    assert bob_client.get(f"/routine/{routine.id}/edit").status_code == 404
    assert (
        bob_client.post(
            f"/routine/{routine.id}/edit", data={**VALID, "name": "hijacked"}
        ).status_code
        == 404
    )
    for action in ("pause", "resume", "archive", "restore"):
        assert bob_client.post(f"/routine/{routine.id}/{action}").status_code == 404
    after = get(app, Routine, routine.id)
    assert (after.name, after.paused_at, after.archived_at) == ("Alice private routine", None, None)
