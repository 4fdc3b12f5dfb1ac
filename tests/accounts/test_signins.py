"""Sign-ins: cookies name a live sign-in, never an account id, and end when they should."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event

from tracker.extensions import db
from tracker.models import SignIn, User

from ..conftest import AuthActions

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"


def cookies(client) -> dict[str, str]:
    found = {name: client.get_cookie(name) for name in ("session", "remember_token")}
    return {name: cookie.value for name, cookie in found.items() if cookie is not None}


def with_cookies(app, values: dict[str, str]):
    """A fresh browser holding only these cookies (say, copied off a stolen laptop)."""
    other = app.test_client()
    for key, value in values.items():
        other.set_cookie(key, value)
    return other


def signed_in(client) -> bool:
    return client.get("/settings").status_code == 200


def live_signins(app, user_id: int) -> list[SignIn]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(SignIn).where(SignIn.user_id == user_id, SignIn.ended_at.is_(None))
        ).all()
        db.session.expunge_all()
        return list(rows)


def register(client, email: str):
    data = {"email": email, "password": "long-enough", "timezone": "UTC"}
    return client.post("/register", data=data)


def user_id(app, email: str) -> int:
    with app.app_context():
        return User.by_email(email).id


@pytest.mark.parametrize("new_id", ["next", "same"])
def test_a_deleted_accounts_cookies_never_open_the_next_account(app, new_id):
    """Issue #14: SQLite reused ids and cookies held only the id, so the next person to
    register was opened by the deleted account's cookies. "same" forces the reused id, as an
    old database without AUTOINCREMENT would hand out."""
    first = app.test_client()
    assert register(first, "first@example.com").status_code == 302
    old_id = user_id(app, "first@example.com")
    kept = cookies(first)
    assert {"session", "remember_token"} <= set(kept)
    assert str(old_id) not in (kept["session"].split(".")[0], kept["remember_token"].split("|")[0])
    first.post("/settings/delete", data={"password": "long-enough"})

    if new_id == "next":
        assert register(app.test_client(), "second@example.com").status_code == 302
        assert user_id(app, "second@example.com") > old_id  # never handed out twice
    else:
        with app.app_context():
            db.session.add(User(id=old_id, email="second@example.com", password_hash="x"))
            db.session.commit()
    for name in ("session", "remember_token"):
        thief = with_cookies(app, {name: kept[name]})
        response = thief.get("/settings")
        assert response.status_code == 302, name
        assert b"second@example.com" not in response.data
        assert thief.get("/api/v1/sessions").status_code == 401, name


def test_user_ids_are_never_reused(app):
    client = app.test_client()
    register(client, "a@example.com")
    first = user_id(app, "a@example.com")
    client.post("/settings/delete", data={"password": "long-enough"})
    register(client, "b@example.com")
    assert user_id(app, "b@example.com") == first + 1
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'user'").scalar()
            assert "AUTOINCREMENT" in sql


def test_an_old_cookie_holding_a_bare_user_id_is_refused(client, alice):
    with client.session_transaction() as sess:
        sess["_user_id"] = str(alice.id)
        sess["_fresh"] = True
    assert not signed_in(client)
    with client.session_transaction() as sess:
        assert "_user_id" not in sess  # a dead cookie is dropped, not sent forever


def test_a_copied_cookie_is_refused_after_log_out(app, alice):
    laptop = app.test_client()
    AuthActions(laptop).login("alice", remember="y")
    copies = cookies(laptop)
    assert signed_in(with_cookies(app, copies))  # the copy works while the sign-in lives
    AuthActions(laptop).logout()
    assert not signed_in(laptop)
    for name in ("session", "remember_token"):
        assert not signed_in(with_cookies(app, {name: copies[name]})), name
    assert live_signins(app, alice.id) == []


def test_a_password_change_signs_out_every_other_device(app, alice):
    phone, laptop = app.test_client(), app.test_client()
    AuthActions(phone).login("alice", remember="y")
    AuthActions(laptop).login("alice", remember="y")
    laptop_cookies = cookies(laptop)
    response = phone.post(
        "/settings/password",
        data={"current": "alice-password-1", "new": "brand-new-pw", "confirm": "brand-new-pw"},
    )
    assert response.status_code == 302
    assert "Signed out 1 other device" in phone.get("/settings").get_data(as_text=True)
    assert signed_in(phone)
    assert not signed_in(laptop)
    assert not signed_in(with_cookies(app, {"remember_token": laptop_cookies["remember_token"]}))
    assert len(live_signins(app, alice.id)) == 1


def test_settings_lists_devices_and_signs_out_everywhere_else(app, alice):
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = FIREFOX_ANDROID
    laptop, tablet = app.test_client(), app.test_client()
    for client in (phone, laptop, tablet):
        AuthActions(client).login("alice")
    page = laptop.get("/settings/signins").get_data(as_text=True)
    assert "Signed-in devices" in page and "Firefox on Android" in page
    assert page.count("Sign out<span") == 3 and page.count("this device</span>") == 1
    response = laptop.post("/settings/signins/end-others")
    assert response.status_code == 302 and response.location == "/settings/signins"
    assert "Signed out 2 other devices" in laptop.get(response.location).get_data(as_text=True)
    assert signed_in(laptop) and not signed_in(phone) and not signed_in(tablet)
    assert laptop.get("/settings/signins").get_data(as_text=True).count("Sign out<span") == 1


def test_signing_out_one_device(app, alice):
    phone, laptop = app.test_client(), app.test_client()
    AuthActions(phone).login("alice")
    AuthActions(laptop).login("alice")
    phone_signin = min(s.id for s in live_signins(app, alice.id))  # the phone signed in first
    assert laptop.post(f"/settings/signins/{phone_signin}/end").status_code == 302
    assert not signed_in(phone) and signed_in(laptop)
    assert laptop.post(f"/settings/signins/{phone_signin}/end").status_code == 404  # ended
    mine = live_signins(app, alice.id)[0].id
    response = laptop.post(f"/settings/signins/{mine}/end")  # this device: a log out
    assert response.headers["Location"] == "/login" and not signed_in(laptop)


def test_bob_cannot_see_or_end_alices_sign_ins(app, alice_client, bob_client, alice, bob):
    [alices] = live_signins(app, alice.id)
    assert bob_client.post(f"/settings/signins/{alices.id}/end").status_code == 404
    assert bob_client.post("/settings/signins/end-others").status_code == 302
    assert signed_in(alice_client) and [s.id for s in live_signins(app, alice.id)] == [alices.id]
    page = bob_client.get("/settings/signins").get_data(as_text=True)
    assert page.count("Sign out<span") == 1


def test_signing_out_needs_csrf(app, alice_client, alice):
    [mine] = live_signins(app, alice.id)
    assert alice_client.post(f"/settings/signins/{mine.id}/end", csrf=False).status_code == 400
    assert alice_client.post("/settings/signins/end-others", csrf=False).status_code == 400
    assert alice_client.post("/logout", csrf=False).status_code == 400
    assert signed_in(alice_client)


def count_commits(app):
    """Collects one entry per real commit (savepoint releases fire after_commit too)."""
    commits: list[int] = []

    def listener(session):
        if not session.in_nested_transaction():
            commits.append(1)

    event.listen(db.session, "after_commit", listener)
    return commits, lambda: event.remove(db.session, "after_commit", listener)


def test_last_seen_is_written_at_most_once_a_minute_without_extra_commits(app, alice):
    with time_machine.travel("2026-11-23 09:00Z", tick=False) as clock:
        client = app.test_client()
        AuthActions(client).login("alice")
        commits, stop = count_commits(app)
        try:
            clock.shift(59)
            client.get("/settings")
            assert commits == []  # a read within the minute writes nothing
            clock.shift(2)
            client.get("/settings")
            assert len(commits) == 1  # a read after it: one small commit
            [signin] = live_signins(app, alice.id)
            assert signin.last_seen_at == signin.created_at + timedelta(seconds=61)
            commits.clear()
            clock.shift(120)
            assert client.post("/settings/signins/end-others").status_code == 302
            assert len(commits) == 1  # a write carries the stamp in its own commit
        finally:
            stop()
        [signin] = live_signins(app, alice.id)
        assert signin.last_seen_at == signin.created_at + timedelta(seconds=181)


def test_a_sign_in_unused_for_the_remember_period_is_over(app, alice):
    with time_machine.travel("2026-11-23 09:00Z", tick=False) as clock:
        client = app.test_client()
        AuthActions(client).login("alice", remember="y")
        clock.shift(timedelta(days=89))
        assert signed_in(client)
        clock.shift(timedelta(days=91))
        assert not signed_in(client)
