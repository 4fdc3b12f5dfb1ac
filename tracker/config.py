"""Settings from the environment, with typed helpers that fail loudly on bad values."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the app refuses to start."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def normalise_database_url(url: str) -> str:
    """Accept Heroku-style postgres:// and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


DEFAULT_PUSH_HOSTS = [
    "fcm.googleapis.com",
    "android.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.services.mozilla.com",
    "web.push.apple.com",
    "api.push.apple.com",
    "*.notify.windows.com",
]


def _instance_secret(instance_path: Path) -> str:
    """A dev SECRET_KEY kept in instance/ so sessions survive restarts of `make run`."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the config dict from the environment, then apply overrides (tests)."""
    overrides = overrides or {}
    testing = bool(overrides.get("TESTING", False))
    debug = env_bool("FLASK_DEBUG", False)
    database_url = env_str("DATABASE_URL") or f"sqlite:///{instance_path / 'back_relief.db'}"

    secret = env_str("SECRET_KEY")
    if secret is None:
        if not (testing or debug or env_bool("BACK_RELIEF_DEV", False)):
            raise ConfigError(
                "SECRET_KEY is required in production. Set it in the environment "
                "(or BACK_RELIEF_DEV=1 for a local dev key kept in instance/)."
            )
        secret = "testing-secret" if testing else _instance_secret(instance_path)

    config = {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # pre_ping lets workers survive a PostgreSQL restart; SQLite files cannot go away.
        "SQLALCHEMY_ENGINE_OPTIONS": (
            {} if database_url.startswith("sqlite") else {"pool_pre_ping": True}
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 90,
        "MAX_CONTENT_LENGTH": env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024, minimum=1024),
        "RATELIMIT_STORAGE_URI": env_str("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "PROXY_FIX": env_int("PROXY_FIX", 0, minimum=0),
        "WTF_CSRF_TIME_LIMIT": None,
        "VAPID_PRIVATE_KEY": env_str("VAPID_PRIVATE_KEY"),
        "VAPID_SUBJECT": env_str("VAPID_SUBJECT", "mailto:admin@localhost"),
        "PUSH_ENDPOINT_ALLOWLIST": env_list("PUSH_ENDPOINT_ALLOWLIST", DEFAULT_PUSH_HOSTS),
        "PUSH_TIMEOUT_SECONDS": env_int("PUSH_TIMEOUT_SECONDS", 10, minimum=1),
        "PUSH_WORKERS": env_int("PUSH_WORKERS", 8, minimum=1),
        "REMINDER_DISPATCH_SECONDS": env_int("REMINDER_DISPATCH_SECONDS", 10, minimum=1),
        "REMINDER_LEASE_SECONDS": env_int("REMINDER_LEASE_SECONDS", 60, minimum=5),
        "REMINDER_MAX_ATTEMPTS": env_int("REMINDER_MAX_ATTEMPTS", 6, minimum=1),
        # Dashboard/trends fragment cache (see tracker/pagecache.py); 0 turns it off.
        "PAGE_CACHE_SECONDS": env_int("PAGE_CACHE_SECONDS", 60, minimum=0),
        "TESTING": testing,
    }
    config.update(overrides)
    return config
