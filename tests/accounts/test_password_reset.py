"""Password reset by mail, through a real SMTP server (tests/accounts/mailbox.py)."""

from __future__ import annotations

import logging
import re

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import SignIn, User

from ..conftest import PASSWORDS, AuthActions
from .conftest import APP_URL
from .mailbox import LINK, path_of

NEW = "a-brand-new-password"


def ask_for_link(client, email="alice@example.com"):
    return client.post("/forgot", data={"email": email})


def reset(client, link, password=NEW):
    return client.post(path_of(link), data={"new": password, "confirm": password})


def live_signins(app, user_id) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count(SignIn.id)).where(
                SignIn.user_id == user_id, SignIn.ended_at.is_(None)
            )
        )


def test_the_login_page_offers_a_way_back_in(client):
    assert b'href="/forgot"' in client.get("/login").data


def test_the_mailed_link_resets_the_password_once_and_signs_out_everywhere(
    app, client, alice, alice_client, mailbox
):
    phone = app.test_client()
    AuthActions(phone).login("alice")
    assert live_signins(app, alice.id) == 2

    answer = ask_for_link(client, "Alice@Example.com")
    assert answer.status_code == 200 and b"If an account uses" in answer.data
    [mail] = mailbox.to("alice@example.com")
    assert mail["Subject"] == "Reset your Back Relief password"
    link = mailbox.last_link("alice@example.com")
    assert link.startswith(APP_URL + "/reset/")

    form = client.get(path_of(link))  # following it changes nothing yet
    assert form.status_code == 200 and b"Choose a new password" in form.data
    mismatch = client.post(path_of(link), data={"new": NEW, "confirm": "something-else"})
    assert mismatch.status_code == 200 and b"do not match" in mismatch.data

    done = reset(client, link)
    assert done.status_code == 302 and done.location == "/login"
    assert live_signins(app, alice.id) == 0
    for device in (alice_client, phone):
        assert device.get("/settings").status_code == 302  # signed out
    assert AuthActions(app.test_client()).login("alice").status_code == 200  # old password
    assert AuthActions(app.test_client()).login("alice", NEW).status_code == 302

    # Used once, the link is dead: the password it was bound to is gone.
    again = client.get(path_of(link))
    assert again.status_code == 404 and b"no longer works" in again.data
    assert reset(client, link, "yet-another-password").status_code == 404
    with app.app_context():
        assert db.session.get(User, alice.id).check_password(NEW)


def test_the_link_expires_after_an_hour(app, client, alice, mailbox):
    with time_machine.travel("2026-11-30 10:00Z", tick=False) as traveller:
        ask_for_link(client)
        link = mailbox.last_link("alice@example.com")
        traveller.shift(59 * 60)
        assert client.get(path_of(link)).status_code == 200
        traveller.shift(2 * 60)
        assert client.get(path_of(link)).status_code == 404
        assert reset(client, link).status_code == 404
    with app.app_context():
        assert db.session.get(User, alice.id).check_password(PASSWORDS["alice"])


def test_a_password_change_kills_an_unused_link(app, client, alice, alice_client, mailbox):
    ask_for_link(client)
    link = mailbox.last_link("alice@example.com")
    changed = alice_client.post(
        "/settings/password",
        data={
            "current": PASSWORDS["alice"],
            "new": "changed-in-settings",
            "confirm": "changed-in-settings",
        },
    )
    assert changed.status_code == 302
    assert client.get(path_of(link)).status_code == 404


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(app, alice, mailbox):
    def answer(email: str) -> str:
        page = ask_for_link(app.test_client(), email).get_data(as_text=True)
        return re.sub(r'(name="csrf-token" content|value)="[^"]*"', "", page).replace(email, "E")

    assert answer("alice@example.com") == answer("nobody@example.com")
    assert [rcpts for rcpts, _ in mailbox.mails] == [["alice@example.com"]]


def test_links_use_app_url_not_the_host_header(app, client, alice, mailbox):
    """A forged Host header must not make the mail point at the attacker's site."""
    evil = "http://evil.example"
    page = client.get("/forgot", base_url=evil).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    data = {"email": "alice@example.com", "csrf_token": token}
    assert client.post("/forgot", data=data, base_url=evil, csrf=False).status_code == 200
    assert mailbox.last_link("alice@example.com").startswith(APP_URL + "/reset/")


def test_bad_email_gets_a_form_message(client, mailbox):
    page = client.post("/forgot", data={"email": "not-an-address"})
    assert page.status_code == 200 and b"Enter a valid email address" in page.data
    assert mailbox.mails == []


def test_requests_are_limited_per_address(client, alice, mailbox):
    for _ in range(3):
        assert ask_for_link(client).status_code == 200
    limited = ask_for_link(client)
    assert limited.status_code == 429 and b"Try again in" in limited.data
    assert len(mailbox.to("alice@example.com")) == 3
    assert ask_for_link(client, "bob@example.com").status_code == 200  # another address


@pytest.mark.parametrize(
    "token",
    ["x", "a" * 5000, "eyJ1IjoxfQ.AAAAAA.BBBBBBBB", "not.a.token", "%E2%98%83"],
)
def test_bad_tokens_are_a_404_page(client, alice, token):
    assert client.get(f"/reset/{token}").status_code == 404
    assert client.post(f"/reset/{token}", data={"new": NEW, "confirm": NEW}).status_code == 404


def test_a_token_for_bob_cannot_be_turned_against_alice(app, client, alice, bob, mailbox):
    """The token names the account inside a signed payload: editing it breaks the signature,
    and a token signed with another key or for another purpose is refused."""
    from itsdangerous import URLSafeTimedSerializer

    ask_for_link(client, "bob@example.com")
    token = path_of(mailbox.last_link("bob@example.com")).rsplit("/", 1)[1]
    with app.app_context():
        for key, salt in (
            ("another-key", "password-reset-v1"),
            (app.secret_key, "email-change-v1"),
        ):
            forged = URLSafeTimedSerializer(key, salt=salt).dumps({"u": alice.id, "p": "x"})
            assert client.get(f"/reset/{forged}").status_code == 404
    _, rest = token.split(".", 1)
    spliced = URLSafeTimedSerializer("k").dumps({"u": alice.id}).split(".", 1)[0] + "." + rest
    assert client.post(f"/reset/{spliced}", data={"new": NEW, "confirm": NEW}).status_code == 404
    with app.app_context():
        assert db.session.get(User, alice.id).check_password(PASSWORDS["alice"])
        assert db.session.get(User, bob.id).check_password(PASSWORDS["bob"])


def test_a_mail_server_that_is_down_does_not_break_the_page(mail_down, client, alice, caplog):
    with caplog.at_level(logging.ERROR):
        down = ask_for_link(client)
    assert down.status_code == 200 and b"If an account uses" in down.data
    assert "Could not send the mail" in caplog.text


def test_without_a_mail_server_the_mail_is_logged(app, client, alice, caplog):
    with caplog.at_level(logging.INFO):
        ask_for_link(client)
    [link] = [found for found in LINK.findall(caplog.text) if "/reset/" in found]
    assert reset(client, link).status_code == 302


def test_the_cli_prints_a_one_time_link(app, runner, client, alice):
    result = runner.invoke(args=["users", "reset-link", "ALICE@example.com"])
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith(APP_URL + "/reset/")
    assert reset(client, link).status_code == 302
    assert reset(client, link).status_code == 404
    unknown = runner.invoke(args=["users", "reset-link", "nobody@example.com"])
    assert unknown.exit_code == 1 and "No account" in unknown.output
