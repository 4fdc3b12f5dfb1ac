"""Outgoing mail: Flask-Mail over SMTP, or the log when MAIL_SERVER is not set.

Views build their messages, commit, then call send_after_commit: a mail never goes out for
a change that rolled back, and no database transaction waits on an SMTP server. A server
that is down or slow is logged and otherwise ignored, so the page that asked for the mail
answers exactly as it would have.
"""

from __future__ import annotations

import smtplib
import ssl

from flask import current_app, render_template
from flask_mail import Connection, Message

from ..extensions import db

SMTP_TIMEOUT = 10  # seconds; Flask-Mail opens its socket with none, so a hung server hangs


class _Connection(Connection):
    """Flask-Mail's connection with a timeout and certificate checks: smtplib's STARTTLS and
    SMTP_SSL accept any certificate unless given a default SSL context."""

    def configure_host(self) -> smtplib.SMTP:
        state, context = self.mail, ssl.create_default_context()
        if state.use_ssl:
            host = smtplib.SMTP_SSL(state.server, state.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            host = smtplib.SMTP(state.server, state.port, timeout=SMTP_TIMEOUT)
            if state.use_tls:
                host.starttls(context=context)
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


def compose(to: str, subject: str, template: str, **context) -> Message:
    """A plain-text mail from templates/accounts/mail/<template>.txt."""
    body = render_template(f"accounts/mail/{template}.txt", **context)
    return Message(subject=subject, recipients=[to], body=body)


def send_after_commit(*messages: Message) -> int:
    """Commit, then send each message; returns how many went out (or were logged)."""
    db.session.commit()
    sent = 0
    for message in messages:
        sent += _deliver(message)
    return sent


def _deliver(message: Message) -> bool:
    app = current_app
    if not app.config.get("MAIL_SERVER"):
        app.logger.info(
            "MAIL_SERVER is not set, so this mail is only logged.\nTo: %s\nSubject: %s\n\n%s",
            ", ".join(message.recipients),
            message.subject,
            message.body,
        )
        return True
    try:
        with _Connection(app.extensions["mail"]) as connection:
            connection.send(message)
    except (OSError, smtplib.SMTPException) as error:  # refused, timed out, rejected
        app.logger.error("Could not send the mail %r: %s", message.subject, error)
        return False
    return True
