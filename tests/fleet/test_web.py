"""Two gunicorn instances behind no balancer: limits and caches must hold fleet-wide."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from tests.conftest import PASSWORDS

LOGIN_LIMIT = 5  # per account per 15 minutes (tracker/accounts/views.py)


class Browser:
    """One cookie jar for both instances: cookies ignore ports, as a browser's would for one
    host name behind a load balancer. Returns (status, body) and never raises on 4xx/5xx."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self, base: str) -> str:
        status, body = self.request(base + "/login")
        assert status == 200, body
        return re.search(r'<meta name="csrf-token" content="([^"]+)"', body)[1]

    def login(self, base: str, email: str, password: str) -> int:
        form = {"email": email, "password": password, "csrf_token": self.csrf(base)}
        return self.request(base + "/login", urllib.parse.urlencode(form).encode())[0]


def test_failed_logins_alternating_between_instances_stop_at_the_limit(web_pair, alice):
    browser = Browser()
    statuses = [
        browser.login(web_pair[i % 2], "alice@example.com", "wrong-password")
        for i in range(LOGIN_LIMIT + 3)
    ]
    # Per-process counting (memory://, 2 instances x 2 workers) would allow up to 4x the limit.
    assert statuses == [200] * LOGIN_LIMIT + [429] * 3
    # The right password is refused too, on either instance, until the window passes.
    assert browser.login(web_pair[0], "alice@example.com", PASSWORDS["alice"]) == 429
    assert browser.login(web_pair[1], "alice@example.com", PASSWORDS["alice"]) == 429


def test_a_change_through_one_instance_shows_at_once_on_the_other(web_pair, alice):
    a, b = web_pair
    browser = Browser()
    assert browser.login(a, "alice@example.com", PASSWORDS["alice"]) == 200
    # Several requests, so each of B's workers renders and caches the page (60 s).
    for _ in range(6):
        status, before = browser.request(b + "/")
        assert status == 200 and "Get started" in before and "Last session" not in before

    occurred = (datetime.now(UTC) - timedelta(hours=3)).isoformat(timespec="seconds")
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "occurred_at": occurred,
            "kind": "self",
            "duration_minutes": 20,
            "pain_before": 6,
            "pain_after": 3,
            "mood": 4,
        }
    )
    status, _ = browser.request(
        a + "/api/v1/sessions",
        body.encode(),
        {"Content-Type": "application/json", "X-CSRFToken": browser.csrf(a)},
    )
    assert status == 201

    for _ in range(6):  # whichever worker answers
        status, after = browser.request(b + "/")
        assert status == 200 and "Last session" in after and "Get started" not in after
