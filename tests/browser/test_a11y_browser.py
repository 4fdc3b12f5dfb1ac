"""Accessibility (axe-core) on every main page, logged out and in, light and dark; page weight."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe

from ..seed import seed
from .conftest import login

# trends.dashboard ("/") is the landing page for anonymous visitors.
PUBLIC = ["accounts.login", "accounts.register", "pwa.offline", "trends.dashboard"]
PRIVATE = [
    "trends.dashboard",
    "logbook.new_session",
    "logbook.history",
    "routines.index",
    "trends.trends",
    "accounts.settings",
    "accounts.profile",
    "reminders.preferences",
    "accounts.settings_devices",
    "reminders.index",
    "pwa.outbox",
    "welcome.onboarding",
]
BLOCKING = {"serious", "critical"}
axe = Axe()


def urls(app, endpoints: list[str]) -> list[str]:
    with app.test_request_context():
        from flask import url_for

        return [url_for(endpoint) for endpoint in endpoints]


def problems(page) -> list[str]:
    """Serious or critical axe violations on the current page, in both colour schemes."""
    page.evaluate(axe.axe_script)
    found = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for v in result["violations"]:
            if v["impact"] in BLOCKING:
                targets = [n["target"] for n in v["nodes"]][:3]
                found.append(f"{page.url} [{scheme}] {v['id']}: {v['help']} {targets}")
    return found


def test_public_pages_have_no_serious_accessibility_problems(page, app):
    found = []
    for url in urls(app, PUBLIC):
        page.goto(url)
        found += problems(page)
    assert found == [], "\n".join(found)


def seeded_pages(app, alice) -> list[str]:
    """Pages that need a row: a session, a routine, an appointment, a therapist."""
    rows = seed(app, alice)
    with app.test_request_context():
        from flask import url_for

        return [
            url_for("logbook.edit_session", raw_id=rows.session_uuid),
            url_for("routines.edit_routine", routine_id=rows.routine),
            url_for("routines.appointment", appointment_id=rows.appointment),
            url_for("routines.edit_therapist", therapist_id=rows.therapist),
        ]


def test_logged_in_pages_have_no_serious_accessibility_problems(page, app, alice):
    with_rows = seeded_pages(app, alice)
    login(page)
    found = []
    for url in urls(app, PRIVATE) + with_rows:
        page.goto(url)
        found += problems(page)
    assert found == [], "\n".join(found)


def test_every_page_with_a_few_months_of_data_has_no_serious_accessibility_problems(
    page, app, alice
):
    """The same check over every signed-in page the layout test walks, filled with data
    (charts, insights, the body map, lists with buttons), in light and dark."""
    from .test_layout_browser import page_urls, with_data

    every = page_urls(app, with_data(app, alice))
    login(page)
    found = []
    for url in every:
        page.goto(url)
        found += problems(page)
    assert len(every) >= 30 and found == [], "\n".join(found)


def weigh(finished) -> tuple[int, str]:
    """Bytes of HTML+CSS+JS (and the icon sprite) on the wire, and a report of every request."""
    weights = {}
    for request in finished:
        sizes = request.sizes()
        weights[request.url] = (
            request.resource_type,
            sizes["responseBodySize"] + sizes["responseHeadersSize"],
        )
    text = sum(
        size
        for url, (kind, size) in weights.items()
        if kind in ("document", "stylesheet", "script") or "/icons/sprite." in url
    )
    report = "\n".join(f"{kind:10} {size:7} {url}" for url, (kind, size) in weights.items())
    return text, f"{text} bytes of HTML+CSS+JS+sprite\n{report}"


@pytest.mark.parametrize(
    "path,budget_kb,max_requests",
    [("/", 50, 11), ("/sessions/new", 50, 12), ("/trends", 50, 11), ("/routine", 50, 11)],
)
def test_first_load_is_light_and_a_repeat_load_fetches_no_static_file(
    make_context, live_server, alice, path, budget_kb, max_requests
):
    # Log in once, then load the page in a fresh context: empty HTTP cache, no worker.
    first = make_context(service_workers="block")
    login(first.new_page())
    cold = make_context(service_workers="block", storage_state=first.storage_state())
    page = cold.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(path, wait_until="networkidle")
    assert urlparse(page.url).path == path
    assert page.locator("nav[aria-label=Main] svg use").count() == 5  # the sprite is used
    text, report = weigh(finished)
    print(report)
    assert text <= budget_kb * 1024, report
    assert len(finished) <= max_requests, report
    assert all(request.url.startswith(live_server.url) for request in finished)
    # A second visit in the same browser: fingerprinted files come from the HTTP cache
    # (immutable for a year), so nothing under /static/ goes over the network again.
    page.goto(path, wait_until="networkidle")
    fetched = page.evaluate(
        """() => performance.getEntriesByType("resource")
          .filter((e) => new URL(e.name).pathname.startsWith("/static/") && e.transferSize > 0)
          .map((e) => e.name)"""
    )
    assert fetched == []


def test_every_page_first_load_fits_the_budget(make_context, live_server, app, alice):
    """Every signed-in page (with data) loaded with an empty HTTP cache: ≤ 50 KB of
    HTML+CSS+JS+sprite on the wire."""
    from .test_layout_browser import page_urls, with_data

    urls = page_urls(app, with_data(app, alice))
    first = make_context(service_workers="block")
    login(first.new_page())
    cold = make_context(service_workers="block", storage_state=first.storage_state())
    page = cold.new_page()
    cdp = cold.new_cdp_session(page)
    heavy, finished = [], []
    page.on("requestfinished", lambda request: finished.append(request))
    for url in urls:
        cdp.send("Network.clearBrowserCache")  # a first visit, every time
        finished.clear()
        page.goto(url, wait_until="networkidle")
        text, report = weigh(finished)
        if text > 50 * 1024:
            heavy.append(f"{url}: {report}")
    assert len(urls) >= 30 and heavy == [], "\n".join(heavy)
