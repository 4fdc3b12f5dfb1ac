"""A minimal fast push receiver for benchmarks: asyncio, keep-alive, no decryption.

`python -m bench.pushsink PORT` serves on 127.0.0.1:PORT until SIGTERM. POST /push/<token>
answers by the token's prefix: `ok…` 201, `gone…` 410, `flaky…` 503 then 201 alternately.
Every POST is recorded as (Topic header, arrival time). GET /stats returns
{"count": n, "received": [[topic, unix_time], ...]}; GET /reset clears the records.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time

received: list[tuple[str, float]] = []
flaky_calls: dict[str, int] = {}
REASONS = {200: "OK", 201: "Created", 410: "Gone", 503: "Service Unavailable", 404: "Not Found"}


def answer(status: int, body: bytes = b"") -> bytes:
    head = (
        f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Length: {len(body)}\r\n"
        "Content-Type: application/json\r\n\r\n"
    )
    return head.encode() + body


def status_for(token: str) -> int:
    if token.startswith("gone"):
        return 410
    if token.startswith("flaky"):
        flaky_calls[token] = flaky_calls.get(token, 0) + 1
        return 503 if flaky_calls[token] % 2 else 201
    return 201


def route(method: str, path: str, headers: dict[str, str]) -> bytes:
    if method == "POST" and path.startswith("/push/"):
        received.append((headers.get("topic", ""), time.time()))
        return answer(status_for(path.rsplit("/", 1)[-1]))
    if path == "/stats":
        return answer(200, json.dumps({"count": len(received), "received": received}).encode())
    if path == "/reset":
        received.clear()
        flaky_calls.clear()
        return answer(200, b"{}")
    return answer(404)


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if length:
                await reader.readexactly(length)
            writer.write(route(method, path, headers))
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError):
        pass  # the client hung up, or we are shutting down
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=256)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
