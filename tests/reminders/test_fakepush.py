"""The fake push service is as strict as real ones (each malformed request is refused for its
own reason), and our real send path passes it for every kind of reminder."""

from __future__ import annotations

import http.client
import json
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from py_vapid import Vapid02
from pywebpush import WebPusher
from sqlalchemy import insert

from tracker import timeutil
from tracker.extensions import db
from tracker.models import Reminder
from tracker.reminders import planner
from tracker.reminders.dispatcher import dispatch_due
from tracker.reminders.keys import generate_pem
from tracker.reminders.push import MAX_PLAINTEXT, PushConfig, PushMessage, send_push
from tracker.reminders.transport import Transport

from .conftest import SUBJECT, reminders, subscribe
from .declarative import flat
from .fakepush import b64d, b64e

KEY = Vapid02.from_pem(generate_pem())
OTHER_KEY = Vapid02.from_pem(generate_pem())


def raw_key(vapid: Vapid02, form=serialization.PublicFormat.UncompressedPoint) -> bytes:
    return vapid.public_key.public_bytes(serialization.Encoding.X962, form)


def jwt(claims: dict, header: dict | None = None, key: Vapid02 = KEY) -> str:
    head = b64e(json.dumps(header or {"typ": "JWT", "alg": "ES256"}).encode())
    body = b64e(json.dumps(claims).encode())
    r, s = decode_dss_signature(
        key.private_key.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    )
    return f"{head}.{body}.{b64e(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


class Request:
    """A request the fake accepts, built by hand (not by our send path), to break one way."""

    def __init__(self, fakepush) -> None:
        sub = fakepush.subscribe()
        self.endpoint, self.origin = sub["endpoint"], fakepush.origin
        self.claims = {
            "aud": fakepush.origin,
            "sub": SUBJECT,
            "exp": int(timeutil.now().timestamp()) + 3600,
        }
        self.body = WebPusher(sub).encode(b'{"title":"hi"}')["body"]
        self.headers = {
            "TTL": "60",
            "Content-Encoding": "aes128gcm",
            "Urgency": "normal",
            "Content-Type": "application/octet-stream",
        }
        self.sign()

    def sign(self, header: dict | None = None, key: Vapid02 = KEY, k: bytes | None = None) -> None:
        k = raw_key(KEY) if k is None else k
        self.headers["Authorization"] = f"vapid t={jwt(self.claims, header, key)},k={b64e(k)}"

    def header_block(self, rs: int = 4096, keyid: bytes | None = None) -> None:
        keyid = self.body[21:86] if keyid is None else keyid
        self.body = self.body[:16] + struct.pack("!IB", rs, len(keyid)) + keyid + self.body[86:]

    def post(self) -> int:
        parts = urlsplit(self.endpoint)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            conn.request("POST", parts.path, self.body, self.headers)
            return conn.getresponse().status
        finally:
            conn.close()


def claim(**values) -> Callable[[Request], None]:
    def change(request: Request) -> None:
        for name, value in values.items():
            if value is None:
                request.claims.pop(name, None)
            else:
                request.claims[name] = value(request) if callable(value) else value
        request.sign()

    return change


def header(name: str, value: str | None) -> Callable[[Request], None]:
    def change(request: Request) -> None:
        if value is None:
            del request.headers[name]
        else:
            request.headers[name] = value

    return change


def off_curve(request: Request) -> bytes:
    point = bytearray(request.body[21:86])
    point[-1] ^= 1  # y no longer matches x
    return bytes(point)


def in_hours(hours: float) -> Callable[[Request], int]:
    return lambda request: int((timeutil.now() + timedelta(hours=hours)).timestamp())


