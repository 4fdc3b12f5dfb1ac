"""Changing the email: the password, then a link mailed to the new address; the old one is told."""

from __future__ import annotations

import time_machine
from sqlalchemy import create_engine, text

from tracker.extensions import db
from tracker.models import User

from ..conftest import PASSWORDS, AuthActions
from .mailbox import path_of

NEW = "alice.new@example.com"


def ask(client, email=NEW, password=PASSWORDS["alice"]):
    return client.post("/settings/email", data={"email": email, "password": password})


def email_of(app, user_id) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def test_the_new_address_confirms_and_the_old_one_is_told(app, alice, alice_client, mailbox):
    phone = app.test_client()
    AuthActions(phone).login("alice")

    asked = ask(alice_client, "Alice.New@Example.com")
    assert asked.status_code == 302
    assert email_of(app, alice.id) == "alice@example.com"  # nothing changes yet
    [confirm] = mailbox.to(NEW)
    assert confirm["Subject"] == "Confirm your new email for Back Relief"
    link = mailbox.last_link(NEW)

    page = alice_client.get(path_of(link))  # a mail scanner's GET confirms nothing
    assert page.status_code == 200 and NEW.encode() in page.data
    assert email_of(app, alice.id) == "alice@example.com"

    done = alice_client.post(path_of(link))
    assert done.status_code == 302 and done.location == "/settings/account"
    assert email_of(app, alice.id) == NEW
    [notice] = mailbox.to("alice@example.com")
    assert notice["Subject"] == "Your Back Relief email was changed"
    assert NEW in notice.get_content()
    assert alice_client.get("/settings").status_code == 200  # this browser stays
    assert phone.get("/settings").status_code == 302  # the other sign-in ended

    assert alice_client.post(path_of(link)).status_code == 404  # used once
    assert AuthActions(app.test_client()).login("alice").status_code == 200  # old address
    again = app.test_client().post("/login", data={"email": NEW, "password": PASSWORDS["alice"]})
    assert again.status_code == 302


def test_opened_on_a_device_not_signed_in_it_ends_every_sign_in(
    app, client, alice, alice_client, mailbox
):
    ask(alice_client)
    done = client.post(path_of(mailbox.last_link(NEW)))
    assert done.status_code == 302 and done.location == "/login"
    assert email_of(app, alice.id) == NEW
    assert alice_client.get("/settings").status_code == 302


def test_bob_signed_in_cannot_take_alices_link_for_himself(
    app, alice, bob, alice_client, bob_client, mailbox
):
    """The link changes the account it was made for, whoever opens it."""
    ask(alice_client)
    link = mailbox.last_link(NEW)
    bob_client.post(path_of(link))
    assert email_of(app, bob.id) == "bob@example.com"
    assert email_of(app, alice.id) == NEW
    assert bob_client.get("/settings").status_code == 200


def test_it_needs_the_password_and_a_free_address(app, alice, bob, alice_client, mailbox):
    wrong = ask(alice_client, password="not-my-password")
    assert b"not correct" in wrong.data
    taken = ask(alice_client, "BOB@example.com")
    assert b"already exists" in taken.data
    same = ask(alice_client, "alice@example.com")
    assert b"already your email" in same.data
    assert mailbox.mails == []


def test_an_address_taken_before_the_click_gets_a_message(
    app, client, alice, alice_client, mailbox
):
    ask(alice_client)
    link = mailbox.last_link(NEW)
    client.post("/register", data={"email": NEW, "password": "long-enough", "timezone": "UTC"})
    page = alice_client.post(path_of(link))
    assert page.status_code == 200 and b"taken this address" in page.data
    assert email_of(app, alice.id) == "alice@example.com"


def test_the_link_expires_and_dies_with_a_password_change(app, alice, mailbox):
    with time_machine.travel("2026-11-30 10:00Z", tick=False) as traveller:
        alice_client = app.test_client()
        AuthActions(alice_client).login("alice")  # under the travelled clock
        ask(alice_client)
        late = mailbox.last_link(NEW)
        traveller.shift(61 * 60)
        assert alice_client.post(path_of(late)).status_code == 404
        ask(alice_client)
        link = mailbox.last_link(NEW)
        alice_client.post(
            "/settings/password",
            data={
                "current": PASSWORDS["alice"],
                "new": "other-password",
                "confirm": "other-password",
            },
        )
        assert alice_client.get(path_of(link)).status_code == 404
    assert email_of(app, alice.id) == "alice@example.com"


def test_a_mail_server_that_is_down_does_not_break_the_page(app, alice, alice_client, mail_down):
    asked = ask(alice_client)
    assert asked.status_code == 302
    assert email_of(app, alice.id) == "alice@example.com"


def test_the_mail_goes_out_after_the_commit(app, alice, alice_client, mailbox):
    """While the SMTP server holds the notice, another connection already sees the change:
    no transaction was left open waiting on the mail server."""
    ask(alice_client)
    link = mailbox.last_link(NEW)
    seen = []
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    def look(mail):
        with engine.connect() as other:
            query = text('SELECT email FROM "user" WHERE id = :id')
            seen.append(other.execute(query, {"id": alice.id}).scalar_one())

    mailbox.on_mail = look
    try:
        assert alice_client.post(path_of(link)).status_code == 302
    finally:
        engine.dispose()
    assert seen == [NEW]
