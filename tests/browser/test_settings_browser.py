"""Settings on a phone: short pages, and the answer to a save where the thumb already is."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from tracker import timeutil
from tracker.extensions import db
from tracker.models import Appointment

from .conftest import login


def in_view(page, selector: str) -> bool:
    """The element is on screen without scrolling: what a person sees after the tap."""
    box = page.locator(selector).first.bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def open_from_hub(page, title: str) -> None:
    page.goto("/settings")
    page.get_by_role("link", name=title).click()


def test_quiet_hours_are_saved_with_the_reminders_and_the_answer_is_in_view(page, alice):
    login(page)
    open_from_hub(page, "Reminders and quiet hours")
    page.wait_for_url("**/settings/reminders")
    page.fill("#quiet_start", "21:30")
    page.fill("#quiet_end", "06:45")
    page.fill("#glasses_goal", "6")
    page.get_by_role("button", name="Save reminder settings").click()
    page.wait_for_url("**/settings/reminders")
    flash = page.locator(".flash", has_text="Reminder settings saved.")
    assert flash.is_visible() and in_view(page, ".flash")
    # Both edits survived one Save: the quiet hours used to be thrown away here.
    assert page.input_value("#quiet_start") == "21:30"
    assert page.input_value("#quiet_end") == "06:45"
    assert page.input_value("#glasses_goal") == "6"
    settings_tab = page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")
    assert settings_tab.get_attribute("aria-current") == "page"


def test_a_new_time_zone_says_where_the_next_appointment_moved(app, page, alice):
    starts = (timeutil.now() + timedelta(days=3)).replace(
        hour=7, minute=15, second=0, microsecond=0
    )
    with app.app_context():
        db.session.add(Appointment(user_id=alice.id, client_id=str(uuid.uuid4()), starts_at=starts))
        db.session.commit()
    london = starts.astimezone(ZoneInfo("Europe/London"))
    berlin = starts.astimezone(ZoneInfo("Europe/Berlin"))
    login(page)
    open_from_hub(page, "Profile and time zone")
    page.fill("#timezone", "Europe/London")
    page.get_by_role("button", name="Save time zone").click()
    page.wait_for_url("**/settings/profile")
    note = page.locator(".flash", has_text="Times are now shown in Europe/London.")
    assert note.is_visible() and in_view(page, ".flash")
    text = note.inner_text()
    day = f"{london:%a} {london.day} {london:%b}"
    assert f"on {day} now shows as {london:%H:%M} (was {berlin:%H:%M} in Europe/Berlin)" in text
    assert page.input_value("#timezone") == "Europe/London"


def test_saving_one_page_never_loses_another_pages_edit(page, alice):
    login(page)
    page.goto("/settings/reminders")
    page.fill("#quiet_start", "20:45")
    page.get_by_role("button", name="Save reminder settings").click()
    page.wait_for_url("**/settings/reminders")
    page.goto("/settings/profile")
    page.fill("#timezone", "Asia/Tokyo")
    page.get_by_role("button", name="Save time zone").click()
    page.wait_for_url("**/settings/profile")
    assert in_view(page, ".flash")
    page.goto("/settings/reminders")
    assert page.input_value("#quiet_start") == "20:45"
    page.goto("/settings/profile")
    assert page.input_value("#timezone") == "Asia/Tokyo"


def test_a_mistake_is_shown_in_view_beside_its_field_with_the_typing_kept(page, alice):
    login(page)
    page.goto("/settings/profile")
    page.fill("#timezone", "Europe/Atlantis")
    page.get_by_role("button", name="Save time zone").click()
    error = page.locator("#timezone-error")
    assert error.is_visible() and "Choose a time zone" in error.inner_text()
    assert in_view(page, "#timezone-error")
    assert page.input_value("#timezone") == "Europe/Atlantis"


def test_the_hub_fits_a_phone_with_large_rows(page, alice):
    login(page)
    page.goto("/settings")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    rows = page.locator(".settings-row").all()
    assert len(rows) >= 9
    for row in rows:
        box = row.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300
