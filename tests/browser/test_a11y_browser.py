"""Accessibility (axe-core) on every main page, logged out and in, light and dark; page weight."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import login

PUBLIC = ["accounts.login", "accounts.register", "pwa.offline"]
PRIVATE = [
    "trends.dashboard",
    "logbook.new_session",
    "logbook.history",
    "routines.index",
    "trends.trends",
    "accounts.settings",
    "reminders.index",
    "pwa.outbox",
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


def test_logged_in_pages_have_no_serious_accessibility_problems(page, app, alice):
    login(page)
    found = []
    for url in urls(app, PRIVATE):
        page.goto(url)
        found += problems(page)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("budget_kb,max_requests", [(50, 10)])
def test_the_dashboard_first_load_is_light(
    make_context, live_server, alice, budget_kb, max_requests
):
    # Log in once, then load the dashboard in a fresh context: empty HTTP cache, no worker.
    first = make_context(service_workers="block")
    login(first.new_page())
    cold = make_context(service_workers="block", storage_state=first.storage_state())
    page = cold.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto("/", wait_until="networkidle")
    assert urlparse(page.url).path == "/"
    weights = {}
    for request in finished:
        sizes = request.sizes()
        weights[request.url] = (
            request.resource_type,
            sizes["responseBodySize"] + sizes["responseHeadersSize"],
        )
    text = sum(
        size for kind, size in weights.values() if kind in ("document", "stylesheet", "script")
    )
    report = "\n".join(f"{kind:10} {size:7} {url}" for url, (kind, size) in weights.items())
    print(f"{text} bytes of HTML+CSS+JS\n{report}")
    assert text <= budget_kb * 1024, f"{text} bytes of HTML+CSS+JS\n{report}"
    assert len(finished) <= max_requests, report
    assert all(url.startswith(live_server.url) for url in weights)
