"""A fake Web Push service on loopback, as strict as the real ones: decrypts like a browser,
verifies VAPID like FCM.

Each subscription gets a key pair and auth secret generated here (the browser's half), so
the service can decrypt aes128gcm bodies (RFC 8291) and hand tests the plaintext payload.
Every request is checked before it counts as delivered, and refused otherwise (the reason is
appended to `errors`):
- 400: `Content-Type: application/octet-stream` (RFC 8030 services refuse anything else),
  `TTL` a non-negative integer, `Content-Encoding: aes128gcm`, and the RFC 8188 header block:
  a 16-byte salt, rs of 4096 (browsers use and expect exactly that; RFC 8188 needs >= 18),
  one record, idlen 65 and a keyid that is an uncompressed P-256 point; then decryption.
- 413: a body over 4096 bytes.
- 403: the VAPID JWT (RFC 8292): scheme `vapid`, alg ES256, `k=` an uncompressed P-256 key
  that verifies the signature, `aud` = this origin exactly, an integer `exp` in the future and
  at most 24 h ahead, `sub` a mailto: address or an https: URL.
Tell it to answer 201 (default), any status, "hang" (never), "slow" (201 after `pace`
seconds) or "trickle" (201 one byte every `pace` seconds) per endpoint.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import struct
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .declarative import flat


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Delivery:
    token: str
    status: int | str
    payload: dict | None
    headers: dict
    claims: dict | None
    vapid_key: str | None


@dataclass
class Client:
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes


@dataclass
class FakePushService:
    server: ThreadingHTTPServer = field(init=False)
    clients: dict[str, Client] = field(default_factory=dict)
    scripts: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    deliveries: list[Delivery] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)  # set on every request
    lock: threading.Lock = field(default_factory=threading.Lock)
    pace: float = 0.25  # seconds, for "slow" and "trickle"

    def __post_init__(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server naming)
                service._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # --- the browser's half ----------------------------------------------------------------

    def subscribe(self) -> dict:
        """A PushSubscriptionJSON whose private half only this service knows."""
        token = secrets.token_urlsafe(12)
        key = ec.generate_private_key(ec.SECP256R1())
        auth = secrets.token_bytes(16)
        self.clients[token] = Client(key, auth)
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "keys": {"p256dh": b64e(public), "auth": b64e(auth)},
        }

    def script(self, endpoint: str, *answers: int | str | tuple[int, dict]) -> None:
        """Answer the next requests to `endpoint` with these statuses ("hang" never answers;
        (status, headers) adds reply headers such as Retry-After)."""
        self.scripts[endpoint.rsplit("/", 1)[-1]].extend(answers)

    def payloads(self, endpoint: str | None = None) -> list[dict]:
        """Decrypted payloads that were accepted (2xx), in arrival order; a declarative
        message is parsed by the spec's rules and flattened (declarative.flat)."""
        token = endpoint.rsplit("/", 1)[-1] if endpoint else None
        return [
            flat(d.payload)
            for d in self.deliveries
            if token in (None, d.token)
            and (d.status in ("slow", "trickle") or isinstance(d.status, int) and d.status < 300)
        ]

    def received(self) -> list[dict]:
        """Every decrypted payload, whatever the answer: a push service may deliver a message
        whose reply the sender never saw (a timeout), so this is what a device can get."""
        return [flat(d.payload) for d in self.deliveries if d.payload is not None]

    # --- the service's half ----------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        token = request.path.rsplit("/", 1)[-1]
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in request.headers.items()}
        claims, key, problem = self._verify_vapid(headers.get("authorization", ""))
        refusal = 403 if problem else None
        payload = None
        client = self.clients.get(token)
        if client is None:
            refusal, problem = refusal or 404, problem or f"unknown endpoint {token}"
        elif problem is None:
            refusal, problem = self._check_message(headers, body)
        if problem is None:
            try:
                plain = http_ece.decrypt(
                    body,
                    private_key=client.private_key,
                    auth_secret=client.auth,
                    version="aes128gcm",
                )
                payload = json.loads(plain)
            except Exception as error:  # noqa: BLE001 (anything here is a failed decryption)
                refusal, problem = 400, f"decryption failed: {error!r}"
        with self.lock:
            answers = self.scripts[token]
            status = answers.popleft() if answers else 201
            if problem:
                self.errors.append(problem)
                status = refusal
            self.deliveries.append(Delivery(token, status, payload, headers, claims, key))
            self.arrived.set()
        if status == "hang":
            self.release.wait(30)
            return
        if status == "slow" and self.release.wait(self.pace):
            return
        if status == "trickle":  # each byte well within a read timeout; the whole reply not
            for byte in b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n":
                if self.release.wait(self.pace):
                    return
                request.wfile.write(bytes([byte]))
                request.wfile.flush()
            request.close_connection = True
            return
        status = 201 if status == "slow" else status
        status, extra = status if isinstance(status, tuple) else (status, {})
        request.send_response(status)
        for name, value in extra.items():
            request.send_header(name, value)
        request.send_header("Content-Length", "0")
        request.end_headers()

    @staticmethod
    def _check_message(headers: dict, body: bytes) -> tuple[int | None, str | None]:
        """The request headers and the aes128gcm header block (RFC 8188 section 2.1)."""
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/octet-stream":
            return 400, f"Content-Type must be application/octet-stream, got {media_type!r}"
        ttl = headers.get("ttl")
        if ttl is None or not (ttl.isascii() and ttl.isdigit()):
            return 400, f"TTL must be a non-negative integer, got {ttl!r}"
        if headers.get("content-encoding") != "aes128gcm":
            return 400, "Content-Encoding must be aes128gcm"
        if len(body) > 4096:
            return 413, f"body of {len(body)} bytes is over 4096"
        if len(body) < 21:
            return 400, "header block cut short: no 16-byte salt, rs and idlen"
        rs, idlen = struct.unpack("!IB", body[16:21])
        if rs < 18:
            return 400, f"rs {rs} is below 18"
        if rs != 4096:
            return 400, f"rs {rs} is not 4096"
        if idlen != 65 or len(body) < 86:
            return 400, f"idlen {idlen} is not 65 (an uncompressed P-256 key)"
        if not valid_point(body[21:86]):
            return 400, "keyid is not an uncompressed P-256 point"
        return None, None  # one record: rs 4096 holds any body of at most 4096 bytes

    def _verify_vapid(self, header: str) -> tuple[dict | None, str | None, str | None]:
        scheme, _, params = header.partition(" ")
        if scheme.lower() != "vapid":
            return None, None, f"Authorization scheme must be vapid, got {header[:20]!r}"
        parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
        token, k = parts.get("t", ""), parts.get("k", "")
        try:
            head_b64, claims_b64, sig_b64 = token.split(".")
            head = json.loads(b64d(head_b64))
            claims = json.loads(b64d(claims_b64))
            signature = b64d(sig_b64)
            if not (isinstance(head, dict) and isinstance(claims, dict)):
                return None, k, "JWT header and claims must be JSON objects"
            if not valid_point(b64d(k)):
                return None, k, "k= is not an uncompressed P-256 public key"
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(k))
            if head.get("alg") != "ES256" or len(signature) != 64:
                return claims, k, "JWT must be ES256 with a 64-byte signature"
            public.verify(
                encode_dss_signature(
                    int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                ),
                f"{head_b64}.{claims_b64}".encode(),
                ec.ECDSA(hashes.SHA256()),
            )
        except (ValueError, InvalidSignature, json.JSONDecodeError) as error:
            return None, k, f"bad VAPID token: {error!r}"
        now = time.time()
        if claims.get("aud") != self.origin:
            return claims, k, f"aud {claims.get('aud')!r} is not {self.origin}"
        exp = claims.get("exp")
        if type(exp) is not int:
            return claims, k, f"exp must be an integer, got {exp!r}"
        if not now < exp <= now + 24 * 3600:
            return claims, k, f"exp {exp} not within 24 h of {int(now)}"
        if not SUBJECT.fullmatch(str(claims.get("sub", ""))):
            return claims, k, f"sub {claims.get('sub')!r} must be a mailto: or https: URL"
        return claims, k, None


SUBJECT = re.compile(r"mailto:[^@\s/]+@[^@\s/]+\.[^@\s/]+|https://[^/\s:@]+(:\d+)?(/\S*)?")


def valid_point(raw: bytes) -> bool:
    """An uncompressed P-256 point (0x04 || x || y) on the curve."""
    if len(raw) != 65 or raw[0] != 4:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True
