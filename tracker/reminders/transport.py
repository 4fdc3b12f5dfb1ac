"""POSTs to push services over pooled keep-alive connections, on the standard library.

Measured per message (docs/benchmarks.md): requests cost ~1.5 ms of CPU and urllib3 ~0.9 ms
on top of http.client, each more than the encryption itself; the clock sends thousands.
"""

from __future__ import annotations

import http.client
import os
import select
import ssl
import threading
import urllib.request
import weakref
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import certifi

Key = tuple[str, str]  # scheme, host:port


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    retry_after: str = ""


def _close_all(idle: dict[Key, list[http.client.HTTPConnection]]) -> None:
    for connections in idle.values():
        for conn in connections:
            conn.close()
        connections.clear()


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """An idle keep-alive socket that is readable was closed by the server (or is out of
    step): never reuse it. Same test as urllib3's is_connection_dropped."""
    return conn.sock is None or bool(select.select([conn.sock], [], [], 0)[0])


class Transport:
    """Thread-safe: a sender checks a connection out, POSTs, and checks it back in."""

    def __init__(self, timeout: float, maxsize: int = 8) -> None:
        self.timeout = timeout
        self.maxsize = maxsize
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        self.context = ssl.create_default_context(cafile=bundle or certifi.where())
        proxy = urllib.request.getproxies().get("https")
        self.proxy = urlsplit(proxy) if proxy else None
        self.idle: dict[Key, list[http.client.HTTPConnection]] = defaultdict(list)
        self.lock = threading.Lock()
        weakref.finalize(self, _close_all, self.idle)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Response:
        """Raises TimeoutError, OSError or http.client.HTTPException when no answer came."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        conn = self._checkout(key, parts)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            # What conn.request() does, minus its header scanning and Accept-Encoding.
            conn.putrequest("POST", path, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)  # headers and body in one send
            response = conn.getresponse()
            data = response.read()
        except BaseException:
            conn.close()
            raise
        if response.will_close:
            conn.close()
        else:
            self._checkin(key, conn)
        return Response(response.status, data, response.getheader("Retry-After") or "")

    def close(self) -> None:
        with self.lock:
            _close_all(self.idle)

    def _checkout(self, key: Key, parts: SplitResult) -> http.client.HTTPConnection:
        with self.lock:
            while self.idle[key]:
                conn = self.idle[key].pop()
                if not _dropped(conn):
                    return conn
                conn.close()
        return self._open(parts)

    def _checkin(self, key: Key, conn: http.client.HTTPConnection) -> None:
        with self.lock:
            if len(self.idle[key]) < self.maxsize:
                self.idle[key].append(conn)
                return
        conn.close()

    def _open(self, parts: SplitResult) -> http.client.HTTPConnection:
        if parts.scheme == "http":  # loopback test and benchmark receivers only (allowlist)
            return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=self.timeout)
        if self.proxy is None:
            return http.client.HTTPSConnection(parts.hostname, parts.port or 443,
                                               timeout=self.timeout, context=self.context)
        # HTTPS_PROXY from the environment: CONNECT through it, TLS end to end.
        conn = http.client.HTTPSConnection(self.proxy.hostname, self.proxy.port or 80,
                                           timeout=self.timeout, context=self.context)
        conn.set_tunnel(parts.hostname, parts.port or 443)
        return conn
