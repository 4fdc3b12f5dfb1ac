"""Appointments over HTTP: booking, time-zone round trips, DST gaps, status changes, isolation."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tracker.extensions import db
from tracker.models import Appointment
from tracker.signals import appointment_changed

from .conftest import NOW, count, get

VALID = {
    "routine_id": "",
    "therapist_id": "",
    "day": "2026-05-20",
    "at": "18:30",
    "duration_minutes": "60",
    "style": "swedish",
    "location": "Studio 4",
    "notes": "Left shoulder is sore",
}


@pytest.fixture
def changes(app):
    """Record appointment_changed signals with whether the row was committed yet."""
    seen = []

    def receiver(appt, **kw):
        seen.append((appt.id, appt.status, db.session().in_transaction()))

    appointment_changed.connect(receiver)
    yield seen
    appointment_changed.disconnect(receiver)


def only(app):
    with app.app_context():
        row = db.session.scalars(db.select(Appointment)).one()
        db.session.expunge(row)
        return row


def test_it_books_in_local_time_and_stores_utc(alice_client, app, alice, changes):
    response = alice_client.post("/appointments/new", data=VALID)
    assert response.status_code == 302
    appt = only(app)
    # Berlin is UTC+2 in May.
    assert appt.starts_at == datetime(2026, 5, 20, 16, 30, tzinfo=UTC)
    assert (appt.status, appt.location, appt.notes) == (
        "booked",
        "Studio 4",
        "Left shoulder is sore",
    )
    assert changes == [(appt.id, "booked", True)]
    page = alice_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Wed 20 May 2026, 18:30" in page and "19:30" in page


def test_the_same_wall_clock_time_in_new_york_is_a_different_instant(bob_client, app, bob):
    assert bob_client.post("/appointments/new", data=VALID).status_code == 302
    assert only(app).starts_at == datetime(2026, 5, 20, 22, 30, tzinfo=UTC)  # EDT is UTC-4
    edit = bob_client.get(f"/appointments/{only(app).id}/edit").get_data(as_text=True)
    assert 'value="2026-05-20"' in edit and 'value="18:30"' in edit


@pytest.mark.parametrize(
    ("user", "day", "at", "stored", "shown"),
    [
        ("alice", "2026-03-29", "02:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "03:30"),
        ("bob", "2026-03-08", "02:15", datetime(2026, 3, 8, 7, 15, tzinfo=UTC), "03:15"),
    ],
)
def test_a_time_in_a_dst_gap_moves_forward_with_a_visible_note(
    app, request, user, day, at, stored, shown
):
    client = request.getfixturevalue(f"{user}_client")
    response = client.post(
        "/appointments/new", data={**VALID, "day": day, "at": at}, follow_redirects=True
    )
    assert only(app).starts_at == stored
    page = response.get_data(as_text=True)
    assert f"{at} does not exist" in page and f"booked for {shown}" in page


def test_sydney_round_trip_across_its_dst_change(app, alice_client, alice):
    with app.app_context():
        user = db.session.get(type(alice), alice.id)
        user.timezone = "Australia/Sydney"
        db.session.commit()
    alice_client.post("/appointments/new", data={**VALID, "day": "2026-10-04", "at": "19:00"})
    assert only(app).starts_at == datetime(2026, 10, 4, 8, 0, tzinfo=UTC)  # AEDT, UTC+11
    alice_client.post(
        f"/appointments/{only(app).id}/reschedule", data={"day": "2026-10-03", "at": "19:00"}
    )
    assert only(app).starts_at == datetime(2026, 10, 3, 9, 0, tzinfo=UTC)  # AEST, UTC+10


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_minutes", "0", "it must end after it starts"),
        ("duration_minutes", "-30", "it must end after it starts"),
        ("duration_minutes", "481", "8 hours"),
        ("duration_minutes", "", "Enter a duration"),
        ("day", "", "Choose a date."),
        ("day", "2026-13-01", "Not a valid date value."),
        ("day", "0001-01-01", "between 2000 and 2100"),
        ("at", "24:00", "Not a valid time value."),
        ("style", "wrestling", "Not a valid choice."),
        ("location", "x" * 201, "Field cannot be longer than 200 characters."),
    ],
)
def test_it_rejects_bad_appointment_input_next_to_the_field(
    alice_client, app, alice, field, value, message, changes
):
    response = alice_client.post("/appointments/new", data={**VALID, field: value})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert count(app, Appointment) == 0 and changes == []


def test_booking_from_a_routine_prefills_next_due_and_defaults(alice_client, alice, make):
    dana = make.therapist(alice)
    routine = make.routine(
        alice,
        therapist_id=dana.id,
        style="sports",
        duration_minutes=90,
        anchor_date=date(2026, 5, 1),
        cadence_count=2,
        cadence_unit="weeks",
        preferred_time=time(19, 15),
    )
    make.session(alice, occurred_at=datetime(2026, 5, 2, 9, tzinfo=UTC), routine_id=routine.id)
    page = alice_client.get(f"/appointments/new?routine={routine.id}").get_data(as_text=True)
    assert 'value="2026-05-16"' in page and 'value="19:15"' in page and 'value="90"' in page
    assert f'<option selected value="{dana.id}">Dana</option>' in page
    assert '<option selected value="sports">' in page


def test_an_overdue_routine_prefills_today_not_the_past(alice_client, alice, make):
    routine = make.routine(alice, anchor_date=date(2026, 4, 1))
    page = alice_client.get(f"/appointments/new?routine={routine.id}").get_data(as_text=True)
    assert 'value="2026-05-06"' in page


def test_it_copies_the_therapist_name(alice_client, app, alice, make):
    dana = make.therapist(alice, "Dana Smith")
    alice_client.post("/appointments/new", data={**VALID, "therapist_id": str(dana.id)})
    assert (only(app).therapist_id, only(app).therapist_name) == (dana.id, "Dana Smith")


@pytest.mark.parametrize("field", ["routine_id", "therapist_id"])
def test_someone_elses_id_in_the_form_is_404_and_nothing_saved(
    alice_client, app, alice, bob, make, field, changes
):
    bobs = make.routine(bob) if field == "routine_id" else make.therapist(bob)
    response = alice_client.post("/appointments/new", data={**VALID, field: str(bobs.id)})
    assert response.status_code == 404
    assert count(app, Appointment) == 0 and changes == []


def test_someone_elses_routine_in_the_url_is_404(alice_client, alice, bob, make):
    assert alice_client.get(f"/appointments/new?routine={make.routine(bob).id}").status_code == 404
    for bad in ["abc", "-1", "0", "9" * 30]:
        assert alice_client.get(f"/appointments/new?routine={bad}").status_code == 404
    assert alice_client.get(f"/appointments/{'9' * 30}").status_code == 404
    assert alice_client.post(f"/appointments/{'9' * 30}/cancel").status_code == 404


def test_edit_reschedule_cancel_each_signal_before_commit(alice_client, app, alice, make, changes):
    appt = make.appointment(alice, starts_at=NOW + timedelta(days=3))
    response = alice_client.post(
        f"/appointments/{appt.id}/edit", data={**VALID, "notes": "Go gently", "day": "2026-05-09"}
    )
    assert response.status_code == 302
    assert get(app, Appointment, appt.id).notes == "Go gently"
    alice_client.post(
        f"/appointments/{appt.id}/reschedule", data={"day": "2026-05-11", "at": "08:00"}
    )
    assert get(app, Appointment, appt.id).starts_at == datetime(2026, 5, 11, 6, tzinfo=UTC)
    alice_client.post(f"/appointments/{appt.id}/cancel")
    assert get(app, Appointment, appt.id).status == "cancelled"
    assert changes == [
        (appt.id, "booked", True),
        (appt.id, "booked", True),
        (appt.id, "cancelled", True),
    ]
    # A cancelled appointment can't be moved or cancelled again.
    assert alice_client.post(f"/appointments/{appt.id}/cancel").status_code == 409
    alice_client.post(
        f"/appointments/{appt.id}/reschedule", data={"day": "2026-06-01", "at": "08:00"}
    )
    assert get(app, Appointment, appt.id).starts_at == datetime(2026, 5, 11, 6, tzinfo=UTC)
    assert len(changes) == 3


def test_a_cancelled_appointment_can_be_reinstated(alice_client, app, alice, make, changes):
    appt = make.appointment(alice, starts_at=NOW + timedelta(days=3))
    alice_client.post(f"/appointments/{appt.id}/cancel")
    page = alice_client.get(f"/appointments/{appt.id}").get_data(as_text=True)
    assert "Reinstate" in page and "Add to calendar" not in page
    alice_client.post(f"/appointments/{appt.id}/reinstate")
    assert get(app, Appointment, appt.id).status == "booked"
    assert changes == [(appt.id, "cancelled", True), (appt.id, "booked", True)]
    page = alice_client.get(f"/appointments/{appt.id}").get_data(as_text=True)
    assert "Add to calendar" in page and "Cancel appointment" in page
    # Only a cancelled one can be reinstated.
    assert alice_client.post(f"/appointments/{appt.id}/reinstate").status_code == 409


def test_a_failing_receiver_rolls_the_change_back(alice_client, app, alice, make):
    """The signal is sent before the commit, so receivers share the transaction."""
    appt = make.appointment(alice, starts_at=NOW + timedelta(days=1))

    def explode(sender, **kw):
        raise RuntimeError("planner failed")

    appointment_changed.connect(explode)
    try:
        with pytest.raises(RuntimeError):
            alice_client.post(f"/appointments/{appt.id}/cancel")
    finally:
        appointment_changed.disconnect(explode)
    assert get(app, Appointment, appt.id).status == "booked"


def test_mark_done_only_after_it_started(alice_client, app, alice, make, changes):
    future = make.appointment(alice, starts_at=NOW + timedelta(hours=1))
    alice_client.post(f"/appointments/{future.id}/done")
    assert get(app, Appointment, future.id).status == "booked" and changes == []
    past = make.appointment(alice, starts_at=NOW - timedelta(hours=2))
    alice_client.post(f"/appointments/{past.id}/done")
    assert get(app, Appointment, past.id).status == "done"
    assert changes == [(past.id, "done", True)]


def test_list_splits_upcoming_and_past_and_offers_to_log(alice_client, alice, make):
    make.appointment(alice, starts_at=NOW + timedelta(days=2), location="Upcoming place")
    unlogged = make.appointment(alice, starts_at=NOW - timedelta(days=2))
    logged = make.appointment(alice, starts_at=NOW - timedelta(days=9))
    make.session(alice, appointment_id=logged.id)
    deleted_log = make.appointment(alice, starts_at=NOW - timedelta(days=16))
    make.session(alice, appointment_id=deleted_log.id, deleted_at=NOW)
    cancelled = make.appointment(alice, starts_at=NOW - timedelta(days=20), status="cancelled")
    page = alice_client.get("/appointments").get_data(as_text=True)
    upcoming, past = page.split('id="past-h"')
    assert "Upcoming place" in upcoming
    assert f"/sessions/new?appointment={unlogged.id}" in past
    assert f"/sessions/new?appointment={deleted_log.id}" in past
    assert f"/sessions/new?appointment={logged.id}" not in past
    assert f"/sessions/new?appointment={cancelled.id}" not in past
    detail = alice_client.get(f"/appointments/{unlogged.id}").get_data(as_text=True)
    assert f"/sessions/new?appointment={unlogged.id}" in detail


def test_appointment_pages_need_login(client, alice, make):
    appt = make.appointment(alice)
    for url in [
        "/appointments",
        "/appointments/new",
        f"/appointments/{appt.id}",
        f"/appointments/{appt.id}/edit",
        f"/appointments/{appt.id}/reschedule",
        f"/appointments/{appt.id}.ics",
    ]:
        assert client.get(url).status_code == 302, url


def test_bob_cannot_read_or_change_alices_appointments(bob_client, app, alice, bob, make, changes):
    appt = make.appointment(alice, starts_at=NOW - timedelta(hours=1), location="Alice's spa")
    assert "Alice&#39;s spa" not in bob_client.get("/appointments").get_data(as_text=True)
    for url in [
        f"/appointments/{appt.id}",
        f"/appointments/{appt.id}/edit",
        f"/appointments/{appt.id}/reschedule",
        f"/appointments/{appt.id}.ics",
    ]:
        assert bob_client.get(url).status_code == 404, url
    assert bob_client.post(f"/appointments/{appt.id}/edit", data=VALID).status_code == 404
    assert (
        bob_client.post(
            f"/appointments/{appt.id}/reschedule", data={"day": "2026-06-01", "at": "09:00"}
        ).status_code
        == 404
    )
    for action in ("cancel", "done"):
        assert bob_client.post(f"/appointments/{appt.id}/{action}").status_code == 404
    after = get(app, Appointment, appt.id)
    assert (after.status, after.location, after.starts_at) == (
        "booked",
        "Alice's spa",
        NOW - timedelta(hours=1),
    )
    assert changes == []


def test_a_cancelled_appointment_leaves_upcoming_but_can_be_reinstated(alice_client, alice, make):
    kept = make.appointment(alice, starts_at=NOW + timedelta(days=2), location="Kept place")
    gone = make.appointment(alice, starts_at=NOW + timedelta(days=3), location="Gone place")
    alice_client.post(f"/appointments/{gone.id}/cancel")
    page = alice_client.get("/appointments").get_data(as_text=True)
    upcoming = page.split('id="upcoming-h"')[1].split('id="cancelled-h"')[0]
    cancelled = page.split('id="cancelled-h"')[1].split('id="past-h"')[0]
    assert "Kept place" in upcoming and "Gone place" not in upcoming
    assert f"/appointments/{gone.id}" in cancelled and f"/appointments/{kept.id}" not in cancelled


def test_home_links_to_the_reminders_page(alice_client, alice):
    assert 'href="/reminders"' in alice_client.get("/").get_data(as_text=True)
