"""A self-massage routine's nudge: "Done" and "Skip today" from the notification itself."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import time_machine

from tracker.extensions import db
from tracker.models import MassageSession, Reminder, Routine
from tracker.reminders import planner
from tracker.reminders.actions import make_token
from tracker.reminders.dispatcher import build_message
from tracker.reminders.schedule import replan_routine

from .conftest import NOW, count


def nudge(app, routine_id: int) -> Reminder:
    with app.app_context():
        replan_routine(db.session.get(Routine, routine_id))
        db.session.commit()
        row = db.session.scalar(
            db.select(Reminder).where(
                Reminder.kind == "routine_due", Reminder.subject_id == routine_id
            )
        )
        db.session.expunge(row)
        return row


def token_for(app, row: Reminder) -> str:
    with app.test_request_context():
        return make_token(row.user_id, row.id)


def act(client, app, row: Reminder, action: str, token: str | None = None):
    token = token or token_for(app, row)
    return client.post(f"/api/v1/actions/{token}", json={"action": action})


def overdue_self(make, user):
    return make.routine(
        user, name="Foam roller", kind="self", anchor_date=date(2026, 5, 3), tools=["ball"]
    )


def test_a_self_massage_nudge_offers_done_and_skip_not_booking(app, alice, make):
    row = nudge(app, overdue_self(make, alice).id)
    assert [a["action"] for a in row.payload["actions"]] == ["done", "skip"]
    assert "booked" not in row.payload["body"]
    with app.app_context():
        assert "action_token" in json.dumps(build_message(row, NOW).payload)
    professional = nudge(app, make.routine(alice, anchor_date=date(2026, 5, 3)).id)
    assert [a["action"] for a in professional.payload["actions"]] == ["book"]


def test_done_logs_the_session_under_the_routine_once(app, client, alice, make):
    routine = overdue_self(make, alice)
    row = nudge(app, routine.id)
    token = token_for(app, row)
    response = act(client, app, row, "done", token)
    assert response.status_code == 200, response.json
    with app.app_context():
        saved = db.session.scalar(db.select(MassageSession))
        assert (saved.kind, saved.routine_id, saved.tools, saved.pain_before) == (
            "self",
            routine.id,
            ["ball"],
            None,
        )
        assert response.json["session_id"] == saved.client_id
        # Logged under the routine: it is no longer overdue, so its nudge is withdrawn.
        assert db.session.get(Reminder, row.id).status == "cancelled"
    assert act(client, app, row, "done", token).status_code == 409  # an outbox replay
    assert count(app, MassageSession) == 1


def test_skip_today_moves_the_nudge_to_tomorrow(app, client, alice, make):
    routine = overdue_self(make, alice)
    row = nudge(app, routine.id)
    assert row.due_at == datetime(2026, 5, 6, 17, tzinfo=UTC)  # the routine's 19:00 in Berlin
    response = act(client, app, row, "skip")
    assert response.status_code == 200 and response.json["skipped_on"] == "2026-05-06"
    with app.app_context():
        moved = db.session.get(Reminder, row.id)
        assert moved.due_at == datetime(2026, 5, 7, 17, tzinfo=UTC)
        assert moved.status == "pending"
    assert count(app, MassageSession) == 0
    # The hourly planning run keeps tomorrow (the skip is remembered on the routine).
    assert nudge(app, routine.id).due_at == datetime(2026, 5, 7, 17, tzinfo=UTC)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert nudge(app, routine.id).due_at == datetime(2026, 5, 7, 17, tzinfo=UTC)


def test_done_and_skip_are_refused_for_a_professional_routine(app, client, alice, make):
    row = nudge(app, make.routine(alice, anchor_date=date(2026, 5, 3)).id)
    for action in ("done", "skip", "drank"):
        assert act(client, app, row, action).status_code == 422
    assert count(app, MassageSession) == 0


def test_a_token_for_alices_nudge_is_bound_to_alice(app, client, alice, bob, make):
    row = nudge(app, overdue_self(make, alice).id)
    with app.test_request_context():
        forged = make_token(bob.id, row.id)  # bob's token naming alice's reminder
    response = client.post(f"/api/v1/actions/{forged}", json={"action": "done"})
    assert response.status_code == 404
    assert count(app, MassageSession) == 0


def test_planner_skipped_today_plans_from_tomorrow():
    class User:
        timezone, reminder_time = "Europe/Berlin", datetime(2026, 1, 1, 18).time()
        quiet_start, quiet_end = datetime(2026, 1, 1, 22).time(), datetime(2026, 1, 1, 7).time()
        wake_time = datetime(2026, 1, 1, 8).time()

        def pref(self, key):
            return True

    class Routine:
        id, name, kind, archived_at, paused_at = 1, "Roll", "self", None, None
        skipped_on = date(2026, 5, 6)

    (spec,) = planner.plan_routine_due(
        User(), Routine(), date(2026, 5, 3), "overdue", NOW, booked=False
    )
    assert spec.due_at == datetime(2026, 5, 7, 16, tzinfo=UTC)
    Routine.skipped_on = None
    (spec,) = planner.plan_routine_due(
        User(), Routine(), date(2026, 5, 3), "overdue", NOW, booked=False
    )
    assert spec.due_at == datetime(2026, 5, 6, 16, tzinfo=UTC)
