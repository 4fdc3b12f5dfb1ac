"""The logged-out landing page at /, and what the login page says about the app."""

from __future__ import annotations

import re

EXTERNAL = re.compile(r'(?:src|href|action)="(?:https?:)?//', re.I)


def test_anonymous_visitors_get_the_landing_page_at_home(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for promise in (
        "Log a session in seconds",
        "Reminders",
        "drink water",
        "Trends that show what helps",
        "Your data stays on this server",
        "no trackers",
        "Add to Home Screen",
    ):
        assert promise.lower() in page.lower(), promise
    assert 'href="/register">Sign up</a>' in page and 'href="/login">Log in</a>' in page
    assert 'aria-label="Main"' not in page  # no app navigation for a stranger


def test_the_landing_page_is_self_hosted_light_and_private(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert EXTERNAL.search(page) is None, EXTERNAL.search(page)
    assert len(response.data) < 12 * 1024
    # The same URL is the private dashboard once signed in: the worker must not keep it.
    assert response.headers["X-Signed-Out"] == "1"
    assert (
        "no-store" in response.headers["Cache-Control"]
        or "no-cache" in response.headers["Cache-Control"]
    )


def test_signed_in_home_is_still_the_dashboard(alice_client):
    page = alice_client.get("/").get_data(as_text=True)
    assert "Sign up" not in page and 'aria-label="Main"' in page


def test_only_home_is_replaced_and_other_pages_still_ask_to_log_in(client):
    response = client.get("/trends")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert client.post("/").status_code in (302, 400, 405)


def test_the_login_page_says_what_the_app_is(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Back Relief keeps your massage routine" in page
