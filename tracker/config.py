"""Settings from the environment, with typed helpers that fail loudly on bad values."""

from __future__ import annotations

import os
import re
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


def check_database_url(url: str) -> str:
    """SQLite or PostgreSQL (psycopg 3) only. The URL may hold a password: never echo it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a database URL (expected sqlite:///path or "
            "postgresql://user:password@host/db)"
        ) from None
    if parsed.drivername not in {"sqlite", "sqlite+pysqlite", "postgresql+psycopg"}:
        raise ConfigError(
            f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, not {parsed.drivername}://"
        )
    return url


def check_ratelimit_storage(uri: str) -> str:
    from limits.storage import SCHEMES

    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if scheme not in SCHEMES or scheme.startswith("async+"):
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI must be memory:// or a storage URL such as "
            f"redis://host:6379, not {scheme + '://' if scheme else 'a value without a scheme'}"
        )
    return uri


# The same rule as reminders/push.py applies when signing; checked here so it stops start-up.
VAPID_SUBJECT_PATTERN = re.compile(r"mailto:[^@\s]+@[^@\s]+|https://[^/\s]+.*")


DEV_VAPID_SUBJECT = "mailto:admin@localhost"


def check_vapid_subject(subject: str | None, *, production: bool) -> str:
    """Push services contact the operator through it, and some (Safari's) refuse placeholders,
    so production needs a real one: a default would fail only once reminders go out."""
    if subject is None:
        if production:
            raise ConfigError(
                "VAPID_SUBJECT is required in production: a mailto: address or https: URL where "
                "push services can reach you (or BACK_RELIEF_DEV=1 for a local placeholder)."
            )
        return DEV_VAPID_SUBJECT
    if not VAPID_SUBJECT_PATTERN.fullmatch(subject):
        raise ConfigError(f"VAPID_SUBJECT must be a mailto: or https: URL, got {subject!r}")
    if production and _placeholder_host(subject):
        raise ConfigError(
            f"VAPID_SUBJECT must be a real contact in production, not {subject!r} "
            "(localhost and example.* reach nobody)"
        )
    return subject


def _placeholder_host(subject: str) -> bool:
    host = subject.rpartition("@")[2] if subject.startswith("mailto:") else subject[8:]
    host = re.split(r"[/:?#]", host, maxsplit=1)[0].lower().rstrip(".")
    labels = host.split(".")
    return (
        labels[-1] == "localhost"
        or host.startswith("127.")
        or host.startswith("[")
        or "example" in labels[:-1]
    )


def check_vapid_key(key: str | None) -> str | None:
    """Parse it once at start-up, as reminders/keys.py does later. Never echo the key."""
    if key is None:
        return None
    from py_vapid import Vapid02

    try:
        Vapid02.from_pem(key.encode()) if "BEGIN" in key else Vapid02.from_string(key)
    except (ValueError, TypeError):
        raise ConfigError(
            "VAPID_PRIVATE_KEY must be a P-256 private key, PEM or raw base64url "
            "(e.g. the content of instance/vapid_private.pem)"
        ) from None
    return key


_HOST = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*"
# A push host, `*.suffix`, https://host, or an http:// loopback origin with a port (tests,
# benchmarks): anything else would never match an endpoint (reminders/subscriptions.py).
PUSH_HOST_PATTERN = re.compile(
    rf"(\*\.)?{_HOST}|https://{_HOST}/?|http://(127\.0\.0\.1|localhost|\[::1\])(:\d{{1,5}})?/?"
)


def check_push_hosts(entries: list[str]) -> list[str]:
    for entry in entries:
        if not PUSH_HOST_PATTERN.fullmatch(entry.lower()):
            raise ConfigError(
                "PUSH_ENDPOINT_ALLOWLIST entries must be push-service hosts (fcm.googleapis.com, "
                f"*.notify.windows.com) or an http:// loopback origin, got {entry!r}"
            )
    return entries


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

    dev = env_bool("BACK_RELIEF_DEV", False)  # read even when unused, so a typo still fails
    secret = env_str("SECRET_KEY")
    if secret is None:
        if not (testing or debug or dev):
            raise ConfigError(
                "SECRET_KEY is required in production. Set it in the environment "
                "(or BACK_RELIEF_DEV=1 for a local dev key kept in instance/)."
            )
        secret = "testing-secret" if testing else _instance_secret(instance_path)

    config = {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": check_database_url(normalise_database_url(database_url)),
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
        "RATELIMIT_STORAGE_URI": check_ratelimit_storage(
            env_str("RATELIMIT_STORAGE_URI", "memory://")
        ),
        "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "PROXY_FIX": env_int("PROXY_FIX", 0, minimum=0),
        "WTF_CSRF_TIME_LIMIT": None,
        "VAPID_PRIVATE_KEY": check_vapid_key(env_str("VAPID_PRIVATE_KEY")),
        "VAPID_SUBJECT": check_vapid_subject(
            env_str("VAPID_SUBJECT"), production=not (testing or dev)
        ),
        "PUSH_ENDPOINT_ALLOWLIST": check_push_hosts(
            env_list("PUSH_ENDPOINT_ALLOWLIST", DEFAULT_PUSH_HOSTS)
        ),
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
