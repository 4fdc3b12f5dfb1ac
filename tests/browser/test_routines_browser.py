"""Routines on a phone: two routines, book, move and cancel an appointment, subscribe."""

from playwright.sync_api import expect

from .conftest import login


def fits_phone(page, scope: str = "main") -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no horizontal scroll"
    # Checkboxes and radios are small but sit inside a 44px label, which is the tap target.
    targets = ", ".join(
        f"{scope} {sel}"
        for sel in (
            "button",
            "a.button",
            "input:not([type=checkbox]):not([type=radio])",
            "select",
            "label.check",
        )
    )
    for el in page.locator(targets).all():
        if el.is_visible():
            box = el.bounding_box()
            assert box["height"] >= 44, el.evaluate("e => e.outerHTML")


def add_routine(page, name, kind, count, unit) -> None:
    page.goto("/routine/new")
    page.fill("#name", name)
    page.select_option("#kind", kind)
    page.fill("#cadence_count", count)
    page.select_option("#cadence_unit", unit)
    fits_phone(page)
    page.get_by_role("button", name="Save routine").click()
    page.wait_for_url("**/routine")


def test_two_routines_book_move_cancel_on_a_phone(page, alice):
    login(page)
    add_routine(page, "Fortnightly with Dana", "professional", "2", "weeks")
    add_routine(page, "Foam roller", "self", "1", "weeks")
    assert page.get_by_role("heading", name="Fortnightly with Dana").is_visible()
    assert page.locator(".status").count() == 2
    fits_phone(page)

    page.get_by_role("link", name="Book next").first.click()
    page.fill("#location", "Studio 4")
    fits_phone(page)
    page.get_by_role("button", name="Book").click()
    assert page.get_by_text("Appointment booked.").is_visible()

    page.get_by_role("link", name="Move").click()
    page.fill("#at", "09:15")
    page.get_by_role("button", name="Move").click()
    assert page.get_by_text("Appointment moved.").is_visible()
    assert page.get_by_text("09:15").first.is_visible()
    fits_phone(page)

    page.get_by_role("link", name="Cancel appointment…").click()  # asks first
    assert page.get_by_text("Cancel this appointment?").is_visible()
    fits_phone(page)
    page.get_by_role("button", name="Yes, cancel it").click()
    assert page.get_by_text("Appointment cancelled.").is_visible()
    assert page.locator(".status-cancelled").first.is_visible()


def test_settings_offer_the_calendar_link_and_a_copy_button(page, context, alice):
    login(page)
    page.goto("/settings/calendar")
    url = page.input_value("#calendar-url")
    assert "/calendar/" in url and url.endswith(".ics")
    # The copy button appears only where the Clipboard API exists (progressive enhancement).
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    button = page.locator("[data-copy-target=calendar-url]")
    assert page.evaluate("!!navigator.clipboard"), "127.0.0.1 is a secure context"
    button.click()
    expect(button).to_have_text("Copied")  # the clipboard write resolves asynchronously
    assert page.evaluate("navigator.clipboard.readText()") == url
    fits_phone(page, "#calendar")
    page.goto("/settings/safety")
    fits_phone(page, "#safety")
