"""Logging a session on a phone: four taps, live severe-pain advisory, edit next morning."""

from tracker.extensions import db
from tracker.models import MassageSession

from .conftest import login


def rating(page, name: str, value: int):
    return page.locator(f'input[name="{name}"][value="{value}"]')


def test_a_session_is_logged_in_four_taps(page, app, alice):
    login(page)
    page.goto("/sessions/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("label.segment").first.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 24
    advisory = page.locator("[data-severe-advisory]")
    rating(page, "pain_before", 7).tap()  # tap 1
    rating(page, "pain_after", 9).tap()
    assert advisory.is_visible()
    rating(page, "pain_after", 3).tap()  # tap 2
    assert advisory.is_hidden()
    rating(page, "mood", 4).tap()  # tap 3
    page.get_by_role("button", name="Save").first.tap()  # tap 4
    page.wait_for_url("**/sessions?done=*")  # back to History, with a recap and Undo
    assert page.get_by_text("Session saved.").is_visible()
    assert page.get_by_text("Pain 7 → 3 logged.").is_visible()
    with app.app_context():
        row = db.session.scalar(db.select(MassageSession))
        assert (row.pain_before, row.pain_after, row.mood, row.kind) == (7, 3, 4, "self")


def test_sleep_is_added_next_morning_from_history(page, app, alice):
    login(page)
    page.goto("/sessions/new")
    rating(page, "pain_before", 5).tap()
    rating(page, "pain_after", 2).tap()
    rating(page, "mood", 5).tap()
    page.get_by_role("button", name="Save").first.tap()
    page.wait_for_url("**/sessions?done=*")
    page.get_by_role("link", name="Edit").first.tap()
    rating(page, "sleep_quality", 4).tap()
    page.fill('input[name="sleep_hours"]', "7.5")
    page.get_by_role("button", name="Save").last.tap()
    page.wait_for_url("**/sessions?done=*")
    assert page.get_by_text("Sleep: Good (7.5 h)").is_visible()
