"""The one Web Push send path: encrypt (RFC 8291), sign (RFC 8292), POST, classify."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from flask import Flask, current_app
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException

from .. import timeutil
from .keys import load_vapid

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
    session: requests.Session

    @classmethod
    def from_app(cls, app: Flask | None = None) -> PushConfig:
        """One per app: the signing key and a pooled HTTP session shared by sender threads."""
        app = app or current_app._get_current_object()
        config = app.extensions.get("push_config")
        if config is None:
            session = requests.Session()
            size = int(app.config["PUSH_WORKERS"])
            adapter = requests.adapters.HTTPAdapter(pool_connections=size, pool_maxsize=size)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            config = cls(load_vapid(app), app.config["VAPID_SUBJECT"],
                         float(app.config["PUSH_TIMEOUT_SECONDS"]), session)
            app.extensions["push_config"] = config
        return config


def origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def vapid_headers(config: PushConfig, endpoint: str, now: datetime) -> dict[str, str]:
    """Fresh claims for every send: pywebpush mutates and reuses a shared claims dict."""
    claims = {
        "aud": origin(endpoint),
        "exp": int((now + VAPID_LIFETIME).timestamp()),
        "sub": config.subject,
    }
    return config.vapid.sign(claims)


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def send_push(subscription: Subscription, message: PushMessage,
              config: PushConfig | None = None) -> Outcome:
    """Send one message to one subscription and say what happened. Never raises."""
    config = config or PushConfig.from_app()
    data = encode(message.payload)
    if len(data) > MAX_PLAINTEXT:
        return Outcome("permanent", error=f"payload too large ({len(data)} bytes)")
    headers = vapid_headers(config, subscription.endpoint, timeutil.now())
    headers["Urgency"] = message.urgency
    if message.topic:
        headers["Topic"] = message.topic
    info = {"endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    try:
        response = WebPusher(info, requests_session=config.session).send(
            data, headers=headers, ttl=max(0, min(int(message.ttl), MAX_TTL)),
            timeout=config.timeout,
        )
    except requests.Timeout:
        return Outcome("retry", error="timed out")
    except requests.RequestException as error:
        return Outcome("retry", error=f"network error ({type(error).__name__})")
    except (WebPushException, ValueError) as error:
        # Malformed keys: the subscription can never work.
        return Outcome("permanent", error=f"bad subscription keys ({error})"[:300])
    return classify(response)


def classify(response: requests.Response) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        return Outcome("ok", status)
    detail = f"HTTP {status}: {(response.text or '').strip()[:200]}".rstrip(": ")
    if status in (404, 410):
        return Outcome("gone", status, detail)
    if status == 429 or status >= 500:
        return Outcome("retry", status, detail, _retry_after(response))
    return Outcome("permanent", status, detail)


def _retry_after(response: requests.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None
