"""Re-planning through the real signals: no orphans, no duplicates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import Appointment, MassageSession, Reminder, Routine, User
from tracker.reminders import schedule
from tracker.timeutil import to_local

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
            ("appointment", "lead:1440", "pending"),
            ("appointment", "lead:120", "pending"),
            ("log_prompt", "end", "pending"),
            ("hydration", "a15", "pending"),
            ("hydration", "a60", "pending"),
            ("hydration", "a120", "pending"),
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
        assert (sleep.subject_id, sleep.slot) == (alice.id, "night:2026-03-10")  # one per night
        assert sleep.payload["url"] == f"/sessions/{session.client_id}/edit#sleep-h"
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
        session = log_session(
            alice.id, NOW - timedelta(minutes=60), kind="self", duration_minutes=30
        )
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
    response = alice_client.post("/settings/profile", data={"timezone": "America/New_York"})
    assert response.status_code == 302
    with app.app_context():
        row = reminders(alice.id, slot="lead:1440")[0]
        # 09:00 UTC is 05:00 in New York on 10 Mar; the day before at 18:00 EDT is 22:00 UTC.
        assert row.due_at == datetime(2026, 3, 9, 22, tzinfo=UTC)
        assert reminders(alice.id, slot="lead:120")[0].status == "pending"


def test_switching_a_kind_off_cancels_its_pending_reminders(app, clock, alice, alice_client):
    with app.app_context():
        book(alice.id, STARTS)
    response = alice_client.post(
        "/settings/reminders",
        data={
            "appointment": "y",
            "log_prompt": "y",
            "sleep_checkin": "y",
            "routine_due": "y",
            "lead_minutes": ["1440"],
            "reminder_time": "19:30",
            "hydration_offsets": "15, 60",
            "glasses_goal": "6",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert {r.status for r in reminders(alice.id, kind="hydration")} == {"cancelled"}
        assert [r.status for r in reminders(alice.id, kind="appointment")] == [
            "pending",
            "cancelled",
        ]
        assert reminders(alice.id, slot="lead:1440")[0].due_at == datetime(
            2026, 3, 9, 18, 30, tzinfo=UTC
        )
        user = db.session.get(User, alice.id)
        assert user.pref("hydration_offsets") == [15, 60] and user.pref("glasses_goal") == 6


def test_routine_due_is_planned_daily_and_cancelled_by_booking(app, alice, clock):
    with app.app_context():
        routine = Routine(
            user_id=alice.id, name="Fortnightly massage", anchor_date=date(2026, 3, 2)
        )
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


# --- one calm stream (issue 13) -----------------------------------------------------------

EVENING = datetime(2026, 3, 10, 17, tzinfo=UTC)  # Tue 18:00 in Berlin, one hour


def pending(user_id, kind):
    return [r for r in reminders(user_id, kind=kind) if r.status == "pending"]


def test_two_sessions_a_minute_apart_give_one_water_chain_and_one_sleep_checkin(app, alice, clock):
    with app.app_context():
        book(alice.id, EVENING)
        clock.move_to(datetime(2026, 3, 10, 19, 30, tzinfo=UTC))  # 20:30, the massage is over
        log_session(
            alice.id, datetime(2026, 3, 10, 19, 30, tzinfo=UTC), kind="self", duration_minutes=20
        )
        clock.shift(timedelta(minutes=1))
        second = log_session(
            alice.id, datetime(2026, 3, 10, 19, 31, tzinfo=UTC), kind="self", duration_minutes=20
        )
        ahead = [r for r in pending(alice.id, "hydration") if r.due_at > second.occurred_at]
        # Only the newest session's chain is ahead, and it ends before quiet hours.
        assert [(r.subject_id, r.slot) for r in ahead] == [(second.id, "s15"), (second.id, "s60")]
        assert [to_local(r.due_at, "Europe/Berlin").strftime("%d %H:%M") for r in ahead] == [
            "10 21:06",
            "10 21:51",
        ]
        restarted = [
            r
            for r in reminders(alice.id, kind="hydration")
            if r.last_error == "Restarted by a newer massage"
        ]
        assert restarted and all(r.status == "cancelled" for r in restarted)
        assert not [
            r
            for r in reminders(alice.id, kind="hydration")
            if r.status == "pending" and to_local(r.due_at, "Europe/Berlin").day == 11
        ]
        [sleep] = reminders(alice.id, kind="sleep_checkin")
        assert (sleep.status, sleep.payload["url"]) == (
            "pending",
            f"/sessions/{second.client_id}/edit#sleep-h",
        )


def test_deleting_the_newer_session_gives_the_chain_back(app, alice, clock):
    with app.app_context():
        clock.move_to(datetime(2026, 3, 10, 12, tzinfo=UTC))
        first = log_session(
            alice.id, datetime(2026, 3, 10, 12, tzinfo=UTC), kind="self", duration_minutes=10
        )
        clock.shift(timedelta(minutes=1))
        second = log_session(
            alice.id, datetime(2026, 3, 10, 12, 1, tzinfo=UTC), kind="self", duration_minutes=10
        )
        assert {r.subject_id for r in pending(alice.id, "hydration")} == {second.id}
        edit_session(second, deleted_at=datetime(2026, 3, 10, 12, 2, tzinfo=UTC))
        assert {r.subject_id for r in pending(alice.id, "hydration")} == {first.id}
        assert len(pending(alice.id, "sleep_checkin")) == 1


def test_an_evening_sessions_water_never_lands_the_next_morning_on_a_dst_night(app, alice, clock):
    # Sat 28 Mar 2026: Berlin springs forward that night.
    with app.app_context():
        clock.move_to(datetime(2026, 3, 28, 19, tzinfo=UTC))  # 20:00 CET
        log_session(
            alice.id, datetime(2026, 3, 28, 18, 30, tzinfo=UTC), kind="self", duration_minutes=30
        )
        rows = pending(alice.id, "hydration")
        assert [to_local(r.due_at, "Europe/Berlin").strftime("%d %H:%M") for r in rows] == [
            "28 20:15",
            "28 21:00",
            "28 21:59",
        ]
        assert rows[-1].stale_at == datetime(2026, 3, 28, 21, tzinfo=UTC)  # 22:00 CET
        # Logged once quiet hours began: nothing at all, rather than 08:00 CEST.
        clock.move_to(datetime(2026, 3, 28, 21, 30, tzinfo=UTC))  # 22:30 CET
        log_session(
            alice.id, datetime(2026, 3, 28, 21, 0, tzinfo=UTC), kind="self", duration_minutes=30
        )
        assert all(
            to_local(r.due_at, "Europe/Berlin").day == 28 for r in pending(alice.id, "hydration")
        )


def test_the_goal_counts_the_days_glasses(app, alice, clock):
    with app.app_context():
        clock.move_to(datetime(2026, 3, 10, 12, tzinfo=UTC))
        log_session(alice.id, datetime(2026, 3, 10, 6, tzinfo=UTC), kind="self", water_glasses=5)
        later = log_session(
            alice.id, datetime(2026, 3, 10, 12, tzinfo=UTC), kind="self", duration_minutes=10
        )
        bodies = {r.payload["body"] for r in pending(alice.id, "hydration")}
        assert bodies == {"5 of 8 glasses today. Water helps your muscles recover."}
        edit_session(later, water_glasses=3)  # 8 today: the goal is met
        assert pending(alice.id, "hydration") == []
        assert {r.last_error for r in reminders(alice.id, kind="hydration")} == {"Goal reached"}


def routine_due_today(user_id: int) -> Routine:
    # Fortnightly from Sun 1 Mar (today), never done: due today.
    routine = Routine(user_id=user_id, name="Fortnightly massage", anchor_date=date(2026, 3, 1))
    db.session.add(routine)
    db.session.commit()
    schedule.plan_all_routines()
    db.session.commit()
    return routine


def test_pausing_resuming_and_archiving_a_routine_replan_its_nudge(app, clock, alice, alice_client):
    with app.app_context():
        routine_id = routine_due_today(alice.id).id
        assert [r.status for r in reminders(alice.id, kind="routine_due")] == ["pending"]
    assert alice_client.post(f"/routine/{routine_id}/pause").status_code == 302
    with app.app_context():
        [nudge] = reminders(alice.id, kind="routine_due")
        assert (nudge.status, nudge.last_error) == ("cancelled", "Routine paused")
    assert alice_client.post(f"/routine/{routine_id}/resume").status_code == 302
    with app.app_context():
        assert [r.status for r in reminders(alice.id, kind="routine_due")] == ["pending"]
    assert alice_client.post(f"/routine/{routine_id}/archive").status_code == 302
    with app.app_context():
        assert [(r.status, r.last_error) for r in reminders(alice.id, kind="routine_due")] == [
            ("cancelled", "Routine archived")
        ]


def test_editing_a_routine_replans_its_nudge(app, clock, alice, alice_client):
    with app.app_context():
        routine_id = routine_due_today(alice.id).id
    response = alice_client.post(
        f"/routine/{routine_id}/edit",
        data={
            "name": "Monthly massage",
            "kind": "professional",
            "cadence_kind": "every",
            "cadence_count": "1",
            "cadence_unit": "months",
            "nudge_enabled": "y",
            "anchor_date": "2026-03-20",
            "preferred_time": "19:00",
            "therapist_id": "",
            "style": "swedish",
            "duration_minutes": "60",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        # Now first due on 20 Mar: on track, so the overdue nudge goes.
        assert [(r.status, r.last_error) for r in reminders(alice.id, kind="routine_due")] == [
            ("cancelled", "No longer due")
        ]


def test_logging_a_session_under_a_routine_replans_its_nudge(app, alice, clock):
    with app.app_context():
        routine = routine_due_today(alice.id)
        [before] = reminders(alice.id, kind="routine_due")
        assert before.payload["title"] == "Fortnightly massage is due today"
        session = log_session(alice.id, NOW - timedelta(hours=2), routine_id=routine.id)
        assert [(r.status, r.last_error) for r in reminders(alice.id, kind="routine_due")] == [
            ("cancelled", "No longer due")
        ]
        edit_session(session, deleted_at=NOW)  # not done after all: due again
        assert [r.status for r in reminders(alice.id, kind="routine_due")] == ["pending"]
        assert db.session.get(MassageSession, session.id).deleted_at is not None


def test_moving_a_session_into_the_past_retires_its_chain_and_old_ones_plan_nothing(
    app, alice, clock
):
    with app.app_context():
        clock.move_to(datetime(2026, 3, 10, 12, tzinfo=UTC))
        old = log_session(alice.id, datetime(2026, 2, 1, 12, tzinfo=UTC), kind="self")
        assert reminders(alice.id) == []  # history (e.g. a CSV import) plans nothing
        recent = log_session(alice.id, datetime(2026, 3, 10, 12, tzinfo=UTC), kind="self")
        assert pending(alice.id, "hydration") and pending(alice.id, "sleep_checkin")
        edit_session(recent, occurred_at=datetime(2026, 2, 2, 12, tzinfo=UTC))
        assert pending(alice.id, "hydration") == pending(alice.id, "sleep_checkin") == []
        assert old.id != recent.id
