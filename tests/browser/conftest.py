"""Browser fixtures: the app on a loopback port, driven by Playwright in Debian's Chromium.

Chromium must be installed (`make test` installs it); a missing browser fails the run
rather than skipping, so CI can never pass without the browser tests.
"""

from __future__ import annotations

import os
import shutil
import threading
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
def context(browser, live_server):
    """A phone-sized, touch-enabled browser context; every request to another host fails the test."""
    ctx = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        service_workers="allow",
    )
    foreign: list[str] = []

    def watch(request):
        if not request.url.startswith((live_server.url, "data:", "blob:", "chrome-extension:")):
            foreign.append(request.url)

    ctx.on("request", watch)
    yield ctx
    ctx.close()
    assert foreign == [], f"requests to other hosts: {foreign}"


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
