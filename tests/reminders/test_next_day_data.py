"""The next-day check-in's data: `next_day` in /api/v1/reminders, pain_next_day through the
sessions API and the log form, the setting, and the JSON backup and FHIR export."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import MassageSession, User

from .conftest import edit_session, log_session
from .test_next_day import EVENING, NOW, checkins, logged, stored


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- the API, the log form, export and restore -------------------------------------------------


def test_the_reminders_api_shows_next_day(app, clock, alice, alice_client):
    with app.app_context():
        log_session(alice.id, EVENING)
        log_session(alice.id, EVENING + timedelta(days=1))
        edit_session(db.session.get(MassageSession, 2), sleep_quality=3)
    listed = alice_client.get("/api/v1/reminders?status=pending").get_json()["reminders"]
    morning = [r for r in listed if r["kind"] in ("sleep_checkin", "next_day")]
    assert [(r["kind"], r["also"], r["due_at"]) for r in morning] == [
        ("sleep_checkin", ["next_day"], "2026-03-11T08:00:00+01:00"),  # both in one
        ("next_day", [], "2026-03-12T08:00:00+01:00"),  # sleep already rated
    ]
    assert {r["kind"] for r in listed} == {"sleep_checkin", "next_day", "hydration"}
    assert all(r["also"] == [] for r in listed if r["kind"] != "sleep_checkin")


def test_the_sessions_api_patches_the_next_day_pain(app, clock, alice, alice_client):
    with app.app_context():
        session = logged(alice.id, EVENING)
    path = f"/api/v1/sessions/{session.client_id}"
    assert alice_client.get(path).get_json()["pain_next_day"] is None
    for bad in (11, -1, "seven", True):
        response = alice_client.patch(path, json={"pain_next_day": bad})
        assert response.status_code == 422 and "pain_next_day" in response.get_json()["errors"]
    response = alice_client.patch(path, json={"pain_next_day": 4})
    assert response.status_code == 200 and response.get_json()["pain_next_day"] == 4
    with app.app_context():  # answered through the API: the check-in asks only about sleep
        [row] = checkins(alice.id)
        assert row.payload["asks"] == ["sleep"]


def test_the_log_form_edits_the_next_day_pain(app, clock, alice, alice_client):
    with app.app_context():
        session = logged(alice.id, EVENING, kind="self")
    page = alice_client.get(f"/sessions/{session.client_id}/edit").get_data(as_text=True)
    assert "Back pain the next morning" in page and 'name="pain_next_day"' in page
    form = {
        "id": session.client_id, "occurred_at_local": "2026-03-10T19:00", "kind": "self",
        "duration_minutes": "20", "pressure": "medium", "pain_before": "6", "pain_after": "3",
        "mood": "4", "water_glasses": "0", "pain_next_day": "12",
    }  # fmt: skip
    refused = alice_client.post(f"/sessions/{session.client_id}/edit", data=form)
    assert refused.status_code == 422 and stored(app, session.id) == (None, None)
    saved = alice_client.post(
        f"/sessions/{session.client_id}/edit", data={**form, "pain_next_day": "2"}
    )
    assert saved.status_code == 302 and stored(app, session.id) == (None, 2)


def test_backup_and_fhir_export_carry_the_next_day_pain(app, alice, alice_client, bob, bob_client):
    from tests.portability.conftest import backup_bytes
    from tests.portability.test_backup import confirm, upload
    from tests.portability.test_fhir import export, resources, validate

    with app.app_context():
        session = logged(alice.id, EVENING, pain_next_day=2)
    raw = backup_bytes(alice_client)
    assert b'"pain_next_day": 2' in raw or b'"pain_next_day":2' in raw
    assert confirm(bob_client, upload(bob_client, raw)).status_code == 302
    with app.app_context():
        [restored] = db.session.scalars(
            db.select(MassageSession).where(MassageSession.user_id == bob.id)
        )
        assert (restored.client_id, restored.pain_next_day) == (session.client_id, 2)
    bundle = export(alice_client)
    validate(bundle)
    [next_day] = [
        o for o in resources(bundle, "Observation")
        if o.get("method", {}).get("coding", [{}])[0].get("code") == "next-day"
    ]  # fmt: skip
    assert next_day["valueQuantity"]["value"] == 2
    assert next_day["effectiveDateTime"] == "2026-03-11T07:00:00Z"  # 08:00 Berlin, wake time


def test_the_preferences_form_has_the_setting(app, alice, alice_client):
    page = alice_client.get("/settings/reminders").get_data(as_text=True)
    assert "Next-day check-in: how is your back the morning after" in page
    [box] = re.findall(r"<input[^>]*name=\"next_day\"[^>]*>", page)
    assert "checked" in box  # on by default
    data = {
        "appointment": "y", "log_prompt": "y", "hydration": "y", "sleep_checkin": "y",
        "routine_due": "y", "lead_minutes": ["1440"], "reminder_time": "18:00",
        "hydration_offsets": "15, 60", "glasses_goal": "8",
        "quiet_start": "22:00", "quiet_end": "08:00", "wake_time": "08:00",
    }  # fmt: skip
    assert alice_client.post("/settings/reminders", data=data).status_code == 302
    with app.app_context():
        user = db.session.get(User, alice.id)
        assert (user.pref("next_day"), user.pref("sleep_checkin")) == (False, True)
    alice_client.post("/settings/reminders", data={**data, "next_day": "y"})
    with app.app_context():
        assert db.session.get(User, alice.id).pref("next_day") is True
