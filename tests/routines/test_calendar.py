"""The iCalendar feed and per-appointment download parse back with icalendar."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from tracker.extensions import db
from tracker.models import User

from .conftest import NOW, get

START = datetime(2026, 5, 20, 16, 30, tzinfo=UTC)  # 18:30 in Berlin


def token_of(app, user) -> str:
    return get(app, User, user.id).calendar_token


def events(response) -> dict[str, object]:
    cal = Calendar.from_ical(response.data)
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def test_the_feed_is_public_parses_and_has_stable_uids_utc_times_and_alarms(
    client, app, alice, make
):
    dana = make.therapist(alice, "Dana")
    routine = make.routine(alice, name="Fortnightly")
    appt = make.appointment(
        alice,
        starts_at=START,
        duration_minutes=75,
        location="Studio 4",
        notes="Left shoulder",
        therapist_id=dana.id,
        therapist_name="Dana",
        routine_id=routine.id,
        style="deep_tissue",
    )
    response = client.get(f"/calendar/{token_of(app, alice)}.ics")  # no login
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert "private" in response.headers["Cache-Control"]
    ev = events(response)[f"appointment-{appt.id}@back-relief"]
    assert ev.decoded("DTSTART") == START and ev.decoded("DTSTART").tzinfo is not None
    assert ev.decoded("DTEND") == START + timedelta(minutes=75)
    text = response.get_data(as_text=True)
    assert "DTSTART:20260520T163000Z" in text and "DTEND:20260520T174500Z" in text
    assert "TRIGGER;VALUE=DATE-TIME:20260519T160000Z" in text and "TRIGGER:-PT2H" in text
    assert str(ev["SUMMARY"]) == "Massage: deep tissue with Dana"
    assert str(ev["LOCATION"]) == "Studio 4"
    assert "Left shoulder" in str(ev["DESCRIPTION"]) and "Fortnightly" in str(ev["DESCRIPTION"])
    assert str(ev["STATUS"]) == "CONFIRMED"
    triggers = [alarm.decoded("TRIGGER") for alarm in ev.walk("VALARM")]
    # Default leads [1440, 120]: the day before at 18:00 Berlin (16:00 UTC), and 2 hours before.
    assert triggers == [datetime(2026, 5, 19, 16, 0, tzinfo=UTC), timedelta(hours=-2)]


def test_alarms_follow_the_users_lead_times(client, app, alice, make):
    with app.app_context():
        user = db.session.get(User, alice.id)
        user.reminder_prefs = {**user.reminder_prefs, "lead_minutes": [30]}
        db.session.commit()
    make.appointment(alice, starts_at=START)
    ev = next(iter(events(client.get(f"/calendar/{token_of(app, alice)}.ics")).values()))
    assert [a.decoded("TRIGGER") for a in ev.walk("VALARM")] == [timedelta(minutes=-30)]
    with app.app_context():
        user = db.session.get(User, alice.id)
        user.reminder_prefs = {**user.reminder_prefs, "appointment": False}
        db.session.commit()
    ev = next(iter(events(client.get(f"/calendar/{token_of(app, alice)}.ics")).values()))
    assert ev.walk("VALARM") == []


def test_cancelled_stay_as_cancelled_and_old_ones_drop_out(client, app, alice, make):
    cancelled = make.appointment(alice, starts_at=START, status="cancelled")
    recent = make.appointment(alice, starts_at=NOW - timedelta(days=30), status="done")
    old = make.appointment(alice, starts_at=NOW - timedelta(days=120))
    found = events(client.get(f"/calendar/{token_of(app, alice)}.ics"))
    ev = found[f"appointment-{cancelled.id}@back-relief"]
    assert str(ev["STATUS"]) == "CANCELLED" and ev.walk("VALARM") == []
    assert f"appointment-{recent.id}@back-relief" in found
    assert f"appointment-{old.id}@back-relief" not in found


def test_uid_is_stable_when_rescheduled(alice_client, client, app, alice, make):
    appt = make.appointment(alice, starts_at=START)
    alice_client.post(
        f"/appointments/{appt.id}/reschedule", data={"day": "2026-05-21", "at": "09:00"}
    )
    ev = events(client.get(f"/calendar/{token_of(app, alice)}.ics"))[
        f"appointment-{appt.id}@back-relief"
    ]
    assert ev.decoded("DTSTART") == datetime(2026, 5, 21, 7, 0, tzinfo=UTC)


def test_each_feed_has_only_its_owners_appointments(client, app, alice, bob, make):
    mine = make.appointment(alice, starts_at=START)
    theirs = make.appointment(bob, starts_at=START)
    assert set(events(client.get(f"/calendar/{token_of(app, alice)}.ics"))) == {
        f"appointment-{mine.id}@back-relief"
    }
    assert set(events(client.get(f"/calendar/{token_of(app, bob)}.ics"))) == {
        f"appointment-{theirs.id}@back-relief"
    }


def test_regenerating_revokes_the_old_token(alice_client, client, app, alice):
    old = token_of(app, alice)
    assert alice_client.post("/calendar/token", csrf=False).status_code == 400
    assert token_of(app, alice) == old
    assert alice_client.post("/calendar/token").status_code == 302
    new = token_of(app, alice)
    assert new != old and len(new) >= 32
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def test_unknown_or_empty_tokens_are_404(client, alice):
    for token in ["nope", "x" * 32, "", "a%2Fb" * 5]:
        assert client.get(f"/calendar/{token}.ics").status_code == 404
    # A NUL byte is refused as bad input before any lookup (PostgreSQL cannot compare it).
    assert client.get("/calendar/%00.ics").status_code == 400


def test_single_appointment_download(alice_client, bob_client, client, alice, bob, make):
    appt = make.appointment(alice, starts_at=START)
    response = alice_client.get(f"/appointments/{appt.id}.ics")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert set(events(response)) == {f"appointment-{appt.id}@back-relief"}
    assert bob_client.get(f"/appointments/{appt.id}.ics").status_code == 404
    assert client.get(f"/appointments/{appt.id}.ics").status_code == 302


def test_settings_explain_how_to_subscribe(alice_client, app, alice):
    page = alice_client.get("/settings").get_data(as_text=True)
    assert f"/calendar/{token_of(app, alice)}.ics" in page
    assert "Google Calendar" in page and "Apple Calendar" in page
    assert 'action="/calendar/token"' in page
