"""Settings from the environment, with typed helpers that fail loudly on bad values."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit


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
    if scheme.startswith("redis"):
        try:
            import redis  # noqa: F401  (limits loads it by name, too late for a clear message)
        except ImportError:
            raise ConfigError(
                'RATELIMIT_STORAGE_URI is redis://, which needs pip install "back-relief[redis]"'
            ) from None
    return uri


def memory_limits_warning(uri: str, *, production: bool) -> str | None:
    """memory:// counts in each process, so N workers or instances allow N times every limit.
    Only a warning: a single small instance with one worker is a fine production setup."""
    workers = env_int("WEB_CONCURRENCY", 1, minimum=1)  # read always, so a typo still fails
    instances = env_int("WEB_INSTANCES", 1, minimum=1)
    if not production or not uri.startswith("memory://") or workers * instances <= 1:
        return None
    return (
        f"RATELIMIT_STORAGE_URI is memory:// with {workers} worker(s) x {instances} instance(s) "
        "(WEB_CONCURRENCY x WEB_INSTANCES): every process counts on its own, so each rate "
        f"limit is {workers * instances}x looser. Set RATELIMIT_STORAGE_URI=redis://host:6379 "
        '(pip install "back-relief[redis]").'
    )


# The same rule as reminders/push.py applies when signing; checked here so it stops start-up.
VAPID_SUBJECT_PATTERN = re.compile(r"mailto:[^@\s]+@[^@\s]+|https://[^/\s]+.*")


DEV_VAPID_SUBJECT = "mailto:admin@localhost"
DEV_APP_URL = "http://localhost:5000"


def check_app_url(url: str | None, *, production: bool) -> str:
    """The app's public origin: declarative pushes open absolute URLs built from it, even from
    the clock process, which has no request to take a host from."""
    if url is None:
        if production:
            raise ConfigError(
                "APP_URL is required in production: the https:// address people open the app "
                "at, e.g. https://tracker.your-domain.example (notifications link to it)."
            )
        return DEV_APP_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"APP_URL must be an http(s) origin such as https://host, got {url!r}")
    if production and parts.scheme != "https":
        raise ConfigError(f"APP_URL must use https in production, got {url!r}")
    return url.rstrip("/")


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


# A host name, an IPv4 address or a bracketed IPv6 one: no scheme, port or path.
MAIL_HOST_PATTERN = re.compile(rf"{_HOST}|\d{{1,3}}(\.\d{{1,3}}){{3}}|\[[0-9a-f:.]+\]")
MAIL_ADDRESS_PATTERN = re.compile(r"[^@\s<>]+@[^@\s<>]+")
DEFAULT_MAIL_SENDER = "Back Relief <noreply@localhost>"


def env_credential(name: str) -> str | None:
    """A user name or password: control characters mean a mangled copy. Never echo it."""
    value = env_str(name)
    if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ConfigError(f"{name} contains a control character (a stray newline?)")
    return value


def mail_settings() -> dict:
    """Flask-Mail's settings, under its own names. Without MAIL_SERVER no mail is sent: each
    one is written to the log instead (accounts/mail.py), which is what `make run` does."""
    from email.utils import parseaddr

    server = env_str("MAIL_SERVER")
    if server is not None and not MAIL_HOST_PATTERN.fullmatch(server.lower()):
        raise ConfigError(
            f"MAIL_SERVER must be a host name such as smtp.example.com, got {server!r}"
        )
    use_tls, use_ssl = env_bool("MAIL_USE_TLS", False), env_bool("MAIL_USE_SSL", False)
    if use_tls and use_ssl:
        raise ConfigError(
            "MAIL_USE_TLS (STARTTLS, usually port 587) and MAIL_USE_SSL (port 465) exclude "
            "each other: set one of them"
        )
    port = env_int("MAIL_PORT", 465 if use_ssl else 587 if use_tls else 25, minimum=1)
    if port > 65535:
        raise ConfigError(f"MAIL_PORT must be at most 65535, got {port}")
    username, password = env_credential("MAIL_USERNAME"), env_credential("MAIL_PASSWORD")
    if server is not None and (username is None) != (password is None):
        raise ConfigError("MAIL_USERNAME and MAIL_PASSWORD go together: set both or neither")
    sender = env_str("MAIL_DEFAULT_SENDER", DEFAULT_MAIL_SENDER)
    if not MAIL_ADDRESS_PATTERN.fullmatch(parseaddr(sender)[1]):
        raise ConfigError(
            "MAIL_DEFAULT_SENDER must be an address, e.g. Back Relief <noreply@your-domain>, "
            f"got {sender!r}"
        )
    return {
        "MAIL_SERVER": server,
        "MAIL_PORT": port,
        "MAIL_USE_TLS": use_tls,
        "MAIL_USE_SSL": use_ssl,
        "MAIL_USERNAME": username,
        "MAIL_PASSWORD": password,
        "MAIL_DEFAULT_SENDER": sender,
        # Flask-Mail would skip sending under TESTING (the tests use a real SMTP server) and,
        # under debug, print the SMTP dialogue, credentials included, to stderr.
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_DEBUG": 0,
    }


SECRET_KEY_MIN = 32


def _instance_secret(instance_path: Path) -> str:
    """A dev SECRET_KEY kept in instance/ so sessions survive restarts of `make run`.
    Born 0600 in a 0700 folder: written to a private temporary file, then linked into place,
    which fails if another process got there first (its key wins, complete)."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=instance_path)  # always 0600
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.close(fd)
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
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
    elif len(secret) < SECRET_KEY_MIN and not (testing or debug or dev):
        raise ConfigError(  # sessions, CSRF and action tokens are all signed with it
            f"SECRET_KEY must be at least {SECRET_KEY_MIN} characters in production, got "
            f"{len(secret)}. Generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        )

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
        # Redis down: count in each process instead (looser) rather than fail every login.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Logged by the limiter at start-up (extensions.py).
        "RATELIMIT_STARTUP_WARNING": memory_limits_warning(
            env_str("RATELIMIT_STORAGE_URI", "memory://"), production=not (testing or debug or dev)
        ),
        "RATELIMIT_HEADERS_ENABLED": True,
        "PROXY_FIX": env_int("PROXY_FIX", 0, minimum=0),
        "WTF_CSRF_TIME_LIMIT": None,
        "VAPID_PRIVATE_KEY": check_vapid_key(env_str("VAPID_PRIVATE_KEY")),
        "VAPID_SUBJECT": check_vapid_subject(
            env_str("VAPID_SUBJECT"), production=not (testing or dev)
        ),
        "APP_URL": check_app_url(env_str("APP_URL"), production=not (testing or dev)),
        "PUSH_ENDPOINT_ALLOWLIST": check_push_hosts(
            env_list("PUSH_ENDPOINT_ALLOWLIST", DEFAULT_PUSH_HOSTS)
        ),
        "PUSH_TIMEOUT_SECONDS": env_int("PUSH_TIMEOUT_SECONDS", 10, minimum=1),
        "PUSH_WORKERS": env_int("PUSH_WORKERS", 8, minimum=1),
        # Processes that encrypt and sign for the dispatcher (reminders/sealing.py): the
        # cores beside the one its threads use; 0 seals in the pass's sealing thread.
        "PUSH_SEAL_PROCESSES": env_int(
            "PUSH_SEAL_PROCESSES", min(4, (os.cpu_count() or 1) - 1), minimum=0
        ),
        "REMINDER_DISPATCH_SECONDS": env_int("REMINDER_DISPATCH_SECONDS", 10, minimum=1),
        "REMINDER_LEASE_SECONDS": env_int("REMINDER_LEASE_SECONDS", 60, minimum=5),
        "REMINDER_MAX_ATTEMPTS": env_int("REMINDER_MAX_ATTEMPTS", 6, minimum=1),
        # Dashboard/trends fragment cache (see tracker/pagecache.py); 0 turns it off.
        "PAGE_CACHE_SECONDS": env_int("PAGE_CACHE_SECONDS", 60, minimum=0),
        **mail_settings(),
        "TESTING": testing,
    }
    config.update(overrides)
    return config
