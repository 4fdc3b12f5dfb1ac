"""The push transport: keep-alive reuse, a connection the server dropped, timeouts."""

from __future__ import annotations

import socket
import socketserver
import threading

import pytest

from tracker.reminders.transport import Transport

ANSWER = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"


class Receiver(socketserver.ThreadingTCPServer):
    """HTTP/1.1 on loopback that counts connections; `drop` closes each one after answering
    without saying so (like a push service's idle timeout); `stall` never answers."""

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


class Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: Receiver = self.server
        server.connections += 1
        while True:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline()
                if not line:
                    return
                head += line
            length = next((int(h.split(b":")[1]) for h in head.split(b"\r\n")
                           if h.lower().startswith(b"content-length")), 0)
            self.rfile.read(length)
            server.requests += 1
            if server.mode == "stall":
                server.release.wait(10)
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
