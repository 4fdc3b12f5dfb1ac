"""`flask --app tracker users reset-link EMAIL`: a way back in for servers without mail."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..models import User
from . import links

users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("reset-link")
@click.argument("email")
def reset_link(email: str) -> None:
    """Print a password-reset link for EMAIL: one use, for an hour. Give it only to its owner."""
    user = User.by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email {email}.")
    with current_app.test_request_context():  # url_for needs a request; APP_URL is the host
        url = links.external_url("accounts.reset_password", token=links.reset_token(user))
    click.echo(url)
    click.echo(
        f"The link works once, for {int(links.LINK_MAX_AGE.total_seconds()) // 60} minutes, "
        "and signs the account out everywhere.",
        err=True,
    )
