"""Shared fixtures: app with a fresh database per test, CSRF-aware client, alice and bob."""

from __future__ import annotations

import hashlib
import os
import secrets

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from tracker import create_app
from tracker.extensions import db
from tracker.models import User

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-22", "charlie": "charlie-pass-333"}


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    """scrypt is deliberately slow, so hash each fixture password once per run."""
    return {name: generate_password_hash(pw) for name, pw in PASSWORDS.items()}


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token like a real page would.

    Pass csrf=False to post without one (to prove the protection works).
    """

    def open(self, *args, csrf: bool = True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            token = self.csrf_token()
            data = kwargs.get("data")
            if isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": token}
            headers = dict(kwargs.get("headers") or {})
            if "Authorization" not in headers:
                headers.setdefault("X-CSRFToken", token)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        app = self.application
        with self.session_transaction() as sess:
            raw = sess.get("csrf_token")
            if raw is None:
                raw = hashlib.sha1(os.urandom(64)).hexdigest()
                sess["csrf_token"] = raw
        return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


_PG_SCHEMA_BUILT: list[bool] = []


def _reset_postgres() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app_config(tmp_path) -> dict:
    """Override in a test module to change settings before the app is built."""
    return {}


@pytest.fixture
def app(tmp_path, app_config, monkeypatch):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.db'}"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-" + secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": url,
        "PUSH_ENDPOINT_ALLOWLIST": ["fcm.googleapis.com", "*.notify.windows.com"],
        # Off by default so each test sees fresh renders; tests/test_pagecache.py turns it on.
        "PAGE_CACHE_SECONDS": 0,
        # One sealing worker whatever the machine, so every dispatch test takes the path
        # production takes on two or more cores (test_sealing.py also runs with none).
        "PUSH_SEAL_PROCESSES": 1,
        **app_config,
    }
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(config)
    app.test_client_class = CSRFClient
    with app.app_context():
        if TEST_DATABASE_URL:
            if not _PG_SCHEMA_BUILT:
                # A database left by an older run may have an older schema: rebuild once.
                db.drop_all()
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
                db.create_all()
                _PG_SCHEMA_BUILT.append(True)
            _reset_postgres()
        else:
            db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if TEST_DATABASE_URL:
            _reset_postgres()
        db.engine.dispose()


@pytest.fixture
def client(app) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(app, name: str, hashes: dict[str, str], timezone: str = "Europe/Berlin") -> User:
    with app.app_context():
        user = User(email=f"{name}@example.com", timezone=timezone, password_hash=hashes[name])
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


@pytest.fixture
def alice(app, password_hashes) -> User:
    return make_user(app, "alice", password_hashes)


@pytest.fixture
def bob(app, password_hashes) -> User:
    return make_user(app, "bob", password_hashes, timezone="America/New_York")


class AuthActions:
    """Logs in through the real login route, like flaskr's `auth` fixture."""

    def __init__(self, client: CSRFClient):
        self.client = client

    def login(self, name: str = "alice", password: str | None = None, **extra):
        return self.client.post(
            "/login",
            data={"email": f"{name}@example.com", "password": password or PASSWORDS[name], **extra},
        )

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def alice_client(app, alice) -> CSRFClient:
    """A client logged in as alice."""
    c = app.test_client()
    AuthActions(c).login("alice")
    return c


@pytest.fixture
def bob_client(app, bob) -> CSRFClient:
    c = app.test_client()
    AuthActions(c).login("bob")
    return c
