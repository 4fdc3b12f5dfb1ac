"""The iCalendar feed and per-appointment download parse back with icalendar."""

import uuid
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from tracker.extensions import db
from tracker.models import PushSubscription, User

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
    ev = events(response)[f"{appt.client_id}@back-relief"]
    assert ev.decoded("DTSTART") == START and ev.decoded("DTSTART").tzinfo is not None
    assert ev.decoded("DTEND") == START + timedelta(minutes=75)
    text = response.get_data(as_text=True)
    assert "DTSTART:20260520T163000Z" in text and "DTEND:20260520T174500Z" in text
    assert "TRIGGER;VALUE=DATE-TIME:20260519T160000Z" in text and "TRIGGER:-PT2H" in text
    assert str(ev["SUMMARY"]) == "Deep tissue massage with Dana"
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
    ev = found[f"{cancelled.client_id}@back-relief"]
    assert str(ev["STATUS"]) == "CANCELLED" and ev.walk("VALARM") == []
    assert f"{recent.client_id}@back-relief" in found
    assert f"{old.client_id}@back-relief" not in found


def test_uid_is_stable_when_rescheduled(alice_client, client, app, alice, make):
    appt = make.appointment(alice, starts_at=START)
    alice_client.post(
        f"/appointments/{appt.id}/reschedule", data={"day": "2026-05-21", "at": "09:00"}
    )
    ev = events(client.get(f"/calendar/{token_of(app, alice)}.ics"))[
        f"{appt.client_id}@back-relief"
    ]
    assert ev.decoded("DTSTART") == datetime(2026, 5, 21, 7, 0, tzinfo=UTC)


def test_each_feed_has_only_its_owners_appointments(client, app, alice, bob, make):
    mine = make.appointment(alice, starts_at=START)
    theirs = make.appointment(bob, starts_at=START)
    assert set(events(client.get(f"/calendar/{token_of(app, alice)}.ics"))) == {
        f"{mine.client_id}@back-relief"
    }
    assert set(events(client.get(f"/calendar/{token_of(app, bob)}.ics"))) == {
        f"{theirs.client_id}@back-relief"
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
    assert set(events(response)) == {f"{appt.client_id}@back-relief"}
    assert bob_client.get(f"/appointments/{appt.id}.ics").status_code == 404
    assert client.get(f"/appointments/{appt.id}.ics").status_code == 302


def test_settings_explain_how_to_subscribe(alice_client, app, alice):
    page = alice_client.get("/settings/calendar").get_data(as_text=True)
    assert f"/calendar/{token_of(app, alice)}.ics" in page
    assert "Google Calendar" in page and "Apple Calendar" in page
    assert 'action="/calendar/token"' in page


def add_push_device(app, user) -> None:
    with app.app_context():
        db.session.add(
            PushSubscription(
                user_id=user.id,
                endpoint=f"https://fcm.googleapis.com/fcm/send/{user.id}",
                p256dh="k",
                auth="a",
            )
        )
        db.session.commit()


def test_titles_read_like_a_calendar_entry(client, app, alice, make):
    self_routine = make.routine(alice, name="Evenings", kind="self", tools=["foam_roller", "ball"])
    made = {
        "Swedish massage with Dana": make.appointment(
            alice, starts_at=START, style="swedish", therapist_name="Dana"
        ),
        "Massage with Dana": make.appointment(
            alice, starts_at=START, style="other", therapist_name="Dana"
        ),
        "Hot stone massage": make.appointment(alice, starts_at=START, style="hot_stone"),
        "Self-massage: Foam roller, Ball": make.appointment(
            alice, starts_at=START, routine_id=self_routine.id
        ),
    }
    found = events(client.get(f"/calendar/{token_of(app, alice)}.ics"))
    assert {str(found[f"{a.client_id}@back-relief"]["SUMMARY"]) for a in made.values()} == set(made)


def test_with_a_push_device_alarms_are_off_until_the_setting_is_on(
    alice_client, client, app, alice, make
):
    add_push_device(app, alice)
    make.appointment(alice, starts_at=START)
    feed = f"/calendar/{token_of(app, alice)}.ics"
    ev = next(iter(events(client.get(feed)).values()))
    assert ev.walk("VALARM") == []
    assert "Add alarms to calendar events" in alice_client.get("/settings/calendar").get_data(True)
    assert alice_client.post("/calendar/alarms", data={"calendar_alarms": "on"}).status_code == 302
    assert get(app, User, alice.id).calendar_alarms is True
    ev = next(iter(events(client.get(feed)).values()))
    assert [a.decoded("TRIGGER") for a in ev.walk("VALARM")] == [
        datetime(2026, 5, 19, 16, 0, tzinfo=UTC),
        timedelta(hours=-2),
    ]
    alice_client.post("/calendar/alarms", data={})  # unticked: the box is absent
    assert next(iter(events(client.get(feed)).values())).walk("VALARM") == []


def test_the_alarm_setting_needs_csrf_and_a_login(alice_client, client, app, alice):
    assert (
        alice_client.post(
            "/calendar/alarms", data={"calendar_alarms": "on"}, csrf=False
        ).status_code
        == 400
    )
    assert client.post("/calendar/alarms", data={"calendar_alarms": "on"}).status_code in (302, 400)
    assert get(app, User, alice.id).calendar_alarms is False


def test_uids_come_from_the_client_uuid_not_the_row_id(client, app, alice, bob, make):
    """Row ids repeat (another server, or SQLite after a delete); calendars merge by UID."""
    appt = make.appointment(alice, starts_at=START)
    feed = f"/calendar/{token_of(app, alice)}.ics"
    first = set(events(client.get(feed)))
    assert first == {f"{appt.client_id}@back-relief"}
    assert str(uuid.UUID(appt.client_id)) in next(iter(first))
    assert str(appt.id) not in next(iter(first)).split("@")[0].split("-")  # not the row id
    assert set(events(client.get(feed))) == first  # stable between fetches
    # bob's token reads only bob's feed, never alice's event.
    assert set(events(client.get(f"/calendar/{token_of(app, bob)}.ics"))) == set()
