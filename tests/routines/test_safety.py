"""Safety checklist: onboarding, settings, and an advisory that informs but never blocks."""

import pytest

from tracker.extensions import db
from tracker.models import Appointment, User
from tracker.routines.safety import CONDITIONS, advisory

from .conftest import count, get


def test_registration_leads_to_the_checklist_then_routine_setup(client, app):
    response = client.post(
        "/register", data={"email": "new@example.com", "password": "long-enough", "timezone": "UTC"}
    )
    assert response.headers["Location"] == "/welcome"
    page = client.get("/welcome").get_data(as_text=True)
    assert "Recent spinal surgery" in page and "A child under 8" not in page
    assert "Massage is for a child under 8" in page and "Continue: set up a routine" in page
    response = client.post(
        "/safety", data={"conditions": ["pregnancy", "migraines"], "next": "onboarding"}
    )
    assert response.headers["Location"] == "/routine/new"
    with app.app_context():
        assert User.by_email("new@example.com").safety_conditions == ["pregnancy", "migraines"]


def test_settings_section_saves_and_ignores_unknown_keys(alice_client, app, alice):
    page = alice_client.get("/settings").get_data(as_text=True)
    assert 'id="safety-h"' in page and 'value="osteoporosis"' in page
    response = alice_client.post("/safety", data={"conditions": ["osteoporosis", "<script>"]})
    assert response.status_code == 302 and response.headers["Location"].startswith("/settings")
    assert get(app, User, alice.id).safety_conditions == ["osteoporosis"]
    assert 'value="osteoporosis" checked' in alice_client.get("/settings").get_data(as_text=True)
    alice_client.post("/safety", data={})
    assert get(app, User, alice.id).safety_conditions == []


def test_advisory_wording():
    assert advisory([]) is None and advisory(["unknown"]) is None
    text = advisory(["migraines", "spinal_surgery"])
    assert text == {
        "doctor": ["Recent spinal surgery"],
        "tell": ["your recent spinal surgery", "your migraines"],
    }
    assert len({c.key for c in CONDITIONS}) == len(CONDITIONS) == 11


@pytest.mark.parametrize("url", ["/routine", "/routine/new", "/appointments", "/appointments/new"])
def test_ticked_conditions_show_a_calm_advisory(alice_client, alice, url):
    assert "Before your massage" not in alice_client.get(url).get_data(as_text=True)
    alice_client.post("/safety", data={"conditions": ["pregnancy", "diabetes"]})
    page = alice_client.get(url).get_data(as_text=True)
    assert "talk to your doctor before booking" in page
    assert "Tell your therapist about your pregnancy, your diabetes." in page


def test_the_advisory_never_blocks_booking(alice_client, app, alice, make):
    alice_client.post("/safety", data={"conditions": [c.key for c in CONDITIONS]})
    response = alice_client.post(
        "/appointments/new",
        data={"day": "2026-05-20", "at": "18:30", "duration_minutes": "60", "style": "swedish"},
    )
    assert response.status_code == 302 and count(app, Appointment) == 1
    detail = alice_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Before your massage" in detail


def test_each_user_has_their_own_checklist(alice_client, bob_client, app, alice, bob):
    alice_client.post("/safety", data={"conditions": ["pregnancy"]})
    bob_client.post("/safety", data={"conditions": ["arthritis"]})
    assert get(app, User, alice.id).safety_conditions == ["pregnancy"]
    assert get(app, User, bob.id).safety_conditions == ["arthritis"]
    assert "your pregnancy" not in bob_client.get("/routine").get_data(as_text=True)


def test_safety_routes_need_login_and_csrf(client, alice_client, app, alice):
    assert client.get("/welcome").status_code == 302
    assert client.post("/safety", data={"conditions": ["pregnancy"]}).status_code == 302
    assert (
        alice_client.post("/safety", data={"conditions": ["pregnancy"]}, csrf=False).status_code
        == 400
    )
    with app.app_context():
        assert db.session.get(User, alice.id).safety_conditions == []
