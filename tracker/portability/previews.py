"""Uploaded files waiting for the user's confirmation, kept server-side for a short time.

A preview is a file under instance/imports/ named by a random token. The token travels in
the confirm form's body (never the URL) and only opens the preview for the user who made it.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app

from .. import timeutil

LIFETIME = timedelta(minutes=30)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _purge(folder: Path) -> None:
    now = timeutil.now().timestamp()
    for meta in folder.glob("*.json"):
        try:
            expired = json.loads(meta.read_text())["expires"] < now
        except (OSError, ValueError, KeyError):
            expired = True
        if expired:
            meta.with_suffix(".bin").unlink(missing_ok=True)
            meta.unlink(missing_ok=True)


def save(user_id: int, raw: bytes, fmt: str, filename: str) -> str:
    folder = _folder()
    _purge(folder)
    token = secrets.token_urlsafe(32)
    (folder / f"{token}.bin").write_bytes(raw)
    meta = {
        "user_id": user_id,
        "format": fmt,
        "filename": filename,
        "expires": (timeutil.now() + LIFETIME).timestamp(),
    }
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return token


def load(token: str, user_id: int) -> tuple[bytes, dict] | None:
    """The preview's bytes and metadata, or None when missing, expired or someone else's."""
    if not TOKEN.match(token or ""):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        raw = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id or meta.get("expires", 0) < timeutil.now().timestamp():
        return None
    return raw, meta


def set_options(token: str, user_id: int, options: dict) -> None:
    """Remember the choices the preview was made with, so confirm saves exactly that."""
    found = load(token, user_id)
    if found is not None:
        meta = {**found[1], "options": options}
        (_folder() / f"{token}.json").write_text(json.dumps(meta))


def discard(token: str) -> None:
    if TOKEN.match(token or ""):
        folder = _folder()
        (folder / f"{token}.bin").unlink(missing_ok=True)
        (folder / f"{token}.json").unlink(missing_ok=True)
