"""Helpers shared by the benchmarks: servers on loopback, wrk runs, a seeded database."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
GUNICORN_ARGS = ["--workers", "2", "--worker-class", "sync", "--log-level", "warning"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


@contextmanager
def gunicorn(
    app_spec: str,
    env: dict[str, str] | None = None,
    health: str = "/",
    access_log: Path | None = None,
):
    """Serve `app_spec` with the same gunicorn settings for every app measured."""
    port = free_port()
    extra = ["--access-logfile", str(access_log)] if access_log else []
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), *GUNICORN_ARGS, *extra, "--bind", f"127.0.0.1:{port}", app_spec],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + health)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        return shutil.which("wrk") or "wrk"
    raise SystemExit("wrk is missing: sudo apt-get install -y wrk")


def wrk(
    url: str,
    *,
    seconds: int = 8,
    connections: int = 16,
    headers: dict | None = None,
    script: Path | None = None,
) -> dict:
    """Run wrk; return requests/s, p50 and p99 latency in ms, and non-2xx count."""
    cmd = [require_wrk(), "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),
        "non_2xx": int(bad.group(1)) if bad else 0,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def make_db(name: str) -> str:
    """A fresh migrated SQLite database under bench/out; returns its URL."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):  # a stale write-ahead log would be replayed
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def app_env(database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-" + "0" * 32,  # production needs 32 characters
        "VAPID_SUBJECT": "mailto:bench@backrelief.example",  # required in production mode
        "APP_URL": "https://bench.backrelief.app",  # required in production mode
        "RATELIMIT_ENABLED": "0",
        "INSTANCE_PATH": str(OUT / "instance"),
    }
