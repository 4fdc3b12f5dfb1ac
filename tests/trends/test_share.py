"""The therapist summary's contents and its read-only share link."""

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.conftest import AuthActions
from tracker.extensions import db
from tracker.models import ShareLink, User
from tracker.trends.report import initials

from .helpers import add_routine, add_session, noon

TODAY = date(2025, 6, 11)  # alice is in Europe/Berlin
FROZEN = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)


@pytest.fixture
def traveller():
    with time_machine.travel(FROZEN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def as_alice(app, alice, traveller):
    client = app.test_client()
    AuthActions(client).login("alice")
    return client


def seed(app, user_id: int) -> None:
    """Four rated sessions (two styles, two pressures), one unrated, and a checklist."""
    with app.app_context():
        user = db.session.get(User, user_id)
        user.safety_conditions = ["pregnancy", "arthritis"]
        add_routine(user_id, date(2025, 3, 3), 2, "weeks", name="Fortnightly deep tissue")
        plan = [
            (1, 8, 2, "deep_tissue", "firm", "#therapist left shoulder still tight\nsecret diary"),
            (3, 6, 4, "deep_tissue", "medium", ""),
            (5, 7, 6, "swedish", "medium", ""),
            (7, 5, 4, "swedish", "light", ""),
        ]
        for ago, before, after, style, pressure, notes in plan:
            add_session(
                user_id,
                noon(TODAY - timedelta(days=ago)),
                before,
                after,
                style=style,
                pressure=pressure,
                notes=notes,
                therapist_name="Dana",
            )
        add_session(user_id, noon(TODAY - timedelta(days=2)), None, None)  # quick "Done"
        db.session.commit()


def create(client, **form) -> str:
    """Make a link from the summary page's button; returns its full URL."""
    response = client.post("/trends/summary/share", data=form)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    [url] = re.findall(r'id="share-url" type="text" readonly value="([^"]+)"', html)
    assert 'data-copy="share-url"' in html
    return url


def path_of(url: str) -> str:
    return url.removeprefix("http://localhost")


def test_initials_come_from_the_email_local_part():
    assert initials("anna.maria.berg@example.com") == "A. M."
    assert initials("bob@example.com") == "B."
    assert initials("j_doe42@example.com") == "J. D."
    assert initials("1234@example.com") == ""


def test_the_summary_has_the_header_safety_routines_averages_and_chart(app, alice, as_alice):
    seed(app, alice.id)
    html = as_alice.get("/trends/summary").get_data(as_text=True)
    assert "For <strong>A.</strong>" in html
    assert "20 Mar 2025 to 11 Jun 2025" in html  # 84 days, today included
    assert "Pregnancy" in html and "Arthritis" in html
    assert "Fortnightly deep tissue" in html and "(every 2 weeks)" in html
    # Rated sessions: before 8, 6, 7, 5 (mean 6.5); after 2, 4, 6, 4 (mean 4); relief 2.5.
    assert "Pain <strong>6.5</strong> before and <strong>4</strong> after" in html
    assert "2.5 points lower on average, over 4 rated sessions" in html
    rows = re.findall(
        r"<tr><th scope=\"row\">([^<]+)</th><td>(\d+)</td>.*?<td>([-\d.]+)</td></tr>", html
    )
    # Deep tissue: (8-2 + 6-4) / 2 = 4; Swedish: (1 + 1) / 2 = 1; firm 6, medium (2+1)/2, light 1.
    assert rows == [
        ("Deep tissue", "2", "4"),
        ("Swedish", "2", "1"),
        ("Medium", "2", "1.5"),
        ("Firm", "1", "6"),
        ("Light", "1", "1"),
    ]
    assert "Pain before and after each session" in html  # the chart's title
    assert "left shoulder still tight" in html and "secret diary" not in html
    assert html.count('class="summary-item"') == 5
    hidden = as_alice.get("/trends/summary?anon=1").get_data(as_text=True)
    assert "For <strong>" not in hidden


def test_the_link_shows_the_summary_read_only_until_it_expires(app, alice, as_alice, traveller):
    seed(app, alice.id)
    url = create(as_alice, range="12w", n="3", anon="1")
    assert re.fullmatch(r"http://localhost/share/[A-Za-z0-9_-]{43}", url)
    raw = url.rsplit("/", 1)[1]
    with app.app_context():
        [link] = db.session.scalars(db.select(ShareLink)).all()
        assert link.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert (link.range_key, link.sessions, link.show_initials) == ("12w", 3, False)
        assert link.expires_at == FROZEN + timedelta(days=7)
    stranger = app.test_client()
    response = stranger.get(path_of(url))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    html = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "Pregnancy" in html and "Pain <strong>6.5</strong> before" in html
    assert html.count('class="summary-item"') == 3 and "For <strong>" not in html
    # No app chrome, no scripts, no way into the account.
    for absent in ("alice@example.com", "<script", "<form", "Log out", "/settings", "/sessions"):
        assert absent not in html
    traveller.move_to(FROZEN + timedelta(days=7) - timedelta(seconds=1))
    assert stranger.get(path_of(url)).status_code == 200
    traveller.move_to(FROZEN + timedelta(days=7))
    assert stranger.get(path_of(url)).status_code == 404
    settings = as_alice.get("/settings/share-links").get_data(as_text=True)
    assert "expired" in settings and "Remove" in settings


def test_a_revoked_link_is_dead_and_bob_cannot_revoke_alices(app, alice, bob, as_alice):
    url = create(as_alice)
    with app.app_context():
        link_id = db.session.scalar(db.select(ShareLink.id))
    settings = as_alice.get("/settings/share-links").get_data(as_text=True)
    assert "Summary of the last 12 weeks" in settings and "works until" in settings
    as_bob = app.test_client()
    AuthActions(as_bob).login("bob")
    assert as_bob.post(f"/settings/share-links/{link_id}/revoke").status_code == 404
    assert app.test_client().get(path_of(url)).status_code == 200
    response = as_alice.post(f"/settings/share-links/{link_id}/revoke")
    assert response.status_code == 302 and response.location == "/settings/share-links"
    assert app.test_client().get(path_of(url)).status_code == 404
    assert "No share links." in as_alice.get(response.location).get_data(as_text=True)


def test_the_token_opens_nothing_else(app, alice, as_alice):
    seed(app, alice.id)
    url = create(as_alice)
    raw = url.rsplit("/", 1)[1]
    stranger = app.test_client()
    auth = {"Authorization": f"Bearer {raw}"}
    opened = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("trends.shared_summary", "static"):
            continue
        # Every argument gets the share token: ids that are not numbers never match a route.
        values = {name: raw for name in rule.arguments}
        try:
            path = rule.build(values, append_unknown=False)[1]
        except Exception:  # an int converter refuses the token: nothing to try there
            continue
        for query in ("", f"?token={raw}"):
            response = stranger.get(path + query, headers=auth)
            body = response.get_data(as_text=True)
            if "left shoulder" in body or "Pregnancy" in body or "alice@example.com" in body:
                opened.append(f"{path}{query} -> {response.status_code}")
    assert opened == []
    assert stranger.get("/sessions", headers=auth).status_code == 302
    assert stranger.get("/api/v1/sessions", headers=auth).status_code == 401
    assert stranger.get(f"/share/{raw}x").status_code == 404
    assert stranger.get(f"/share/{raw[:-1]}").status_code == 404


def test_the_share_page_ignores_who_is_signed_in(app, alice, bob, as_alice):
    seed(app, alice.id)
    url = create(as_alice)
    as_bob = app.test_client()
    AuthActions(as_bob).login("bob")
    html = as_bob.get(path_of(url)).get_data(as_text=True)
    assert "Pregnancy" in html and "bob@example.com" not in html and "Log out" not in html
    # Dates are alice's (Berlin), not bob's (New York): a session at 23:30 UTC is the next day.
    with app.app_context():
        add_session(alice.id, datetime(2025, 6, 9, 23, 30, tzinfo=UTC), 4, 2)
        db.session.commit()
    html = as_bob.get(path_of(url)).get_data(as_text=True)
    assert "Tue 10 Jun 2025" in html


def test_a_deleted_accounts_link_is_dead(app, alice, as_alice):
    url = create(as_alice)
    response = as_alice.post("/settings/delete", data={"password": "alice-password-1"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ShareLink.id))) == 0
    assert app.test_client().get(path_of(url)).status_code == 404


def test_links_per_account_are_capped(app, alice, as_alice):
    for _ in range(10):
        create(as_alice)
    response = as_alice.post("/trends/summary/share", data={})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ShareLink.id))) == 10
