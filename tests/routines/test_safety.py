"""Safety checklist: onboarding, settings, and an advisory that informs but never blocks."""

import pytest

from tracker.extensions import db
from tracker.models import Appointment, User
from tracker.routines.safety import CONDITIONS, advisory

from .conftest import count, get
from .test_routines import VALID


def test_registration_leads_to_one_welcome_screen_with_every_step(client, app):
    response = client.post(
        "/register", data={"email": "new@example.com", "password": "long-enough", "timezone": "UTC"}
    )
    assert response.headers["Location"] == "/welcome"
    page = client.get("/welcome").get_data(as_text=True)
    # No flash repeating the page's own heading.
    assert page.count("Welcome to Back Relief") == 1
    assert "Recent spinal surgery" in page and "A child under 8" not in page
    assert "Massage is for a child under 8" in page
    assert "I see a therapist" in page and "I massage myself" in page  # first routine
    assert "Turn on reminders on this device" in page  # reminders
    assert "Skip, go to the app" in page
    response = client.post(
        "/safety", data={"conditions": ["pregnancy", "migraines"], "next": "onboarding"}
    )
    assert response.headers["Location"] == "/welcome#routine-step"  # back to the same screen
    with app.app_context():
        assert User.by_email("new@example.com").safety_conditions == ["pregnancy", "migraines"]


def test_the_first_routine_from_the_welcome_screen_returns_to_it(alice_client, app, alice):
    form = alice_client.get("/routine/new?kind=self&from=welcome").get_data(as_text=True)
    assert '<option selected value="self">' in form or 'value="self" selected' in form
    response = alice_client.post(
        "/routine/new?kind=self&from=welcome",
        data={**VALID, "name": "Evening roll", "kind": "self"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/welcome#reminders-step"
    page = alice_client.get("/welcome").get_data(as_text=True)
    assert "Set up: <strong>Evening roll</strong>" in page
    assert "I see a therapist" not in page


def test_settings_section_saves_and_ignores_unknown_keys(alice_client, app, alice):
    page = alice_client.get("/settings/safety").get_data(as_text=True)
    assert 'id="safety"' in page and 'value="osteoporosis"' in page
    response = alice_client.post("/safety", data={"conditions": ["osteoporosis", "<script>"]})
    assert response.status_code == 302 and response.headers["Location"] == "/settings/safety"
    assert get(app, User, alice.id).safety_conditions == ["osteoporosis"]
    page = alice_client.get("/settings/safety").get_data(as_text=True)
    assert 'value="osteoporosis" checked' in page and "Safety checklist saved." in page
    alice_client.post("/safety", data={})
    assert get(app, User, alice.id).safety_conditions == []


def test_advisory_wording():
    assert advisory([]) is None and advisory(["unknown"]) is None
    text = advisory(["migraines", "spinal_surgery"])
    assert text == {
        "doctor": ["your recent spinal surgery"],
        "tell": ["your recent spinal surgery", "your migraines"],
    }
    assert len({c.key for c in CONDITIONS}) == len(CONDITIONS) == 11


@pytest.mark.parametrize("url", ["/routine", "/routine/new", "/appointments", "/appointments/new"])
def test_ticked_conditions_show_a_calm_advisory(alice_client, alice, url):
    assert "Before your massage" not in alice_client.get(url).get_data(as_text=True)
    alice_client.post("/safety", data={"conditions": ["pregnancy", "diabetes"]})
    page = alice_client.get(url).get_data(as_text=True)
    assert "Because of your pregnancy, talk to your doctor before booking." in page
    assert "Tell your therapist about your pregnancy and your diabetes." in page


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


def test_lists_in_the_advisory_read_as_sentences(alice_client, alice):
    alice_client.post("/safety", data={"conditions": ["pregnancy", "osteoporosis", "diabetes"]})
    page = alice_client.get("/routine/new").get_data(as_text=True)
    assert "Because of your pregnancy and your osteoporosis, talk to your doctor" in page
    assert "about your pregnancy, your osteoporosis and your diabetes." in page


def test_ive_talked_to_my_doctor_hides_the_advisory_for_this_user_only(
    alice_client, bob_client, app, alice, bob
):
    for who in (alice_client, bob_client):
        who.post("/safety", data={"conditions": ["pregnancy"]})
    page = alice_client.get("/appointments/new").get_data(as_text=True)
    assert (
        "I&#39;ve talked to my doctor — hide this" in page
        or "I've talked to my doctor — hide this" in page
    )
    # A plain form post (no JavaScript), back to the page it was on.
    response = alice_client.post("/safety/advisory", data={"back": "/appointments/new"})
    assert response.status_code == 302 and response.headers["Location"] == "/appointments/new"
    for url in ("/routine", "/routine/new", "/appointments", "/appointments/new"):
        assert "Before your massage" not in alice_client.get(url).get_data(as_text=True)
    assert "Before your massage" in bob_client.get("/routine").get_data(as_text=True)
    # Ticking something new brings it back: there is something new to ask about.
    alice_client.post("/safety", data={"conditions": ["pregnancy"]})
    assert "Before your massage" not in alice_client.get("/routine").get_data(as_text=True)
    alice_client.post("/safety", data={"conditions": ["pregnancy", "osteoporosis"]})
    assert "Before your massage" in alice_client.get("/routine").get_data(as_text=True)


def test_hiding_the_advisory_needs_csrf_and_only_goes_to_local_pages(
    alice_client, client, app, alice
):
    assert alice_client.post("/safety/advisory", data={}, csrf=False).status_code == 400
    assert client.post("/safety/advisory", data={}).status_code in (302, 400)
    assert get(app, User, alice.id).advisory_dismissed is False
    response = alice_client.post("/safety/advisory", data={"back": "//evil.example/x"})
    assert response.headers["Location"] == "/routine"
    assert get(app, User, alice.id).advisory_dismissed is True
