"""Accounts tests that send mail get a real SMTP server on loopback (tests/accounts/mailbox)."""

from __future__ import annotations

import pytest

from .mailbox import Mailbox, SMTPServer, free_port

APP_URL = "https://backrelief.test"


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def mailbox(smtp) -> Mailbox:
    return smtp.mailbox


@pytest.fixture
def mail_down() -> int:
    """A port nothing listens on: the mail server is down."""
    return free_port()


@pytest.fixture
def app_config(request) -> dict:
    """Mail goes to the test's SMTP server when the test asks for the mailbox (or to a dead
    port for mail_down); otherwise it is only logged, as with `make run`."""
    config = {"APP_URL": APP_URL}
    if "mailbox" in request.fixturenames:
        smtp = request.getfixturevalue("smtp")
        config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    elif "mail_down" in request.fixturenames:
        config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=request.getfixturevalue("mail_down"))
    return config
