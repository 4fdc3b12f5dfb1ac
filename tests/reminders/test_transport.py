"""The push transport: keep-alive reuse, a connection the server dropped, timeouts, and one
deadline for the whole request however slowly a host trickles."""

from __future__ import annotations

import http.client
import io
import socket
import socketserver
import threading
import time

import pytest

from tracker.reminders.transport import MAX_BODY, Transport, read_response

ANSWER = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"


class Receiver(socketserver.ThreadingTCPServer):
    """HTTP/1.1 on loopback that counts connections; `drop` closes each one after answering
    without saying so (like a push service's idle timeout); `stall` never answers; `trickle`
    answers one byte every TRICKLE seconds; `deaf` never reads the request."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode: str = "keep") -> None:
        self.mode, self.connections, self.requests = mode, 0, 0
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/push/abc"

    def stop(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


TRICKLE = 0.2


class Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: Receiver = self.server
        server.connections += 1
        if server.mode == "deaf":
            server.release.wait(10)
            return
        while True:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline()
                if not line:
                    return
                head += line
            length = next(
                (
                    int(h.split(b":")[1])
                    for h in head.split(b"\r\n")
                    if h.lower().startswith(b"content-length")
                ),
                0,
            )
            self.rfile.read(length)
            server.requests += 1
            if server.mode == "stall":
                server.release.wait(10)
                return
            if server.mode == "trickle":  # a network behaviour: bounded by the client deadline
                for byte in ANSWER:
                    if server.release.wait(TRICKLE):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                return
            self.wfile.write(ANSWER)
            self.wfile.flush()
            if server.mode == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                return


@pytest.fixture
def receiver(request):
    server = Receiver(getattr(request, "param", "keep"))
    yield server
    server.stop()


def test_it_reuses_one_connection_for_consecutive_posts(receiver):
    transport = Transport(timeout=2)
    statuses = [transport.post(receiver.url, b"x" * 100, {"TTL": "60"}).status for _ in range(5)]
    assert statuses == [201] * 5
    assert (receiver.connections, receiver.requests) == (1, 5)
    transport.close()


@pytest.mark.parametrize("receiver", ["drop"], indirect=True)
def test_it_reconnects_when_the_server_dropped_an_idle_connection(receiver):
    transport = Transport(timeout=2)
    first = transport.post(receiver.url, b"x", {"TTL": "60"})
    receiver.release.wait(0.2)  # let the close reach us before the next send
    second = transport.post(receiver.url, b"x", {"TTL": "60"})
    assert (first.status, second.status) == (201, 201)
    assert (receiver.connections, receiver.requests) == (2, 2)  # nothing sent into a dead socket
    transport.close()


@pytest.mark.parametrize("receiver", ["stall"], indirect=True)
def test_a_stalled_answer_times_out_and_the_connection_is_not_reused(receiver):
    transport = Transport(timeout=0.3)
    with pytest.raises(TimeoutError):
        transport.post(receiver.url, b"x", {"TTL": "60"})
    assert transport.idle[("http", receiver.url.split("/")[2])] == []
    transport.close()


@pytest.mark.parametrize("receiver", ["trickle"], indirect=True)
def test_a_trickling_answer_cannot_outlast_the_deadline(receiver):
    """Each byte comes well within the timeout, so only a total deadline ends the request."""
    transport = Transport(timeout=3 * TRICKLE)
    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        transport.post(receiver.url, b"x", {"TTL": "60"})
    elapsed = time.perf_counter() - started
    assert 3 * TRICKLE <= elapsed < 3 * TRICKLE + 0.5  # the whole answer would take 9 s
    assert transport.idle[("http", receiver.url.split("/")[2])] == []
    transport.close()


@pytest.mark.parametrize("receiver", ["deaf"], indirect=True)
def test_a_host_that_never_reads_cannot_hold_the_write_past_the_deadline(receiver):
    transport = Transport(timeout=0.5)
    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        transport.post(receiver.url, bytes(64 * 1024 * 1024), {"TTL": "60"})  # > socket buffers
    assert time.perf_counter() - started < 1.0
    transport.close()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"HTTP/1.1 201 Created\r\nLocation: /m/1\r\nContent-Length: 0\r\n\r\n", (201, b"", True)),
        (
            b"HTTP/1.1 429 Too Many\r\nRetry-After: 120\r\nContent-Length: 4\r\n\r\nslow",
            (429, b"slow", True),
        ),
        (
            b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
            (400, b"hello world", True),
        ),
        (
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
            (201, b"ok", True),
        ),
        (
            b"HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            (201, b"", False),
        ),
        (b"HTTP/1.0 201 Created\r\nContent-Length: 0\r\n\r\n", (201, b"", False)),
        (b"HTTP/1.1 410 Gone\r\n\r\nunsubscribed", (410, b"unsubscribed", False)),
        (b"HTTP/1.1 204 No Content\r\n\r\n", (204, b"", True)),
    ],
)
def test_replies_are_read_to_their_end(raw, expected):
    reader = io.BufferedReader(io.BytesIO(raw + (b"NEXT" if expected[2] else b"")))
    status, headers, body, keep = read_response(reader)
    assert (status, body, keep) == expected
    if status == 429:
        assert headers["retry-after"] == "120"
    if keep:
        assert reader.read() == b"NEXT", "the connection stays in step for the next reply"


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 10) + b"x" * (MAX_BODY + 10),
        # A chunk claiming an absurd size is never read whole.
        b"Transfer-Encoding: chunked\r\n\r\n4\r\nxxxx\r\nfffffffffffff\r\n"
        + b"x" * (MAX_BODY + 10),
    ],
)
def test_an_oversized_reply_is_cut_and_its_connection_not_reused(framing):
    raw = b"HTTP/1.1 500 Oops\r\n" + framing
    status, _, body, keep = read_response(io.BufferedReader(io.BytesIO(raw)))
    assert (status, len(body), keep) == (500, MAX_BODY, False)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"SSH-2.0-OpenSSH\r\n",
        b"HTTP/1.1 20x OK\r\n\r\n",
        b"HTTP/1.1 2\xb2\xb3 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_a_garbled_or_cut_reply_raises(raw):
    with pytest.raises(http.client.HTTPException):
        read_response(io.BufferedReader(io.BytesIO(raw)))


def test_a_path_that_would_split_the_request_line_is_refused(receiver):
    with pytest.raises(http.client.InvalidURL):
        Transport(timeout=2).post(receiver.url + "?a=1 HTTP/1.1\x00", b"", {})
    assert receiver.requests == 0


@pytest.mark.parametrize(
    "headers", [{"Topic": "a\r\nX-Injected: 1"}, {"Topic": "caf\u00e9"}, {"Bad\nName": "1"}]
)
def test_a_header_that_would_split_the_request_is_refused(receiver, headers):
    with pytest.raises(http.client.InvalidURL):
        Transport(timeout=2).post(receiver.url, b"", headers)
    assert receiver.requests == 0
