"""Re-planning through the real signals: no orphans, no duplicates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import Appointment, Reminder, Routine, User
from tracker.reminders import schedule

from .conftest import book, change, edit_session, log_session, reminders

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
STARTS = datetime(2026, 3, 10, 9, tzinfo=UTC)  # Tue 10:00 in Berlin


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def keys(rows):
    return [(r.kind, r.slot, r.status) for r in rows]


def test_booking_plans_every_appointment_reminder(app, alice, clock):
    with app.app_context():
        appt = book(alice.id, STARTS)
        rows = reminders(alice.id)
        assert keys(rows) == [
            ("appointment", "lead:1440", "pending"), ("appointment", "lead:120", "pending"),
            ("log_prompt", "end", "pending"), ("hydration", "a15", "pending"),
            ("hydration", "a60", "pending"), ("hydration", "a120", "pending"),
            ("hydration", "a240", "pending"),
        ]
        assert {r.subject_id for r in rows} == {appt.id}
        assert rows[0].due_at == datetime(2026, 3, 9, 17, tzinfo=UTC)
        assert rows[0].payload["title"] == "Massage with Dana tomorrow at 10:00"


def test_rescheduling_moves_the_same_rows(app, alice, clock):
    with app.app_context():
        appt = book(alice.id, STARTS)
        before = {(r.kind, r.slot): r.id for r in reminders(alice.id)}
        change(appt, starts_at=STARTS + timedelta(days=2))
        change(appt, starts_at=STARTS + timedelta(days=2))  # re-planning twice changes nothing
        rows = reminders(alice.id)
        assert {(r.kind, r.slot): r.id for r in rows} == before
        assert rows[0].due_at == datetime(2026, 3, 11, 17, tzinfo=UTC)
        assert db.session.scalar(db.select(db.func.count(Reminder.id))) == 7


def test_cancelling_cancels_every_pending_reminder_and_rebooking_revives_them(app, alice, clock):
    with app.app_context():
        appt = book(alice.id, STARTS)
        change(appt, status="cancelled")
        rows = reminders(alice.id)
        assert {r.status for r in rows} == {"cancelled"}
        assert {r.last_error for r in rows} == {"Appointment cancelled"}
        change(appt, status="booked")
        assert {r.status for r in reminders(alice.id)} == {"pending"}


def test_a_sent_reminder_is_rearmed_only_when_its_appointment_moves(app, alice, clock):
    with app.app_context():
        appt = book(alice.id, STARTS)
        first = reminders(alice.id, slot="lead:1440")[0]
        first.status, first.sent_at = "sent", NOW
        db.session.commit()
        change(appt, location="Studio Süd")  # same time: no second reminder
        assert reminders(alice.id, slot="lead:1440")[0].status == "sent"
        change(appt, starts_at=STARTS + timedelta(days=7))  # new date: remind again
        row = reminders(alice.id, slot="lead:1440")[0]
        assert (row.id, row.status, row.sent_at) == (first.id, "pending", None)
        assert "Studio Süd" in row.payload["body"]


def test_logging_the_session_stops_the_log_prompt_and_plans_sleep(app, alice, clock):
    with app.app_context():
        appt = book(alice.id, STARTS)
        clock.move_to(STARTS + timedelta(minutes=70))
        session = log_session(alice.id, STARTS, appointment_id=appt.id)
        [prompt] = reminders(alice.id, kind="log_prompt")
        assert (prompt.status, prompt.last_error) == ("cancelled", "Session logged")
        [sleep] = reminders(alice.id, kind="sleep_checkin")
        assert sleep.subject_id == session.id
        assert sleep.due_at == datetime(2026, 3, 11, 7, tzinfo=UTC)  # 08:00 Berlin
        # One hydration chain, on the appointment: none started for the session itself.
        chain = reminders(alice.id, kind="hydration")
        assert {r.slot[0] for r in chain} == {"a"}
        assert chain[0].payload["url"] == f"/sessions/{session.client_id}/edit"


def test_deleting_the_session_brings_back_the_log_prompt(app, alice, clock):
    with app.app_context():
        appt = book(alice.id, STARTS)
        clock.move_to(STARTS + timedelta(minutes=70))
        session = log_session(alice.id, STARTS, appointment_id=appt.id)
        edit_session(session, deleted_at=STARTS + timedelta(minutes=75))
        assert reminders(alice.id, kind="log_prompt")[0].status == "pending"
        [sleep] = reminders(alice.id, kind="sleep_checkin")
        assert (sleep.status, sleep.last_error) == ("cancelled", "Session deleted")


def test_a_self_massage_gets_its_own_chain_until_the_goal_is_met(app, alice, clock):
    with app.app_context():
        session = log_session(alice.id, NOW - timedelta(minutes=60), kind="self", duration_minutes=30)
        chain = reminders(alice.id, kind="hydration")
        # Anchor is the end (11:30 UTC); +15 min is already more than the grace period late.
        assert [r.slot for r in chain] == ["s60", "s120", "s240"]
        edit_session(session, water_glasses=8)
        assert {r.status for r in reminders(alice.id, kind="hydration")} == {"cancelled"}


def test_an_appointment_booked_at_short_notice_skips_lead_times_already_past(app, alice, clock):
    with app.app_context():
        book(alice.id, NOW + timedelta(minutes=60))
        assert reminders(alice.id, kind="appointment") == []


def test_changing_the_time_zone_replans(app, clock, alice, alice_client):
    with app.app_context():
        book(alice.id, STARTS)
    response = alice_client.post("/settings", data={
        "timezone": "America/New_York", "quiet_start": "22:00", "quiet_end": "08:00",
        "wake_time": "08:00"})
    assert response.status_code == 302
    with app.app_context():
        row = reminders(alice.id, slot="lead:1440")[0]
        # 09:00 UTC is 05:00 in New York on 10 Mar; the day before at 18:00 EDT is 22:00 UTC.
        assert row.due_at == datetime(2026, 3, 9, 22, tzinfo=UTC)
        assert reminders(alice.id, slot="lead:120")[0].status == "pending"


def test_switching_a_kind_off_cancels_its_pending_reminders(app, clock, alice, alice_client):
    with app.app_context():
        book(alice.id, STARTS)
    response = alice_client.post("/settings/reminders", data={
        "appointment": "y", "log_prompt": "y", "sleep_checkin": "y", "routine_due": "y",
        "lead_minutes": ["1440"], "reminder_time": "19:30", "hydration_offsets": "15, 60",
        "glasses_goal": "6"})
    assert response.status_code == 302
    with app.app_context():
        assert {r.status for r in reminders(alice.id, kind="hydration")} == {"cancelled"}
        assert [r.status for r in reminders(alice.id, kind="appointment")] == ["pending", "cancelled"]
        assert reminders(alice.id, slot="lead:1440")[0].due_at == datetime(2026, 3, 9, 18, 30, tzinfo=UTC)
        user = db.session.get(User, alice.id)
        assert user.pref("hydration_offsets") == [15, 60] and user.pref("glasses_goal") == 6


def test_routine_due_is_planned_daily_and_cancelled_by_booking(app, alice, clock):
    with app.app_context():
        routine = Routine(user_id=alice.id, name="Fortnightly massage", anchor_date=date(2026, 3, 2))
        db.session.add(routine)
        db.session.commit()
        assert schedule.plan_all_routines() >= 1
        schedule.plan_all_routines()  # the next run changes nothing
        db.session.commit()
        [nudge] = reminders(alice.id, kind="routine_due")
        assert nudge.payload["title"] == "Fortnightly massage is due Monday"
        assert nudge.due_at == datetime(2026, 3, 1, 17, tzinfo=UTC)
        book(alice.id, datetime(2026, 3, 3, 9, tzinfo=UTC), routine_id=routine.id)
        [nudge] = reminders(alice.id, kind="routine_due")
        assert (nudge.status, nudge.last_error) == ("cancelled", "Booked")


def test_other_users_plans_are_untouched(app, alice, bob, clock):
    with app.app_context():
        book(alice.id, STARTS)
        theirs = book(bob.id, STARTS)
        change(theirs, status="cancelled")
        assert {r.status for r in reminders(alice.id)} == {"pending"}
        assert db.session.get(Appointment, theirs.id).user_id == bob.id
