"""Settings: a hub of short pages, one form each; password and email changes (issue #15)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import Appointment, User

from .mailbox import path_of

# Every row on the hub, and what its page must show (a word from its content).
PAGES = {
    "/settings/profile": "Time zone",
    "/settings/reminders": "Quiet hours start",
    "/settings/devices": "Turn on reminders on this device",
    "/settings/signins": "Sign out",
    "/settings/calendar": "Your private calendar link",
    "/settings/data": "Delete my account",
    "/settings/safety": "Recent spinal surgery",
    "/settings/account": "Change password",
    "/settings/tokens": "New token label",
    "/settings/share-links": "No share links.",
}
# Pages whose one form saves settings; the others only list things with actions beside them.
FORM_PAGES = ("/settings/profile", "/settings/reminders", "/settings/safety")
REMINDER_FORM = {
    "appointment": "y",
    "log_prompt": "y",
    "hydration": "y",
    "sleep_checkin": "y",
    "routine_due": "y",
    "lead_minutes": ["1440", "120"],
    "reminder_time": "18:00",
    "hydration_offsets": "15, 60, 120, 240",
    "glasses_goal": "4",
    "quiet_start": "22:00",
    "quiet_end": "08:00",
    "wake_time": "08:00",
}


def main_of(page: str) -> str:
    """The page's own content: the header's log-out form is not one of its forms."""
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def forms_in(html: str) -> list[str]:
    return re.findall(r"<form\b.*?</form>", html, flags=re.S)


def flashes(page: str) -> str:
    return page.split('class="flashes"', 1)[1].split("</div>", 1)[0]


def get(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_the_hub_is_a_short_list_of_every_page(alice_client):
    page = alice_client.get("/settings").get_data(as_text=True)
    links = re.findall(r'class="settings-row" href="([^"]+)"', page)
    assert links == list(PAGES)
    assert forms_in(main_of(page)) == []  # nothing to save on the hub itself
    assert "Reminders and quiet hours" in page and "Safety checklist" in page


@pytest.mark.parametrize("url", list(PAGES))
def test_each_page_renders_its_content_and_keeps_the_settings_tab_current(alice_client, url):
    response = alice_client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert PAGES[url] in page
    assert re.search(r'href="/settings" aria-current="page"', page)
    saves = re.findall(r"<button[^>]*>\s*Save", main_of(page))
    assert len(saves) <= 1, "at most one Save button per page"


@pytest.mark.parametrize("url", FORM_PAGES)
def test_form_pages_have_exactly_one_form_with_one_submit(alice_client, url):
    forms = forms_in(main_of(alice_client.get(url).get_data(as_text=True)))
    assert len(forms) == 1
    assert len(re.findall(r'type="submit"', forms[0])) == 1


def test_saving_reminders_keeps_quiet_hours_and_lands_on_the_same_page(app, alice, alice_client):
    """The old page threw a quiet-hours edit away when "Save reminder settings" was pressed."""
    data = {**REMINDER_FORM, "quiet_start": "21:15", "quiet_end": "06:45", "glasses_goal": "6"}
    response = alice_client.post("/settings/reminders", data=data)
    assert response.status_code == 302 and response.location == "/settings/reminders"
    user = get(app, alice.id)
    assert (user.quiet_start, user.quiet_end) == (time(21, 15), time(6, 45))
    assert user.pref("glasses_goal") == 6
    assert user.timezone == "Europe/Berlin"  # another page's field is untouched
    page = alice_client.get(response.location).get_data(as_text=True)
    assert "Reminder settings saved." in flashes(page)
    assert 'value="21:15"' in page and 'value="06:45"' in page


def test_saving_the_time_zone_changes_only_the_time_zone(app, alice, alice_client):
    before = get(app, alice.id)
    response = alice_client.post("/settings/profile", data={"timezone": "Australia/Sydney"})
    assert response.status_code == 302 and response.location == "/settings/profile"
    after = get(app, alice.id)
    assert after.timezone == "Australia/Sydney"
    assert (after.quiet_start, after.quiet_end, after.wake_time, after.reminder_prefs) == (
        before.quiet_start,
        before.quiet_end,
        before.wake_time,
        before.reminder_prefs,
    )
    page = alice_client.get("/settings/profile").get_data(as_text=True)
    assert "Times are now shown in Australia/Sydney." in flashes(page)


def test_a_reminders_post_without_the_quiet_hours_keeps_them(app, alice, alice_client):
    """An older page or client that does not send them must not wipe them; an empty one is
    still a mistake."""
    alice_client.post("/settings/reminders", data={**REMINDER_FORM, "quiet_start": "23:10"})
    partial = {k: v for k, v in REMINDER_FORM.items() if k not in ("quiet_start", "quiet_end")}
    response = alice_client.post("/settings/reminders", data={**partial, "glasses_goal": "3"})
    assert response.status_code == 302
    user = get(app, alice.id)
    assert (user.quiet_start, user.pref("glasses_goal")) == (time(23, 10), 3)
    empty = alice_client.post("/settings/reminders", data={**REMINDER_FORM, "quiet_end": ""})
    assert empty.status_code == 200 and "Enter a time." in empty.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "data", "field_id", "message", "kept"),
    [
        (
            "/settings/profile",
            {"timezone": "Europe/Atlantis"},
            "timezone",
            "Choose a time zone",
            ["Europe/Atlantis"],
        ),
        (
            "/settings/reminders",
            {**REMINDER_FORM, "quiet_start": "25:00", "quiet_end": "05:30", "glasses_goal": "7"},
            "quiet_start",
            "Not a valid time",
            ["25:00", "05:30", "7"],
        ),
        (
            "/settings/reminders",
            {**REMINDER_FORM, "glasses_goal": "99", "quiet_start": "20:20"},
            "glasses_goal",
            "Between 1 and 20 glasses.",
            ["99", "20:20", "15, 60, 120, 240"],
        ),
    ],
)
def test_a_mistake_is_shown_beside_its_field_and_keeps_what_was_typed(
    app, alice, alice_client, url, data, field_id, message, kept
):
    before = get(app, alice.id)
    response = alice_client.post(url, data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The message is the field's own (linked by aria-describedby), not a banner elsewhere.
    error = re.search(rf'<ul class="errors" id="{field_id}-error">(.*?)</ul>', page, re.S)
    assert error and message in error.group(1)
    assert re.search(rf'id="{field_id}"[^>]*aria-describedby="[^"]*{field_id}-error"', page) or (
        re.search(rf'aria-describedby="[^"]*{field_id}-error"[^>]*id="{field_id}"', page)
    )
    for value in kept:
        assert f'value="{value}"' in page, f"{value!r} was not kept"
    after = get(app, alice.id)
    assert (after.timezone, after.quiet_start, after.reminder_prefs) == (
        before.timezone,
        before.quiet_start,
        before.reminder_prefs,
    )


def book(app, user, starts_at: datetime, status: str = "booked") -> None:
    with app.app_context():
        db.session.add(
            Appointment(
                user_id=user.id, client_id=str(uuid.uuid4()), starts_at=starts_at, status=status
            )
        )
        db.session.commit()


NOW = datetime(2024, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """Frozen before the client logs in, so its sign-in is not from the future."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_a_new_time_zone_says_how_the_next_appointment_now_shows(
    clock, app, alice, bob, alice_client
):
    book(app, alice, datetime(2024, 11, 20, 9, 0, tzinfo=UTC))  # past: not mentioned
    book(app, alice, datetime(2024, 12, 2, 9, 0, tzinfo=UTC), status="cancelled")
    book(app, alice, datetime(2024, 12, 3, 7, 15, tzinfo=UTC))  # 08:15 in Berlin
    book(app, bob, datetime(2024, 11, 29, 7, 15, tzinfo=UTC))  # bob's: never alice's note
    alice_client.post("/settings/profile", data={"timezone": "Europe/London"})
    note = flashes(alice_client.get("/settings/profile").get_data(as_text=True))
    assert "Times are now shown in Europe/London." in note
    assert "Your appointment on Tue 3 Dec now shows as 07:15 (was 08:15 in Europe/Berlin)" in note
    with app.app_context():  # the appointment itself did not move
        starts = db.session.scalar(
            db.select(db.func.max(Appointment.starts_at)).where(Appointment.user_id == alice.id)
        )
        assert starts == datetime(2024, 12, 3, 7, 15, tzinfo=UTC)


