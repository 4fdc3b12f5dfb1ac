"""Validation of browser push subscriptions, including the endpoint allowlist (SSRF guard)."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def b64url_decode(value: str) -> bytes | None:
    if not isinstance(value, str) or not B64URL.match(value):
        return None
    value = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def endpoint_allowed(endpoint: str, allowlist: list[str]) -> bool:
    """https on an allowlisted push host (exact, or `*.suffix`); http only for an
    explicitly listed loopback origin such as http://127.0.0.1:8123 (tests, benchmarks)."""
    if not (endpoint.isascii() and endpoint.isprintable()) or " " in endpoint:
        return False  # push services hand out plain ASCII URLs; anything else is not one
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password or parts.fragment:
        return False
    if parts.scheme == "http":
        origin = f"http://{parts.netloc.lower()}"
        return host in LOOPBACK and origin in {e.lower().rstrip("/") for e in allowlist}
    if parts.scheme != "https" or port not in (None, 443):
        return False
    for entry in allowlist:
        entry = entry.strip().lower()
        if "://" in entry:
            if entry.rstrip("/") == f"https://{host}":
                return True
        elif entry.startswith("*."):
            if host.endswith(entry[1:]) and len(host) > len(entry) - 1:
                return True
        elif host == entry:
            return True
    return False


def validate(data: object, allowlist: list[str]) -> tuple[dict, dict[str, list[str]]]:
    """A PushSubscriptionJSON -> (clean values, errors by field)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return {}, {"request": ["Send the PushSubscription as a JSON object."]}
    endpoint = data.get("endpoint")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 2048:
        errors["endpoint"] = ["Give the subscription's endpoint URL (at most 2048 characters)."]
    elif not endpoint_allowed(endpoint, allowlist):
        errors["endpoint"] = ["This push service is not supported."]
    p256dh = b64url_decode(keys.get("p256dh"))
    if p256dh is None or len(p256dh) != 65 or p256dh[0] != 4 or not _on_curve(p256dh):
        errors["keys.p256dh"] = ["Must be a base64url P-256 public key (65 bytes)."]
    auth = b64url_decode(keys.get("auth"))
    if auth is None or len(auth) != 16:
        errors["keys.auth"] = ["Must be a base64url 16-byte auth secret."]
    label = data.get("label", "")
    if not isinstance(label, str) or len(label) > 120:
        errors["label"] = ["At most 120 characters."]
    if errors:
        return {}, errors
    return {
        "endpoint": endpoint,
        "p256dh": keys["p256dh"].rstrip("="),
        "auth": keys["auth"].rstrip("="),
        "label": label.strip(),
    }, {}


def _on_curve(raw: bytes) -> bool:
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def label_from_user_agent(ua: str) -> str:
    """A human name for the device, e.g. "Chrome on Android"."""
    ua = ua or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("SamsungBrowser", "Samsung Internet"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            )
            if token in ua
        ),
        "Browser",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "Mac"),
                ("Linux", "Linux"),
            )
            if token in ua
        ),
        "",
    )
    return f"{browser} on {system}" if system else browser
