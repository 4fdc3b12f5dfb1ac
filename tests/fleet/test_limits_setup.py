"""Rate-limit set-up without services: the start-up warning, and Redis going away."""

from __future__ import annotations

import logging
import sys

import pytest

from tracker import create_app


@pytest.fixture
def production(monkeypatch, tmp_path):
    for name in ("BACK_RELIEF_DEV", "FLASK_DEBUG", "WEB_CONCURRENCY", "WEB_INSTANCES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "w" * 64)
    monkeypatch.setenv("VAPID_SUBJECT", "mailto:ops@backrelief.example")
    monkeypatch.setenv("APP_URL", "https://backrelief.example")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)


def warnings_at_startup(caplog) -> list[str]:
    caplog.clear()
    logger = logging.getLogger("tracker.extensions")  # "tracker" itself does not propagate
    logger.addHandler(caplog.handler)
    try:
        create_app()
    finally:
        logger.removeHandler(caplog.handler)
    return [r.getMessage() for r in caplog.records if "RATELIMIT_STORAGE_URI" in r.getMessage()]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WEB_CONCURRENCY": "2"}, "2 worker(s) x 1 instance(s)"),
        ({"WEB_INSTANCES": "3"}, "1 worker(s) x 3 instance(s)"),
        ({"WEB_CONCURRENCY": "4", "WEB_INSTANCES": "2"}, "8x looser"),
    ],
)
def test_memory_storage_with_several_processes_warns_naming_the_variable(
    production, monkeypatch, caplog, env, expected
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (message,) = warnings_at_startup(caplog)
    assert "RATELIMIT_STORAGE_URI is memory://" in message and expected in message
    assert "redis://" in message


@pytest.mark.parametrize(
    "env",
    [
        {},  # one process: memory:// is exact
        {"WEB_CONCURRENCY": "1", "WEB_INSTANCES": "1"},
        {"WEB_CONCURRENCY": "4", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"},  # shared
        {"WEB_CONCURRENCY": "4", "BACK_RELIEF_DEV": "1"},  # development: make run
    ],
)
def test_no_warning_when_limits_are_exact_or_in_development(production, monkeypatch, caplog, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert warnings_at_startup(caplog) == []


def test_an_unreachable_redis_degrades_to_per_process_limits_instead_of_failing(
    app_config, monkeypatch, tmp_path, password_hashes
):
    """Port 1 refuses connections: logins keep working, and are still limited."""
    from tests.conftest import AuthActions, CSRFClient, make_user

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 64,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.db'}",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
        }
    )
    app.test_client_class = CSRFClient
    with app.app_context():
        from tracker.extensions import db

        db.create_all()
    make_user(app, "alice", password_hashes)
    auth = AuthActions(app.test_client())
    statuses = [auth.login("alice", "wrong-password").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_redis_storage_without_the_client_stops_start_up_naming_the_extra(production, monkeypatch):
    from tracker.config import ConfigError

    monkeypatch.setitem(sys.modules, "redis", None)  # as if the [redis] extra were missing
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    with pytest.raises(ConfigError, match=r"RATELIMIT_STORAGE_URI.*back-relief\[redis\]"):
        create_app()
