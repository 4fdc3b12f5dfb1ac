"""First run in a phone-sized browser: landing page, sign-up, the one-screen welcome, the
safety advisory without JavaScript, copying a new API token, and printing without chrome."""

from __future__ import annotations

from tracker.extensions import db
from tracker.models import User

from .conftest import eventually, login
from .test_a11y_browser import problems


def test_a_stranger_reads_the_landing_page_signs_up_and_gets_one_welcome_screen(page, context):
    context.clear_cookies()
    page.goto("/")
    page.get_by_role("heading", name="Back Relief", exact=True).wait_for()
    assert page.get_by_text("Your data stays on this server").is_visible()
    assert page.get_by_role("navigation", name="Main").count() == 0
    page.get_by_role("link", name="Sign up").click()
    page.fill("#email", "new@example.com")
    page.fill("#password", "long-enough-pw")
    page.fill("#timezone", "Europe/Berlin")
    page.click("main button[type=submit]")
    page.wait_for_url("**/welcome")
    assert page.get_by_text("Welcome to Back Relief").count() == 1  # the heading, no flash too
    nav = page.get_by_role("navigation", name="Main")
    assert nav.locator("[aria-current=page]").count() == 0  # the Routine tab is not "here"
    for step in ("Safety check", "Your routine", "Reminders"):
        assert page.get_by_role("heading", name=step).is_visible()
    page.get_by_label("Pregnancy").check()
    page.get_by_role("button", name="Save checklist").click()
    page.wait_for_url("**/welcome#routine-step")
    page.get_by_text("Safety checklist saved.").wait_for()
    page.get_by_role("link", name="I massage myself").click()
    assert page.locator("#kind").input_value() == "self"
    page.go_back()
    page.get_by_role("link", name="Skip, go to the app").click()
    page.wait_for_url(lambda url: url.endswith("/"))
    assert nav.locator("[aria-current=page]").inner_text().strip().endswith("Home")


def test_the_advisory_hides_for_good_without_javascript(make_context, app, alice):
    with app.app_context():
        db.session.get(User, alice.id).safety_conditions = ["pregnancy", "osteoporosis"]
        db.session.commit()
    page = make_context(java_script_enabled=False).new_page()
    login(page)
    page.goto("/appointments/new")
    advisory = page.get_by_role("complementary", name="Before your massage")
    advisory.get_by_text("your pregnancy and your osteoporosis").first.wait_for()
    advisory.get_by_role("button", name="I've talked to my doctor — hide this").click()
    page.wait_for_url("**/appointments/new")
    page.get_by_text("Safety note hidden.").wait_for()
    assert page.get_by_text("Before your massage").count() == 0
    page.goto("/routine/new")
    assert page.get_by_text("Before your massage").count() == 0


def test_copy_puts_the_whole_new_token_on_the_clipboard(make_context, live_server, alice):
    context = make_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    login(page)
    page.goto("/settings/tokens")
    page.fill("#token-label", "Shortcuts")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#raw-token").inner_text().strip()
    assert len(token) > 40
    page.get_by_role("button", name="Copy token").click()
    page.get_by_text("Copied").wait_for()
    assert eventually(page, "() => navigator.clipboard.readText()") == token
    assert problems(page) == []  # axe, light and dark


def test_printing_the_summary_leaves_out_the_app_chrome(page, alice):
    login(page)
    page.goto("/trends/summary")
    page.emulate_media(media="print")
    assert page.locator("main h1").first.is_visible()
    for chrome in ("header.top", "nav.bottom", "main button"):
        hidden = page.locator(chrome).evaluate_all(
            "els => els.length > 0 && els.every(e => e.getClientRects().length === 0)"
        )
        assert hidden, chrome
    page.emulate_media(media="screen")
    assert page.locator("nav.bottom").is_visible()


def test_the_landing_page_first_load_is_light_and_self_hosted(make_context, live_server):
    page = make_context(service_workers="block").new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto("/", wait_until="networkidle")
    text = 0
    for request in finished:
        assert request.url.startswith(live_server.url), request.url
        if request.resource_type in ("document", "stylesheet", "script"):
            sizes = request.sizes()
            text += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    assert 0 < text <= 50 * 1024, f"{text} bytes of HTML+CSS+JS"
    assert len(finished) <= 12


def test_the_landing_page_makes_the_worker_forget_signed_in_pages(page, context, alice):
    from .test_pwa_browser import controlled

    login(page)
    controlled(page)  # the dashboard and log form are cached for offline use
    cached = "async () => (await (await caches.open('pages')).keys()).length"
    assert page.evaluate(cached) > 0
    context.clear_cookies()  # signed out elsewhere, or the session ended
    page.goto("/")
    page.get_by_role("link", name="Sign up").wait_for()
    assert eventually(page, f"async () => ({cached})() .then(n => n === 0)")
