"""VAPID key pair: generated into instance/ for development, read from the env in production."""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, current_app
from flask.cli import AppGroup
from py_vapid import Vapid02

KEY_FILE = "vapid_private.pem"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def key_path(app: Flask) -> Path:
    return Path(app.instance_path) / KEY_FILE


def load_vapid(app: Flask | None = None) -> Vapid02:
    """The signing key: VAPID_PRIVATE_KEY (PEM or raw base64url) wins over instance/."""
    app = app or current_app
    configured = app.config.get("VAPID_PRIVATE_KEY")
    if configured:
        if "BEGIN" in configured:
            return Vapid02.from_pem(configured.encode())
        return Vapid02.from_string(configured)
    path = key_path(app)
    if not path.exists():
        raise RuntimeError(
            "No VAPID key: set VAPID_PRIVATE_KEY or run `flask --app tracker push init-keys`."
        )
    return Vapid02.from_file(str(path))


def application_server_key(vapid: Vapid02) -> str:
    """The public key as browsers want it: uncompressed P-256 point, base64url."""
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


def current_public_key() -> str | None:
    """The key browsers subscribe with now, or None when push is not configured."""
    try:
        return application_server_key(load_vapid())
    except RuntimeError:
        return None


def generate_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_private(path: Path, data: bytes, *, replace: bool) -> None:
    """Write a secret file that is 0600 from its first byte, in a 0700 folder: a private
    temporary file (mkstemp), then renamed into place, or linked (which refuses to overwrite a
    key another process wrote meanwhile) unless replacing. Never readable half-written."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


push_cli = AppGroup("push", help="Web Push keys.")


@push_cli.command("init-keys")
@click.option(
    "--force", is_flag=True, help="Replace an existing key (existing subscriptions stop working)."
)
def init_keys(force: bool) -> None:
    """Create a VAPID key pair in instance/ unless one exists."""
    path = key_path(current_app)
    if path.exists() and not force:
        click.echo(f"VAPID key already present at {path}")
        return
    write_private(path, generate_pem(), replace=force)
    click.echo(f"Wrote VAPID key to {path}")
    click.echo(f"Public key: {application_server_key(load_vapid())}")


@push_cli.command("rotate-keys")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def rotate_keys(yes: bool) -> None:
    """Replace the VAPID key. Every device must then subscribe again: each does so the next
    time the app is opened on it (static/js/sw-register.js); until then it gets nothing,
    and Settings > Devices says so."""
    from ..extensions import db
    from ..models import PushSubscription

    old = application_server_key(load_vapid())
    if not yes:
        click.confirm(
            "Every device must open the app once to get reminders again. Rotate?", abort=True
        )
    # Rows from before keys were recorded were made with the key being replaced.
    stamped = db.session.execute(
        db.update(PushSubscription).where(PushSubscription.vapid_key == "").values(vapid_key=old)
    ).rowcount
    db.session.commit()
    pem = generate_pem()
    if current_app.config.get("VAPID_PRIVATE_KEY"):
        # Production reads the key from the environment, which a command cannot change.
        click.echo("Set VAPID_PRIVATE_KEY to this new key in the web and clock processes:")
        click.echo(pem.decode())
    else:
        path = key_path(current_app)
        path.write_bytes(pem)
        path.chmod(0o600)
        click.echo(f"Wrote the new VAPID key to {path}; restart the web and clock processes.")
    click.echo(f"Old public key: {old} ({stamped} older subscriptions marked with it)")
    click.echo(f"New public key: {application_server_key(Vapid02.from_pem(pem))}")
