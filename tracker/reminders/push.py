"""The one Web Push send path: encrypt (RFC 8291), sign (RFC 8292), POST, classify."""

from __future__ import annotations

import http.client
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from py_vapid import Vapid02, b64urlencode

from .. import timeutil
from .keys import load_vapid
from .sealing import Item, Result, Sealer, seal
from .transport import Transport

VAPID_LIFETIME = timedelta(hours=12)  # RFC 8292 allows 24 h; some services reject more than 12
MAX_TTL = 28 * 24 * 3600
# Push services accept 4096 bytes of ciphertext; aes128gcm adds 103 bytes of overhead.
MAX_PLAINTEXT = 3993


class Subscription(Protocol):
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushMessage:
    payload: dict[str, Any]
    ttl: int = 0
    urgency: str = "normal"  # very-low | low | normal | high
    topic: str | None = None  # the push service replaces an undelivered message with the same topic


@dataclass(frozen=True)
class Outcome:
    result: str  # ok | gone | retry | permanent
    status: int | None = None
    error: str = ""
    retry_after: int | None = None

    @property
    def ok(self) -> bool:
        return self.result == "ok"


@dataclass(frozen=True)
class PushConfig:
    vapid: Vapid02
    subject: str
    timeout: float
    http: Transport
    public_key: str = field(init=False)  # the `k=` of every Authorization header
    pem: bytes = field(init=False)  # the signing key as sealing workers receive it

    def __post_init__(self) -> None:
        if not re.fullmatch(r"mailto:[^@\s]+@[^@\s]+|https://[^/\s]+.*", self.subject):
            raise ValueError(f"VAPID_SUBJECT must be a mailto: or https: URL, not {self.subject!r}")
        raw = self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        object.__setattr__(self, "public_key", b64urlencode(raw))
        pem = self.vapid.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        object.__setattr__(self, "pem", pem)

    @classmethod
    def from_app(cls, app: Flask | None = None) -> PushConfig:
        """One per app: the signing key and a connection pool shared by sender threads."""
        app = app or current_app._get_current_object()
        config = app.extensions.get("push_config")
        if config is None:
            config = cls(
                load_vapid(app),
                app.config["VAPID_SUBJECT"],
                float(app.config["PUSH_TIMEOUT_SECONDS"]),
                Transport(
                    float(app.config["PUSH_TIMEOUT_SECONDS"]),
                    maxsize=int(app.config["PUSH_WORKERS"]),
                ),
            )
            app.extensions["push_config"] = config
        return config


def origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def claims(config: PushConfig, endpoint: str, now: datetime) -> dict[str, Any]:
    """Fresh RFC 8292 claims for this send (the subject was checked once, above)."""
    return {
        "aud": origin(endpoint),
        "exp": int((now + VAPID_LIFETIME).timestamp()),
        "sub": config.subject,
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _prepare(
    pairs: list[tuple[Subscription, PushMessage]], config: PushConfig
) -> tuple[list[Item], Callable[[list[Result]], list[Result]]]:
    """The items to seal, and how to put their results back among the messages that can
    never be sent (too large), which get (None, reason)."""
    now = timeutil.now()
    prepared: list[Item | str] = []
    for subscription, message in pairs:
        data = encode(message.payload)
        if len(data) > MAX_PLAINTEXT:
            prepared.append(f"payload too large ({len(data)} bytes)")
        else:
            aud = claims(config, subscription.endpoint, now)
            prepared.append((data, subscription.p256dh, subscription.auth, aud))

    def merge(sealed: list[Result]) -> list[Result]:
        results = iter(sealed)
        return [(None, p) if isinstance(p, str) else next(results) for p in prepared]

    return [p for p in prepared if not isinstance(p, str)], merge


def seal_all(pairs: list[tuple[Subscription, PushMessage]], config: PushConfig) -> list[Result]:
    """Encrypt and sign each message for its subscription, in this thread."""
    items, merge = _prepare(pairs, config)
    return merge([seal(config.vapid.private_key, item) for item in items])


def seal_later(
    pairs: list[tuple[Subscription, PushMessage]],
    config: PushConfig,
    sealer: Sealer,
    done: Callable[[list[Result]], None],
) -> None:
    """The same in `sealer`'s worker processes (the dispatcher): `done` gets the results."""
    items, merge = _prepare(pairs, config)
    sealer.submit(config.pem, config.vapid.private_key, items, lambda sealed: done(merge(sealed)))


def send_push(
    subscription: Subscription,
    message: PushMessage,
    config: PushConfig | None = None,
    sealed: Result | None = None,
) -> Outcome:
    """Send one message to one subscription and say what happened. Never raises. The
    dispatcher passes the message already `sealed` (seal_later); otherwise it is sealed here."""
    config = config or PushConfig.from_app()
    body, token = sealed or seal_all([(subscription, message)], config)[0]
    if body is None:
        return Outcome("permanent", error=token)  # too large, or keys that can never work
    headers = {
        "Authorization": f"vapid t={token},k={config.public_key}",
        "Urgency": message.urgency,
        "TTL": str(max(0, min(int(message.ttl), MAX_TTL))),
        "Content-Encoding": "aes128gcm",
        # RFC 8030 push services (and npm web-push) expect it; some answer 400 without it.
        "Content-Type": "application/octet-stream",
    }
    if message.topic:
        headers["Topic"] = message.topic
    try:
        response = config.http.post(subscription.endpoint, body, headers)
    except http.client.InvalidURL as error:
        return Outcome("permanent", error=f"unusable endpoint ({error})"[:300])
    except TimeoutError:
        return Outcome("retry", error="timed out")
    except (OSError, http.client.HTTPException) as error:
        return Outcome("retry", error=f"network error ({type(error).__name__})")
    return classify(response.status, response.body, response.retry_after)


def classify(
    status: int, body: bytes = b"", retry_after: str = "", now: datetime | None = None
) -> Outcome:
    if 200 <= status < 300:
        return Outcome("ok", status)
    text = body.decode("utf-8", "replace").strip()[:200]
    detail = f"HTTP {status}: {text}".rstrip(": ")
    if status in (404, 410):
        return Outcome("gone", status, detail)
    if status == 429 or status >= 500:
        return Outcome("retry", status, detail, retry_after_seconds(retry_after, now))
    return Outcome("permanent", status, detail)


MAX_RETRY_AFTER = 7 * 24 * 3600  # the dispatcher caps backoff at an hour anyway


def retry_after_seconds(value: str, now: datetime | None = None) -> int | None:
    """RFC 9110 Retry-After: delta-seconds or an HTTP-date (IMF-fixdate, or the obsolete
    RFC 850 and asctime forms, which recipients must still accept). None if unreadable."""
    value = value.strip()
    if value.isascii() and value.isdigit():
        # A huge number is capped, not parsed: int() refuses strings over 4,300 digits.
        return MAX_RETRY_AFTER if len(value) > 7 else min(int(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # asctime carries no zone; HTTP dates are always GMT
        when = when.replace(tzinfo=UTC)
    delay = (when - (now or timeutil.now())).total_seconds()
    return min(max(0, math.ceil(delay)), MAX_RETRY_AFTER)
