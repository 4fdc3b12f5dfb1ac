"""The one Web Push send path: encrypt (RFC 8291), sign (RFC 8292), POST, classify."""

from __future__ import annotations

import http.client
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from py_vapid import Vapid02, b64urlencode
from py_vapid import jwt as vapid_jwt
from pywebpush import WebPusher, WebPushException

from .. import timeutil
from .keys import load_vapid
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

    def __post_init__(self) -> None:
        if not re.fullmatch(r"mailto:[^@\s]+@[^@\s]+|https://[^/\s]+.*", self.subject):
            raise ValueError(f"VAPID_SUBJECT must be a mailto: or https: URL, not {self.subject!r}")
        raw = self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        object.__setattr__(self, "public_key", b64urlencode(raw))

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


def vapid_headers(config: PushConfig, endpoint: str, now: datetime) -> dict[str, str]:
    """RFC 8292 header with fresh claims for this send. py_vapid's JWT signer is called
    directly: Vapid02.sign() also deep-copies and re-validates the claims and re-serialises
    the public key every time, doubling the cost (the subject is checked once, above)."""
    claims = {
        "aud": origin(endpoint),
        "exp": int((now + VAPID_LIFETIME).timestamp()),
        "sub": config.subject,
    }
    token = vapid_jwt.sign(claims, config.vapid.private_key)
    return {"Authorization": f"vapid t={token},k={config.public_key}"}


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def send_push(
    subscription: Subscription, message: PushMessage, config: PushConfig | None = None
) -> Outcome:
    """Send one message to one subscription and say what happened. Never raises."""
    config = config or PushConfig.from_app()
    data = encode(message.payload)
    if len(data) > MAX_PLAINTEXT:
        return Outcome("permanent", error=f"payload too large ({len(data)} bytes)")
    headers = vapid_headers(config, subscription.endpoint, timeutil.now())
    headers["Urgency"] = message.urgency
    if message.topic:
        headers["Topic"] = message.topic
    headers["TTL"] = str(max(0, min(int(message.ttl), MAX_TTL)))
    headers["Content-Encoding"] = "aes128gcm"
    # RFC 8030 push services (and npm web-push) expect it; some answer 400 without it.
    headers["Content-Type"] = "application/octet-stream"
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        body = WebPusher(info).encode(data)["body"]
    except (WebPushException, ValueError) as error:
        # Malformed keys: the subscription can never work.
        return Outcome("permanent", error=f"bad subscription keys ({error})"[:300])
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
