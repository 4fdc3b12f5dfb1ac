"""POSTs to push services over pooled keep-alive connections, on the standard library.

Measured per message (docs/benchmarks.md): requests cost ~1.5 ms of CPU and urllib3 ~0.9 ms
on top of http.client, each more than the encryption itself; the clock sends thousands.
http.client opens each TCP connection (and writes a proxy's CONNECT); the exchange itself is
a small HTTP/1.1 writer and reader here, because http.client parses every reply's headers
with the `email` package, which cost a third of a send.

Each POST has one deadline for connect, TLS handshake, write and read together: every socket
wait gets only what is left of it, so a host trickling a byte every few seconds cannot hold a
sender (and the lease of the pass) longer than the timeout. DNS resolution is not bounded.
"""

from __future__ import annotations

import http.client
import io
import os
import select
import socket
import ssl
import threading
import time
import urllib.request
import weakref
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit

import certifi

Key = tuple[str, str]  # scheme, host:port


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    retry_after: str = ""


MAX_LINE, MAX_HEADERS, MAX_BODY = 8192, 100, 65536


def remaining(deadline: float) -> float:
    # time.monotonic, not timeutil.now: a network deadline, not domain time (tests freeze the
    # wall clock, never this one).
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("push request deadline passed")
    return left


class DeadlineIO(io.RawIOBase):
    """The socket as a raw stream whose every recv waits only until `deadline`."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.deadline = sock, 0.0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.sock.settimeout(remaining(self.deadline))
        return self.sock.recv_into(buffer)


def send_all(sock: socket.socket, data: bytes, deadline: float) -> None:
    """sendall() restarts an SSL socket's timeout for every chunk; this keeps one deadline."""
    view = memoryview(data)
    while view:
        sock.settimeout(remaining(deadline))
        view = view[sock.send(view) :]


class Connection:
    """An open socket and a buffered reader kept with it for the replies."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.raw = sock, DeadlineIO(sock)
        self.reader = io.BufferedReader(self.raw)

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def _line(reader) -> bytes:
    line = reader.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise http.client.LineTooLong("reply line")
    return line


def _safe(text: str) -> bool:
    return text.isascii() and text.isprintable()


def _chunk_size(line: bytes) -> int:
    digits = line.split(b";")[0].strip()
    try:
        return int(digits, 16)
    except ValueError:
        raise http.client.HTTPException(f"bad chunk size {digits[:20]!r}") from None


def read_response(reader) -> tuple[int, dict[str, str], bytes, bool]:
    """(status, lower-cased headers, body, connection reusable) of one HTTP/1.x reply.
    Bodies are read to their end (so the connection stays in step) but kept only up to
    MAX_BODY; a longer one closes the connection instead."""
    while True:
        line = _line(reader)
        if not line:
            raise http.client.RemoteDisconnected("connection closed without a reply")
        version, _, rest = line.decode("latin-1").partition(" ")
        code = rest[:3]
        if not (
            version.startswith("HTTP/1.") and code.isascii() and code.isdigit() and len(code) == 3
        ):
            raise http.client.BadStatusLine(line.decode("latin-1").strip())
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS):
            line = _line(reader)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            raise http.client.HTTPException("too many reply headers")
        status = int(code)
        if status >= 200:
            break  # skip any 1xx interim reply
    connection = headers.get("connection", "").lower()
    keep = "close" not in connection and (version != "HTTP/1.0" or "keep-alive" in connection)
    if status in (204, 304):
        return status, headers, b"", keep
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            size = _chunk_size(_line(reader))
            if size == 0:
                while _line(reader) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return status, headers, bytes(body), keep
            if len(body) + size > MAX_BODY:  # keep the start, drop the connection
                return status, headers, bytes(body) + reader.read(MAX_BODY - len(body)), False
            body += reader.read(size)
            _line(reader)
    length = headers.get("content-length", "")
    if length.isascii() and length.isdigit():
        size = int(length)
        data = reader.read(min(size, MAX_BODY))
        if len(data) < min(size, MAX_BODY):
            raise http.client.IncompleteRead(data)
        return status, headers, data, keep and size <= MAX_BODY
    return status, headers, reader.read(MAX_BODY), False  # delimited by closing


def _close_all(idle: dict[Key, list[Connection]]) -> None:
    for connections in idle.values():
        for conn in connections:
            conn.close()
        connections.clear()


def _dropped(conn: Connection) -> bool:
    """An idle keep-alive socket that is readable was closed by the server (or is out of
    step): never reuse it. Same test as urllib3's is_connection_dropped."""
    return conn.sock.fileno() < 0 or bool(select.select([conn.sock], [], [], 0)[0])


