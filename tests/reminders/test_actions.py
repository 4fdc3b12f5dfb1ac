"""Notification actions: signed, single-use, expiring tokens for "Drank" and "Snooze"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import MassageSession, User, WaterIntake
from tracker.reminders.actions import make_token
from tracker.reminders.dispatcher import dispatch_due

from .conftest import book, log_session, reminders, subscribe

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)  # 13:00 in Berlin


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def first_water(app, alice, fakepush, clock):
    """A self-massage that ended at NOW, and its first water reminder delivered."""
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        session = log_session(
            alice.id, NOW - timedelta(minutes=30), kind="self", duration_minutes=30
        )
        clock.move_to(NOW + timedelta(minutes=15))
        assert dispatch_due().sent == 1
        return session.id, fakepush.payloads()[0]


def act(client, token, action, **kwargs):
    return client.post(f"/api/v1/actions/{token}", json={"action": action}, csrf=False, **kwargs)


def test_drank_counts_a_glass_once(app, client, alice, first_water):
    session_id, payload = first_water
    response = act(client, payload["action_token"], "drank")
    assert response.status_code == 200, response.json
    assert response.json == {"ok": True, "action": "drank", "glasses": 1}
    again = act(client, payload["action_token"], "drank")  # a replay from the offline queue
    assert again.status_code == 409
    with app.app_context():
        assert db.session.get(MassageSession, session_id).water_glasses == 1
        assert db.session.scalar(db.select(db.func.count(WaterIntake.id))) == 1
        later = [r for r in reminders(alice.id, kind="hydration") if r.status == "pending"]
        assert later and later[0].payload["body"].startswith("1 of 8 glasses")


def test_reaching_the_goal_stops_the_chain(app, client, alice, first_water):
    with app.app_context():
        user = db.session.get(User, alice.id)
        user.reminder_prefs = {**user.reminder_prefs, "glasses_goal": 1}
        db.session.commit()
    assert act(client, first_water[1]["action_token"], "drank").status_code == 200
    with app.app_context():
        statuses = [r.status for r in reminders(alice.id, kind="hydration")]
        assert statuses == ["sent", "cancelled", "cancelled", "cancelled"]


def test_snooze_delivers_it_again_in_thirty_minutes_once(
    app, client, alice, fakepush, first_water, clock
):
    response = act(client, first_water[1]["action_token"], "snooze")
    assert response.status_code == 200
    assert response.json["snoozed_until"] == "2026-03-01T12:45:00Z"
    with app.app_context():
        clock.move_to(NOW + timedelta(minutes=44))
        assert dispatch_due().sent == 0
        clock.move_to(NOW + timedelta(minutes=45))
        dispatch_due()
        dispatch_due()
        again = [p for p in fakepush.payloads() if p["tag"] == first_water[1]["tag"]]
        assert len(again) == 2  # the original and the snoozed one
        assert again[1]["action_token"] != again[0]["action_token"]


def test_a_token_is_single_use_across_actions(client, first_water):
    token = first_water[1]["action_token"]
    assert act(client, token, "snooze").status_code == 200
    assert act(client, token, "drank").status_code == 409


@pytest.mark.parametrize(
    "mutate, status",
    [
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), 404),  # tampered signature
        (lambda t: "not-a-token", 404),
    ],
)
def test_a_forged_token_does_nothing(app, client, alice, first_water, mutate, status):
    assert act(client, mutate(first_water[1]["action_token"]), "drank").status_code == status
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(WaterIntake.id))) == 0


def test_an_expired_token_is_refused(app, client, first_water, clock):
    clock.move_to(NOW + timedelta(days=3))
    response = act(client, first_water[1]["action_token"], "drank")
    assert response.status_code == 422
    assert response.json["errors"]["token"] == ["This notification has expired."]


@pytest.mark.parametrize(
    "body, status",
    [
        ({"action": "dance"}, 422),
        ({}, 422),
        ("drank", 400),
    ],
)
def test_bad_action_bodies_are_rejected(client, first_water, body, status):
    response = client.post(
        f"/api/v1/actions/{first_water[1]['action_token']}", json=body, csrf=False
    )
    assert response.status_code == status
    assert "errors" in response.json


def test_actions_are_refused_for_kinds_without_them(app, client, alice, clock):
    with app.app_context():
        book(alice.id, NOW + timedelta(days=2))
        row = reminders(alice.id, kind="appointment")[0]
        token = make_token(alice.id, row.id)
    assert act(client, token, "drank").status_code == 422


def test_a_token_is_bound_to_its_user(app, client, alice, bob, first_water):
    with app.app_context():
        theirs = log_session(bob.id, NOW, kind="self").id
        row = reminders(bob.id, kind="hydration")[0]
        forged = make_token(alice.id, row.id)  # alice's id, bob's reminder
    assert act(client, forged, "drank").status_code == 404
    with app.app_context():
        assert db.session.get(MassageSession, theirs).water_glasses == 0
