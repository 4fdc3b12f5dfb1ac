"""tracker/config.py: every bad value of every variable it reads stops start-up, naming it."""

from __future__ import annotations

import ast
import os
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
    ("SECRET_KEY", "a"),
    ("SECRET_KEY", "x" * 31),
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
    ("PUSH_SEAL_PROCESSES", "-1"),
    ("PUSH_SEAL_PROCESSES", "two"),
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
    ("WEB_CONCURRENCY", "0"),
    ("WEB_INSTANCES", "two"),
    ("VAPID_SUBJECT", "admin"),
    ("VAPID_SUBJECT", "you@example.com"),
    ("VAPID_SUBJECT", "mailto:"),
    ("VAPID_SUBJECT", "http://example.com"),
    ("APP_URL", "backrelief.example"),
    ("APP_URL", "http://backrelief.example"),
    ("APP_URL", "https://backrelief.example/?x=1"),
    ("VAPID_PRIVATE_KEY", "not-a-key"),
    ("VAPID_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
    ("PUSH_ENDPOINT_ALLOWLIST", "https://fcm.googleapis.com/fcm/send"),
    ("PUSH_ENDPOINT_ALLOWLIST", "fcm.googleapis.com,http://push.example.com"),
    ("PUSH_ENDPOINT_ALLOWLIST", "*"),
    ("PUSH_ENDPOINT_ALLOWLIST", "fcm googleapis.com"),
    ("MAIL_SERVER", "smtp://mail.example.com"),
    ("MAIL_SERVER", "mail.example.com:587"),
    ("MAIL_PORT", "0"),
    ("MAIL_PORT", "65536"),
    ("MAIL_PORT", "smtp"),
    ("MAIL_USE_TLS", "starttls"),
    ("MAIL_USE_SSL", "maybe"),
    ("MAIL_USERNAME", "me\n"),
    ("MAIL_PASSWORD", "hunter2\n"),
    ("MAIL_DEFAULT_SENDER", "Back Relief"),
    ("MAIL_DEFAULT_SENDER", "noreply@"),
]

GOOD = [
    ("SECRET_KEY", "x" * 32),
    ("FLASK_DEBUG", "0"),
    ("BACK_RELIEF_DEV", "no"),
    ("SESSION_COOKIE_SECURE", "True"),
    ("RATELIMIT_ENABLED", "off"),
    ("MAX_CONTENT_LENGTH", "1024"),
    ("PROXY_FIX", "0"),
    ("PUSH_SEAL_PROCESSES", "0"),
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
    ("WEB_CONCURRENCY", "4"),
    ("WEB_INSTANCES", "1"),
    ("VAPID_SUBJECT", "mailto:ops@backrelief.example"),
    ("VAPID_SUBJECT", "https://backrelief.example/contact"),
    ("APP_URL", "https://backrelief.example/"),
    ("VAPID_PRIVATE_KEY", PEM),
    ("PUSH_ENDPOINT_ALLOWLIST", "fcm.googleapis.com, *.notify.windows.com"),
    ("PUSH_ENDPOINT_ALLOWLIST", "https://web.push.apple.com/"),
    ("PUSH_ENDPOINT_ALLOWLIST", "http://127.0.0.1:8765,http://localhost:9000,http://[::1]:1"),
    ("MAIL_SERVER", "smtp.example.com"),
    ("MAIL_SERVER", "127.0.0.1"),
    ("MAIL_PORT", "587"),
    ("MAIL_USE_TLS", "1"),
    ("MAIL_USE_SSL", "yes"),
    ("MAIL_DEFAULT_SENDER", "Back Relief <noreply@backrelief.example>"),
    ("MAIL_DEFAULT_SENDER", "noreply@backrelief.example"),
    ("MAIL_USERNAME", "backrelief@mail.example"),
    ("MAIL_PASSWORD", "correct horse battery staple"),
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in READ | {"SECRET_KEY"}:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "config-test-secret-of-32-characters")
    monkeypatch.setenv("VAPID_SUBJECT", "mailto:ops@backrelief.app")  # required in production
    monkeypatch.setenv("APP_URL", "https://backrelief.app")  # required in production


def test_every_variable_has_a_bad_value_row():
    assert {name for name, _ in BAD} == READ
    assert {name for name, _ in GOOD} == READ


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
    for name in READ - {"SECRET_KEY", "VAPID_SUBJECT", "APP_URL"}:
        monkeypatch.setenv(name, "")
    settings = config.load(tmp_path)
    assert settings["PUSH_WORKERS"] == 8
    assert settings["PUSH_ENDPOINT_ALLOWLIST"] == config.DEFAULT_PUSH_HOSTS
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'back_relief.db'}"


def test_secret_key_is_required_in_production(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config.load(tmp_path)


def test_a_short_secret_key_is_fine_outside_production(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("BACK_RELIEF_DEV", "1")
    assert config.load(tmp_path)["SECRET_KEY"] == "short"


def test_the_short_secret_message_never_shows_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "hunter2-but-too-short")
    with pytest.raises(ConfigError, match="at least 32 characters") as failure:
        config.load(tmp_path)
    assert "hunter2" not in str(failure.value)


def test_dev_secret_is_kept_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("BACK_RELIEF_DEV", "1")
    first = config.load(tmp_path)["SECRET_KEY"]
    assert len(first) == 64
    assert config.load(tmp_path)["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left


def test_a_new_instance_folder_and_dev_secret_are_private_whatever_the_umask(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("BACK_RELIEF_DEV", "1")
    old = os.umask(0o000)  # the most permissive: nothing may rely on the umask
    try:
        config.load(tmp_path / "instance")
    finally:
        os.umask(old)
    assert (tmp_path / "instance").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600


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


def test_mail_is_only_logged_without_a_server(tmp_path):
    settings = config.load(tmp_path)
    assert settings["MAIL_SERVER"] is None and settings["MAIL_PORT"] == 25
    assert settings["MAIL_SUPPRESS_SEND"] is False and settings["MAIL_DEBUG"] == 0


def test_mail_port_follows_the_encryption(tmp_path, monkeypatch):
    monkeypatch.setenv("MAIL_USE_TLS", "1")
    assert config.load(tmp_path)["MAIL_PORT"] == 587
    monkeypatch.setenv("MAIL_USE_TLS", "0")
    monkeypatch.setenv("MAIL_USE_SSL", "1")
    assert config.load(tmp_path)["MAIL_PORT"] == 465


def test_mail_tls_and_ssl_exclude_each_other(tmp_path, monkeypatch):
    monkeypatch.setenv("MAIL_USE_TLS", "1")
    monkeypatch.setenv("MAIL_USE_SSL", "1")
    with pytest.raises(ConfigError, match="MAIL_USE_TLS"):
        config.load(tmp_path)


def test_mail_credentials_go_together_and_are_never_echoed(tmp_path, monkeypatch):
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.com")
    monkeypatch.setenv("MAIL_PASSWORD", "hunter2")
    with pytest.raises(ConfigError, match="MAIL_USERNAME") as failure:
        config.load(tmp_path)
    assert "hunter2" not in str(failure.value)
    monkeypatch.setenv("MAIL_USERNAME", "me@example.com")
    assert config.load(tmp_path)["MAIL_PASSWORD"] == "hunter2"