def test_the_note_names_the_old_day_when_the_date_changes(clock, app, alice, alice_client):
    book(app, alice, datetime(2024, 12, 3, 23, 30, tzinfo=UTC))  # Wed 00:30 in Berlin
    alice_client.post("/settings/profile", data={"timezone": "America/New_York"})
    note = flashes(alice_client.get("/settings/profile").get_data(as_text=True))
    assert "on Tue 3 Dec now shows as 18:30 (was Wed 4 Dec 00:30 in Europe/Berlin)" in note


def test_no_note_about_appointments_without_one(app, alice, alice_client):
    alice_client.post("/settings/profile", data={"timezone": "Asia/Tokyo"})
    note = flashes(alice_client.get("/settings/profile").get_data(as_text=True))
    assert "Times are now shown in Asia/Tokyo." in note and "appointment" not in note


@pytest.mark.parametrize("url", [*PAGES, "/settings", "/settings/password", "/settings/email"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.location.startswith("/login")


def test_bob_sees_and_changes_only_his_own_settings(app, alice, bob, alice_client, bob_client):
    alice_client.post("/settings/profile", data={"timezone": "Pacific/Chatham"})
    alice_client.post("/settings/reminders", data={**REMINDER_FORM, "quiet_start": "05:55"})
    alice = get(app, alice.id)
    for url in ["/settings", *PAGES]:
        page = bob_client.get(url).get_data(as_text=True)
        for hers in ("alice@example.com", "Pacific/Chatham", 'value="05:55"'):
            assert hers not in page, url
    bob_client.post("/settings/profile", data={"timezone": "Asia/Tokyo"})
    bob_client.post("/settings/reminders", data={**REMINDER_FORM, "quiet_start": "20:00"})
    bob_client.post("/safety", data={"conditions": ["pregnancy"]})
    alice_now, bob_now = get(app, alice.id), get(app, bob.id)
    assert (bob_now.timezone, bob_now.quiet_start) == ("Asia/Tokyo", time(20, 0))
    assert bob_now.safety_conditions == ["pregnancy"]
    assert (alice_now.timezone, alice_now.quiet_start) == ("Pacific/Chatham", time(5, 55))
    assert alice_now.safety_conditions == alice.safety_conditions


def test_password_forms_carry_the_username_for_password_managers(alice_client):
    for url in ("/settings/password", "/settings/delete"):
        form = forms_in(main_of(alice_client.get(url).get_data(as_text=True)))[0]
        assert re.search(
            r'<input id="username" type="email" name="username" autocomplete="username" '
            r'value="alice@example.com" readonly>',
            form,
        ), url
    form = forms_in(main_of(alice_client.get("/settings/password").get_data(as_text=True)))[0]
    assert 'autocomplete="current-password"' in form
    assert form.count('autocomplete="new-password"') == 2


def test_reset_and_register_forms_name_the_account_too(client, alice, mailbox):
    client.post("/forgot", data={"email": "alice@example.com"})
    page = client.get(path_of(mailbox.last_link("alice@example.com"))).get_data(as_text=True)
    form = forms_in(main_of(page))[0]
    assert 'name="username" autocomplete="username" value="alice@example.com" readonly' in form
    assert form.count('autocomplete="new-password"') == 2
    form = forms_in(main_of(client.get("/register").get_data(as_text=True)))[0]
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*id="email"', form)
    assert 'autocomplete="new-password"' in form


def test_change_password(alice_client, app, alice, auth, client):
    bad = alice_client.post(
        "/settings/password",
        data={"current": "wrong", "new": "brand-new-pw", "confirm": "brand-new-pw"},
    )
    assert b"not correct" in bad.data
    mismatch = alice_client.post(
        "/settings/password",
        data={"current": "alice-password-1", "new": "brand-new-pw", "confirm": "other-pw-123"},
    )
    assert b"do not match" in mismatch.data
    short = alice_client.post(
        "/settings/password",
        data={"current": "alice-password-1", "new": "short", "confirm": "short"},
    )
    assert b"at least 8" in short.data
    ok = alice_client.post(
        "/settings/password",
        data={"current": "alice-password-1", "new": "brand-new-pw", "confirm": "brand-new-pw"},
    )
    assert ok.status_code == 302 and ok.location == "/settings/account"
    assert "Password changed." in flashes(alice_client.get(ok.location).get_data(as_text=True))
    assert auth.login(password="brand-new-pw").status_code == 302


def test_change_email_waits_for_the_link(alice_client, app, alice, bob):
    """The rules are in test_email_change.py; here: nothing changes before the click."""
    ok = alice_client.post(
        "/settings/email", data={"email": "A2@Example.com", "password": "alice-password-1"}
    )
    assert ok.status_code == 302 and ok.location == "/settings/account"
    assert b"We sent a link to a2@example.com" in alice_client.get(ok.location).data
    with app.app_context():
        assert db.session.get(User, alice.id).email == "alice@example.com"
