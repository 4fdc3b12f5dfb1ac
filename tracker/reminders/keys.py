"""VAPID key pair: generated into instance/ for development, read from the env in production."""

from __future__ import annotations

import base64
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


def generate_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(generate_pem())
    path.chmod(0o600)
    click.echo(f"Wrote VAPID key to {path}")
    click.echo(f"Public key: {application_server_key(load_vapid())}")