@lru_cache(maxsize=4096)
def _target(url: str) -> tuple[Key, str, SplitResult]:
    """An endpoint parsed and checked once, not on every send (urlsplit's own cache holds
    128 URLs; there is one endpoint per device)."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not _safe(path) or " " in path:
        raise http.client.InvalidURL(f"unsafe characters in {path!r}")
    return (parts.scheme, parts.netloc), path, parts


class Transport:
    """Thread-safe: a sender checks a connection out, POSTs, and checks it back in."""

    def __init__(self, timeout: float, maxsize: int = 8) -> None:
        self.timeout = timeout
        self.maxsize = maxsize
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        self.context = ssl.create_default_context(cafile=bundle or certifi.where())
        proxy = urllib.request.getproxies().get("https")
        self.proxy = urlsplit(proxy) if proxy else None
        self.idle: dict[Key, list[Connection]] = defaultdict(list)
        self.lock = threading.Lock()
        weakref.finalize(self, _close_all, self.idle)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Response:
        """Raises TimeoutError, OSError or http.client.HTTPException when no answer came."""
        key, path, parts = _target(url)
        # The request is written by hand, so nothing may split a line or leave ASCII. Checked
        # joined (one call each instead of two per header): a per-character property.
        if not (_safe("".join(headers)) and _safe("".join(headers.values()))):
            raise http.client.InvalidURL("unsafe characters in a header")
        head = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        request = ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body
        deadline = time.monotonic() + self.timeout
        conn = self._checkout(key, parts, deadline)
        try:
            conn.raw.deadline = deadline
            send_all(conn.sock, request, deadline)
            status, reply, data, keep = read_response(conn.reader)
        except BaseException:
            conn.close()
            raise
        if keep:
            self._checkin(key, conn)
        else:
            conn.close()
        return Response(status, data, reply.get("retry-after", ""))

    def close(self) -> None:
        with self.lock:
            _close_all(self.idle)

    def _checkout(self, key: Key, parts: SplitResult, deadline: float) -> Connection:
        while True:
            with self.lock:
                conn = self.idle[key].pop() if self.idle[key] else None
            if conn is None:
                return Connection(self._connect(parts, deadline))
            # Outside the lock: a system call, during which other senders check in and out.
            if not _dropped(conn):
                return conn
            conn.close()

    def _checkin(self, key: Key, conn: Connection) -> None:
        with self.lock:
            if len(self.idle[key]) < self.maxsize:
                self.idle[key].append(conn)
                return
        conn.close()

    def _connect(self, parts: SplitResult, deadline: float) -> socket.socket:
        host = parts.hostname or ""
        port = parts.port or (80 if parts.scheme == "http" else 443)
        if parts.scheme == "https" and self.proxy is not None:
            # HTTPS_PROXY from the environment: CONNECT through it, TLS end to end (below).
            opener = http.client.HTTPConnection(
                self.proxy.hostname, self.proxy.port or 80, timeout=remaining(deadline)
            )
            opener.set_tunnel(host, port)
        else:
            opener = http.client.HTTPConnection(host, port, timeout=remaining(deadline))
        opener.connect()
        sock = opener.sock
        if parts.scheme == "http":  # loopback test and benchmark receivers only (allowlist)
            return sock
        try:
            # CPython bounds the whole handshake (all its reads) by the timeout it starts with.
            sock.settimeout(remaining(deadline))
            return self.context.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
