"""Accounts in a phone-sized browser."""

from .conftest import login


def test_register_pre_fills_the_device_time_zone(page, context, app):
    context.clear_cookies()
    page.emulate_media(color_scheme="light")
    page.goto("/register")
    # The browser's own zone (Intl API) replaces the UTC default.
    zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert page.input_value("#timezone") == zone
    page.fill("#email", "new@example.com")
    page.fill("#password", "long-enough-pw")
    page.fill("#timezone", "Europe/Berlin")
    page.click("button[type=submit]")
    page.wait_for_url("**/welcome")  # onboarding: safety checklist first
    assert page.get_by_role("navigation", name="Main").is_visible()


def test_layout_fits_a_phone_with_large_tap_targets(page, alice):
    login(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no horizontal scroll at phone width"
    for link in page.get_by_role("navigation", name="Main").get_by_role("link").all():
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
