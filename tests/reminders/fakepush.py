"""A fake Web Push service on loopback: decrypts like a browser, verifies VAPID like FCM.

Each subscription gets a key pair and auth secret generated here (the browser's half), so
the service can decrypt aes128gcm bodies (RFC 8291) and hand tests the plaintext payload.
Every request's VAPID JWT is verified (RFC 8292): ES256 signature against the `k=` key,
`aud` = this origin, `exp` no more than 24 h ahead, `sub` a mailto: or https: URL.
Tell it to answer 201 (default), any status, or "hang" per endpoint.
"""

from __future__ import annotations

import base64
import json
import secrets
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

    def script(self, endpoint: str, *answers: int | str) -> None:
        """Answer the next requests to `endpoint` with these statuses ("hang" never answers)."""
        self.scripts[endpoint.rsplit("/", 1)[-1]].extend(answers)

    def payloads(self, endpoint: str | None = None) -> list[dict]:
        """Decrypted payloads that were accepted (2xx), in arrival order."""
        token = endpoint.rsplit("/", 1)[-1] if endpoint else None
        return [
            d.payload
            for d in self.deliveries
            if isinstance(d.status, int) and d.status < 300 and token in (None, d.token)
        ]

    # --- the service's half ----------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        token = request.path.rsplit("/", 1)[-1]
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in request.headers.items()}
        claims, key, problem = self._verify_vapid(headers.get("authorization", ""))
        payload = None
        client = self.clients.get(token)
        if client is None:
            problem = problem or f"unknown endpoint {token}"
        elif problem is None:
            try:
                plain = http_ece.decrypt(
                    body,
                    private_key=client.private_key,
                    auth_secret=client.auth,
                    version="aes128gcm",
                )
                payload = json.loads(plain)
            except Exception as error:  # noqa: BLE001 (anything here is a failed decryption)
                problem = f"decryption failed: {error!r}"
            if headers.get("content-encoding") != "aes128gcm":
                problem = problem or "content-encoding must be aes128gcm"
        with self.lock:
            answers = self.scripts[token]
            status = answers.popleft() if answers else 201
            if problem:
                self.errors.append(problem)
                status = 403
            self.deliveries.append(Delivery(token, status, payload, headers, claims, key))
            self.arrived.set()
        if status == "hang":
            self.release.wait(30)
            return
        request.send_response(status)
        request.send_header("Content-Length", "0")
        request.end_headers()

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
        if not now < int(claims.get("exp", 0)) <= now + 24 * 3600:
            return claims, k, f"exp {claims.get('exp')} not within 24 h of {int(now)}"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return claims, k, f"sub {claims.get('sub')!r} must be mailto: or https:"
        return claims, k, None
