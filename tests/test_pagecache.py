"""The dashboard/trends page cache: fast when nothing changed, never stale or shared."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from tracker import pagecache
from tracker.extensions import db
from tracker.models import MassageSession, PushSubscription, User

pytestmark = pytest.mark.parametrize("app_config", [{"PAGE_CACHE_SECONDS": 60}])


@pytest.fixture(autouse=True)
def empty_cache():
    pagecache.clear()
    yield
    pagecache.clear()


def count_queries(app, client, path: str) -> int:
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


@pytest.mark.parametrize("path", ["/", "/trends", "/trends?range=1y"])
def test_an_unchanged_page_is_served_without_recomputing(app, alice_client, path):
    first = count_queries(app, alice_client, path)
    second = count_queries(app, alice_client, path)
    assert second < first


def test_a_logged_session_shows_on_the_next_request(app, alice_client, alice):
    assert b"Get started" in alice_client.get("/").data
    with app.app_context():
        version = db.session.get(User, alice.id).data_version
    response = alice_client.post(
        "/sessions/new",
        data={
            "id": "9b7e3f4e-3d7c-4a39-9a5e-7d1f4d3e2a10",
            "kind": "self",
            "pain_before": "7",
            "pain_after": "2",
            "mood": "4",
            "occurred_at_local": "2026-11-20T18:00",
            "duration_minutes": "20",
            "pressure": "medium",
            "water_glasses": "0",
        },
    )
    assert response.status_code == 302, response.data
    with app.app_context():
        assert db.session.get(User, alice.id).data_version > version
    page = alice_client.get("/").data
    assert b"Get started" not in page
    assert b"7" in page and b"2" in page


def test_bob_never_gets_alices_cached_page(app, alice_client, bob_client, alice, bob):
    with app.app_context():
        db.session.add(
            MassageSession(
                user_id=alice.id,
                client_id="1f0c2b7e-5d0e-4bd6-8f5b-3b2f1a1f0e11",
                occurred_at=datetime(2026, 11, 20, 17, tzinfo=UTC),
                kind="professional",
                therapist_name="Dana Alice-only",
                pain_before=8,
                pain_after=3,
                mood=4,
            )
        )
        db.session.commit()
    assert b"Get started" not in alice_client.get("/").data
    assert b"Get started" in bob_client.get("/").data


def test_a_flash_message_shows_once_and_is_never_cached(alice_client):
    alice_client.get("/")
    with alice_client.session_transaction() as sess:
        sess["_flashes"] = [("success", "Saved offline entry synced.")]
    assert b"Saved offline entry synced." in alice_client.get("/").data
    assert b"Saved offline entry synced." not in alice_client.get("/").data


def page_token(html: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()


def test_each_session_gets_forms_it_can_submit(app, alice):
    """Two sessions of one person (say, phone and laptop) never share a cached page's CSRF
    token, even when a session starts without a CSRF secret (a remember-me cookie)."""
    from tests.conftest import AuthActions

    phone, laptop = app.test_client(), app.test_client()
    for client in (phone, laptop):
        AuthActions(client).login("alice")
        with client.session_transaction() as sess:
            sess.pop("csrf_token", None)
    phone.get("/")
    token = page_token(laptop.get("/").data)
    response = laptop.post("/logout", data={"csrf_token": token}, csrf=False)
    assert response.status_code == 302, "the laptop's own page must let it log out"


def test_turning_on_a_device_clears_the_reminders_off_notice_at_once(app, alice_client, alice):
    assert b"Reminders are off on your devices" in alice_client.get("/").data
    with app.app_context():
        db.session.add(
            PushSubscription(
                user_id=alice.id,
                endpoint="https://fcm.googleapis.com/fcm/send/pagecache-test",
                p256dh="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
                auth="tBHItJI5svbpez7KI4CCXg",
            )
        )
        db.session.commit()
    assert b"Reminders are off on your devices" not in alice_client.get("/").data


def test_the_cache_is_bounded_by_size_not_just_entries(app, alice_client, monkeypatch):
    """Made-up query strings make new entries; the oldest go once the bound is reached."""
    monkeypatch.setattr(pagecache, "MAX_CHARS", 3 * len(alice_client.get("/?n=0").data))
    for n in range(1, 10):
        assert alice_client.get(f"/?n={n}").status_code == 200
    assert pagecache._size[0] <= pagecache.MAX_CHARS
    assert 1 <= len(pagecache._entries) <= 3
    assert pagecache._size[0] == sum(len(html) for _, html in pagecache._entries.values())
