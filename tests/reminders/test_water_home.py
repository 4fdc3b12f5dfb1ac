"""Water in the app: "+1 glass" on Home with Undo, plurals, and one re-planning path."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import User, WaterIntake

from .conftest import log_session, reminders

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)  # Tue 13:00 in Berlin


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def glasses_stored() -> int:
    return db.session.scalar(db.select(db.func.count(WaterIntake.id)))


def water_bodies(user_id: int) -> set[str]:
    return {
        r.payload["body"].split(".")[0]
        for r in reminders(user_id, kind="hydration")
        if r.status == "pending"
    }


def add_form(page: str) -> dict:
    """The "+1 glass" form as a browser would submit it (hidden id; CSRF from the client)."""
    form = re.search(r'<form method="post" action="/water".*?</form>', page, re.S).group(0)
    return {"id": re.search(r'name="id" value="([0-9a-f-]{36})"', form).group(1)}


def set_goal(user_id: int, goal: int) -> None:
    user = db.session.get(User, user_id)
    user.reminder_prefs = {**user.reminder_prefs, "glasses_goal": goal}
    db.session.commit()


def test_plus_one_glass_adds_a_glass_replans_and_undo_takes_it_back(
    app, clock, alice, alice_client
):
    with app.app_context():
        log_session(alice.id, NOW - timedelta(minutes=30), kind="self", duration_minutes=30)
        assert water_bodies(alice.id) == {"0 of 8 glasses today"}
    home = alice_client.get("/").get_data(as_text=True)
    assert 'name="csrf_token"' in re.search(r'action="/water".*?</form>', home, re.S).group(0)
    data = add_form(home)
    response = alice_client.post("/water", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/?glass={data['id']}#water-h"
    assert alice_client.post("/water", data=data).status_code == 302  # a double submit
    with app.app_context():
        assert glasses_stored() == 1
        assert water_bodies(alice.id) == {"1 of 8 glasses today"}  # re-planned
    page = alice_client.get(f"/?glass={data['id']}").get_data(as_text=True)
    assert "Glass added: 1 of 8 glasses today." in page
    assert "<strong>1</strong> of 8 glasses" in page
    assert f'action="/water/{data["id"]}/undo"' in page
    assert alice_client.post(f"/water/{data['id']}/undo").status_code == 302
    with app.app_context():
        assert glasses_stored() == 0
        assert water_bodies(alice.id) == {"0 of 8 glasses today"}
    page = alice_client.get("/").get_data(as_text=True)
    assert "Glass removed: 0 of 8 glasses today." in page
    assert "<strong>0</strong> of 8 glasses" in page


def test_reaching_the_goal_from_home_stops_the_chain_and_undo_brings_it_back(
    app, clock, alice, alice_client
):
    with app.app_context():
        set_goal(alice.id, 1)
        log_session(alice.id, NOW - timedelta(minutes=30), kind="self", duration_minutes=30)
        assert water_bodies(alice.id) == {"0 of 1 glass today"}
    data = add_form(alice_client.get("/").get_data(as_text=True))
    alice_client.post("/water", data=data)
    with app.app_context():
        rows = reminders(alice.id, kind="hydration")
        assert {(r.status, r.last_error) for r in rows} == {("cancelled", "Goal reached")}
    page = alice_client.get(f"/?glass={data['id']}").get_data(as_text=True)
    assert "Glass added: 1 of 1 glass today." in page
    assert "1 glasses" not in page and "of 1 glass: goal reached" in page
    alice_client.post(f"/water/{data['id']}/undo")
    with app.app_context():
        assert {r.status for r in reminders(alice.id, kind="hydration")} == {"pending"}


def test_someone_elses_glass_cannot_be_undone_and_needs_csrf(
    app, clock, alice, bob, alice_client, bob_client
):
    data = add_form(alice_client.get("/").get_data(as_text=True))
    assert alice_client.post("/water", data=data, csrf=False).status_code == 400
    alice_client.post("/water", data=data)
    assert bob_client.post(f"/water/{data['id']}/undo").status_code == 404
    assert alice_client.post("/water/not-a-uuid/undo").status_code == 404
    with app.app_context():
        assert glasses_stored() == 1


def test_the_api_replans_water_through_the_same_path(app, clock, alice, alice_client):
    with app.app_context():
        log_session(alice.id, NOW - timedelta(minutes=30), kind="self", duration_minutes=30)
    glass = {"id": str(uuid.uuid4())}
    assert alice_client.post("/api/v1/water", json=glass).status_code == 201
    assert alice_client.post("/api/v1/water", json=glass).status_code == 200  # offline replay
    with app.app_context():
        assert water_bodies(alice.id) == {"1 of 8 glasses today"}


def test_glasses_count_in_the_users_local_day(app, alice, alice_client):
    # 23:30 UTC on 9 Mar is 00:30 on 10 Mar in Berlin: today's glass, not yesterday's.
    with time_machine.travel(datetime(2026, 3, 9, 23, 30, tzinfo=UTC), tick=False):
        client = app.test_client()
        client.post("/login", data={"email": "alice@example.com", "password": "alice-password-1"})
        with app.app_context():
            db.session.add(
                WaterIntake(
                    user_id=alice.id,
                    client_id=str(uuid.uuid4()),
                    drank_at=datetime(2026, 3, 9, 22, 30, tzinfo=UTC),
                )
            )
            db.session.commit()
        data = add_form(client.get("/").get_data(as_text=True))
        client.post("/water", data=data)
        page = client.get(f"/?glass={data['id']}").get_data(as_text=True)
    assert "Glass added: 1 of 8 glasses today." in page