COMPRESSED = serialization.PublicFormat.CompressedPoint
MALFORMED = {
    # name: (change, status, the reason the fake must give)
    "no content type": (header("Content-Type", None), 400, "Content-Type"),
    "text/plain": (header("Content-Type", "text/plain"), 400, "Content-Type"),
    "no TTL": (header("TTL", None), 400, "TTL"),
    "negative TTL": (header("TTL", "-1"), 400, "TTL"),
    "fractional TTL": (header("TTL", "60.5"), 400, "TTL"),
    "word TTL": (header("TTL", "soon"), 400, "TTL"),
    "aesgcm": (header("Content-Encoding", "aesgcm"), 400, "Content-Encoding"),
    "no salt": (lambda r: setattr(r, "body", r.body[:10]), 400, "16-byte salt"),
    "rs 17": (lambda r: r.header_block(rs=17), 400, "below 18"),
    "rs 8192": (lambda r: r.header_block(rs=8192), 400, "not 4096"),
    "no keyid": (lambda r: r.header_block(keyid=b""), 400, "idlen 0"),
    "compressed keyid": (lambda r: r.header_block(keyid=raw_key(KEY, COMPRESSED)), 400, "idlen 33"),
    "keyid off the curve": (lambda r: r.header_block(keyid=off_curve(r)), 400, "keyid"),
    "keyid without 0x04": (lambda r: r.header_block(keyid=b"\x05" + r.body[22:86]), 400, "keyid"),
    "over 4096 bytes": (lambda r: setattr(r, "body", r.body + bytes(4000)), 413, "over 4096"),
    "ciphertext altered": (
        lambda r: setattr(r, "body", r.body[:-1] + bytes([r.body[-1] ^ 1])),
        400,
        "decryption failed",
    ),
    "WebPush scheme": (
        lambda r: r.headers.update(
            Authorization=r.headers["Authorization"].replace("vapid", "WebPush")
        ),
        403,
        "scheme",
    ),
    "ES384": (lambda r: r.sign(header={"typ": "JWT", "alg": "ES384"}), 403, "ES256"),
    "signed by another key": (lambda r: r.sign(key=OTHER_KEY), 403, "bad VAPID"),
    "k of another key": (lambda r: r.sign(k=raw_key(OTHER_KEY)), 403, "bad VAPID"),
    "k compressed": (lambda r: r.sign(k=raw_key(KEY, COMPRESSED)), 403, "k= is not"),
    "k off the curve": (lambda r: r.sign(k=raw_key(KEY)[:-1] + b"\x00"), 403, "k= is not"),
    "aud with a slash": (claim(aud=lambda r: r.origin + "/"), 403, "aud"),
    "aud elsewhere": (claim(aud="https://fcm.googleapis.com"), 403, "aud"),
    "no aud": (claim(aud=None), 403, "aud"),
    "no exp": (claim(exp=None), 403, "exp must be an integer"),
    "exp as text": (claim(exp=lambda r: str(r.claims["exp"])), 403, "exp must be an integer"),
    "exp passed": (claim(exp=in_hours(-0.01)), 403, "not within 24 h"),
    "exp in 25 h": (claim(exp=in_hours(25)), 403, "not within 24 h"),
    "no sub": (claim(sub=None), 403, "sub"),
    "sub without scheme": (claim(sub="ops@backrelief.example"), 403, "sub"),
    "sub empty mailto": (claim(sub="mailto:"), 403, "sub"),
    "sub mailto without domain": (claim(sub="mailto:ops"), 403, "sub"),
    "sub http": (claim(sub="http://backrelief.example"), 403, "sub"),
    "unknown endpoint": (lambda r: setattr(r, "endpoint", r.endpoint + "x"), 404, "unknown"),
}


def test_a_well_formed_request_is_accepted(fakepush):
    request = Request(fakepush)
    assert request.post() == 201
    assert fakepush.errors == []
    assert fakepush.payloads() == [{"title": "hi"}]


@pytest.mark.parametrize("name", MALFORMED)
def test_the_fake_refuses_each_malformed_request(fakepush, name):
    change, status, reason = MALFORMED[name]
    request = Request(fakepush)
    change(request)
    assert request.post() == status
    assert len(fakepush.errors) == 1 and reason in fakepush.errors[0], fakepush.errors
    assert fakepush.payloads() == []


def test_claims_at_the_limits_are_accepted(fakepush):
    request = Request(fakepush)
    claim(exp=in_hours(23.9), sub="https://backrelief.example/contact")(request)
    assert request.post() == 201
    assert fakepush.errors == []


# --- our send path --------------------------------------------------------------------------


def test_every_reminder_kind_passes_the_strict_service(app, alice, fakepush):
    """One reminder of each kind, with the longest, least ASCII text, through dispatch."""
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with app.app_context(), time_machine.travel(now, tick=False):
        sub = fakepush.subscribe()
        subscribe(alice.id, sub)
        kinds = sorted(planner.ACTIONS)
        db.session.execute(
            insert(Reminder),
            [
                {
                    "user_id": alice.id,
                    "kind": kind,
                    "subject_id": 1,
                    "slot": "x",
                    "due_at": now,
                    "next_attempt_at": now,
                    "stale_at": now + timedelta(hours=2),
                    "status": "pending",
                    "payload": {
                        "title": "Müde? 💆 " * 8,
                        "body": "Wasser trinken ☕ " * 40,
                        "url": "/",
                        "actions": planner.ACTIONS[kind],
                    },
                }
                for kind in kinds
            ],
        )
        db.session.commit()
        assert dispatch_due().sent == len(kinds)
        assert {r.status for r in reminders(alice.id)} == {"sent"}
    assert fakepush.errors == []
    assert sorted(p["kind"] for p in fakepush.payloads(sub["endpoint"])) == kinds
    for delivery in fakepush.deliveries:
        assert delivery.headers["content-type"] == "application/octet-stream"
        assert delivery.headers["ttl"] == str(2 * 3600)
        assert delivery.headers["urgency"] == planner.URGENCY[flat(delivery.payload)["kind"]]


def test_the_largest_payload_fills_exactly_4096_bytes_and_is_accepted(fakepush):
    sub = fakepush.subscribe()
    config = PushConfig(KEY, SUBJECT, 5.0, Transport(5.0))
    payload = {"title": ""}
    payload["title"] = "x" * (MAX_PLAINTEXT - len(json.dumps(payload, separators=(",", ":"))))

    class Target:
        endpoint, p256dh, auth = sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"]

    assert send_push(Target, PushMessage(payload, ttl=60), config).ok
    too_big = send_push(Target, PushMessage({**payload, "x": 1}, ttl=60), config)
    assert (too_big.result, fakepush.errors) == ("permanent", [])
    [delivery] = fakepush.deliveries
    assert int(delivery.headers["content-length"]) == 4096
    assert delivery.payload == payload
    assert b64d(delivery.vapid_key) == raw_key(KEY)
    assert delivery.claims["exp"] <= timeutil.now().timestamp() + 12 * 3600
