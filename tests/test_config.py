"""tracker/config.py: every bad value of every variable it reads stops start-up, naming it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tracker import config, create_app
from tracker.config import ConfigError
from tracker.reminders.keys import b64url, generate_pem

ROOT = Path(__file__).resolve().parent.parent


def variables_read_by_config() -> set[str]:
    """Names passed to env_*() in config.py (so a new variable needs a row below)."""
    tree = ast.parse((ROOT / "tracker" / "config.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("env_")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


READ = variables_read_by_config()
PEM = generate_pem().decode()

BAD = [
    ("FLASK_DEBUG", "maybe"),
    ("BACK_RELIEF_DEV", "2"),
    ("SESSION_COOKIE_SECURE", "yes please"),
    ("RATELIMIT_ENABLED", "enabled"),
    ("MAX_CONTENT_LENGTH", "2MB"),
    ("MAX_CONTENT_LENGTH", "1023"),
    ("MAX_CONTENT_LENGTH", "-1"),
    ("PROXY_FIX", "one"),
    ("PROXY_FIX", "-1"),
    ("PROXY_FIX", "1.5"),
    ("PUSH_TIMEOUT_SECONDS", "ten"),
    ("PUSH_TIMEOUT_SECONDS", "0"),
    ("PUSH_WORKERS", "0"),
    ("PUSH_WORKERS", "8 threads"),
    ("REMINDER_DISPATCH_SECONDS", "0"),
    ("REMINDER_DISPATCH_SECONDS", "10s"),
    ("REMINDER_LEASE_SECONDS", "4"),
    ("REMINDER_LEASE_SECONDS", "1m"),
    ("REMINDER_MAX_ATTEMPTS", "0"),
    ("REMINDER_MAX_ATTEMPTS", "six"),
    ("PAGE_CACHE_SECONDS", "-1"),
    ("PAGE_CACHE_SECONDS", "1m"),
    ("DATABASE_URL", "nonsense"),
    ("DATABASE_URL", "foo://x/y"),
    ("DATABASE_URL", "mysql://user:hunter2@db/tracker"),
    ("RATELIMIT_STORAGE_URI", "redis"),
    ("RATELIMIT_STORAGE_URI", "bogus://x"),
    ("RATELIMIT_STORAGE_URI", "async+redis://localhost:6379"),
    ("VAPID_SUBJECT", "admin"),
    ("VAPID_SUBJECT", "you@example.com"),
    ("VAPID_SUBJECT", "mailto:"),
    ("VAPID_SUBJECT", "http://example.com"),
    ("VAPID_PRIVATE_KEY", "not-a-key"),
    ("VAPID_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
    ("PUSH_ENDPOINT_ALLOWLIST", "https://fcm.googleapis.com/fcm/send"),
    ("PUSH_ENDPOINT_ALLOWLIST", "fcm.googleapis.com,http://push.example.com"),
    ("PUSH_ENDPOINT_ALLOWLIST", "*"),
    ("PUSH_ENDPOINT_ALLOWLIST", "fcm googleapis.com"),
]

GOOD = [
    ("FLASK_DEBUG", "0"),
    ("BACK_RELIEF_DEV", "no"),
    ("SESSION_COOKIE_SECURE", "True"),
    ("RATELIMIT_ENABLED", "off"),
    ("MAX_CONTENT_LENGTH", "1024"),
    ("PROXY_FIX", "0"),
    ("PUSH_TIMEOUT_SECONDS", "1"),
    ("PUSH_WORKERS", "32"),
    ("REMINDER_DISPATCH_SECONDS", "1"),
    ("REMINDER_LEASE_SECONDS", "5"),
    ("REMINDER_MAX_ATTEMPTS", "1"),
    ("PAGE_CACHE_SECONDS", "0"),
    ("DATABASE_URL", "sqlite:////tmp/x.db"),
    ("DATABASE_URL", "postgres://u:p@localhost:5432/tracker"),
    ("DATABASE_URL", "postgresql://u:p@localhost/tracker"),
    ("RATELIMIT_STORAGE_URI", "memory://"),
    ("RATELIMIT_STORAGE_URI", "redis://localhost:6379"),
    ("VAPID_SUBJECT", "mailto:ops@backrelief.example"),
    ("VAPID_SUBJECT", "https://backrelief.example/contact"),
    ("VAPID_PRIVATE_KEY", PEM),
    ("PUSH_ENDPOINT_ALLOWLIST", "fcm.googleapis.com, *.notify.windows.com"),
    ("PUSH_ENDPOINT_ALLOWLIST", "https://web.push.apple.com/"),
    ("PUSH_ENDPOINT_ALLOWLIST", "http://127.0.0.1:8765,http://localhost:9000,http://[::1]:1"),
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in READ | {"SECRET_KEY"}:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "config-test-secret")
    monkeypatch.setenv("VAPID_SUBJECT", "mailto:ops@backrelief.app")  # required in production


def test_every_variable_has_a_bad_value_row():
    assert {name for name, _ in BAD} == READ - {"SECRET_KEY"}
    assert {name for name, _ in GOOD} == READ - {"SECRET_KEY"}


@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{n}={v[:30]!r}" for n, v in BAD])
def test_bad_value_fails_naming_the_variable(tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=re.escape(name)) as failure:
        config.load(tmp_path)
    # Secrets in a value never reach the message (and so the logs).
    assert "hunter2" not in str(failure.value)
    assert "AAAA" not in str(failure.value) and "not-a-key" not in str(failure.value)


@pytest.mark.parametrize(("name", "value"), GOOD, ids=[f"{n}={v[:30]!r}" for n, v in GOOD])
def test_good_value_is_accepted(tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    config.load(tmp_path)


def test_bad_value_stops_create_app(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PUSH_WORKERS", "many")
    with pytest.raises(ConfigError, match="PUSH_WORKERS"):
        create_app()


def test_empty_means_default(tmp_path, monkeypatch):
    for name in READ - {"SECRET_KEY", "VAPID_SUBJECT"}:
        monkeypatch.setenv(name, "")
    settings = config.load(tmp_path)
    assert settings["PUSH_WORKERS"] == 8
    assert settings["PUSH_ENDPOINT_ALLOWLIST"] == config.DEFAULT_PUSH_HOSTS
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'back_relief.db'}"


def test_secret_key_is_required_in_production(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config.load(tmp_path)


def test_dev_secret_is_kept_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("BACK_RELIEF_DEV", "1")
    first = config.load(tmp_path)["SECRET_KEY"]
    assert len(first) == 64
    assert config.load(tmp_path)["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_urls_use_psycopg3_and_pre_ping(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/tracker")
    settings = config.load(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/tracker"
    assert settings["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


def test_raw_base64url_vapid_key_is_accepted(tmp_path, monkeypatch):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(PEM.encode(), None)
    raw = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    monkeypatch.setenv("VAPID_PRIVATE_KEY", raw)
    assert config.load(tmp_path)["VAPID_PRIVATE_KEY"] == raw


def test_boolean_spellings(tmp_path, monkeypatch):
    for value, expected in [("1", True), ("yes", True), (" ON ", True), ("false", False)]:
        monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
        assert config.load(tmp_path)["SESSION_COOKIE_SECURE"] is expected


def test_overrides_win(tmp_path):
    assert config.load(tmp_path, {"PUSH_WORKERS": 2})["PUSH_WORKERS"] == 2


def test_env_example_documents_every_variable_and_loads(tmp_path, monkeypatch):
    """.env.example names every variable config.py reads, and its values are valid."""
    example = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"#?\s*([A-Z][A-Z0-9_]+)=(.*)$", line.strip())
        if match:
            example[match[1]] = (line.lstrip().startswith("#"), match[2])
    assert READ - {"FLASK_DEBUG"} <= example.keys()
    assert "INSTANCE_PATH" in example
    for name, (commented, value) in example.items():
        if not commented and name in READ and name != "SECRET_KEY":
            monkeypatch.setenv(name, value)
    config.load(tmp_path)
