"""Browser fixtures: the app on a loopback port, driven by Playwright in Debian's Chromium.

Chromium must be installed (`make test` installs it); a missing browser fails the run
rather than skipping, so CI can never pass without the browser tests.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from ..conftest import PASSWORDS

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def playwright_instance():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Install it with: sudo apt-get install -y chromium",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def make_context(browser, live_server):
    """Open more browser contexts (phone-sized, touch); any request to another host fails the test."""
    opened: list = []
    foreign: list[str] = []

    def watch(request):
        if not request.url.startswith((live_server.url, "data:", "blob:", "chrome-extension:")):
            foreign.append(request.url)

    def make(**options):
        settings = {
            "base_url": live_server.url,
            "viewport": {"width": 390, "height": 844},
            "has_touch": True,
            "is_mobile": True,
            "service_workers": "allow",
            **options,
        }
        ctx = browser.new_context(**settings)
        ctx.on("request", watch)
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()
    assert foreign == [], f"requests to other hosts: {foreign}"


@pytest.fixture
def context(make_context):
    """A phone-sized, touch-enabled browser context; every request to another host fails the test."""
    return make_context()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page


def login(page, name: str = "alice") -> None:
    """Log in through the real form, as a person would."""
    page.goto("/login")
    page.fill("#email", f"{name}@example.com")
    page.fill("#password", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def eventually(page, script: str, arg=None, timeout: float = 10.0):
    """Poll a page function until it returns something truthy. Use it instead of
    wait_for_function, which does not await promises and, while polling, evaluates its
    predicate with eval(), which the app's CSP (no unsafe-eval) rightly refuses.
    The poll interval is short; the condition, not time, ends it."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        page.wait_for_timeout(50)
