"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://\S+")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd's handler: every accepted mail, parsed, with its envelope recipients."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []
        # Called (in the server's thread) while the sender waits for the answer to DATA.
        self.on_mail: Callable[[EmailMessage], None] | None = None

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.content, policy=policy.default)
        if self.on_mail is not None:
            self.on_mail(mail)
        self.mails.append((list(envelope.rcpt_tos), mail))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [mail for rcpts, mail in self.mails if address in rcpts]

    def last_link(self, address: str) -> str:
        """The link in the latest mail to the address, as a person would click it."""
        body = self.to(address)[-1].get_content()
        return LINK.findall(body)[-1]


def path_of(link: str) -> str:
    return urlsplit(link).path


class SMTPServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
