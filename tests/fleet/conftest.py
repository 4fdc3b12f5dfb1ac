"""The fleet: real gunicorn instances and clock processes on one PostgreSQL and one Redis.

Runs only when TEST_DATABASE_URL is PostgreSQL and REDIS_URL is set (.ci/run's PostgreSQL
pass sets both). In CI a missing or unreachable Redis fails the run, never skips it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.reminders.fakepush import FakePushService
from tracker.reminders.keys import generate_pem

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("REDIS_URL")
ON_POSTGRES = (TEST_DATABASE_URL or "").startswith(("postgres://", "postgresql"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
LEASE = 8  # REMINDER_LEASE_SECONDS: short, so the killed-clock test takes seconds


def pytest_collection_modifyitems(config, items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here not in Path(item.fspath).parents or "fleet_env" not in item.fixturenames:
            continue  # e.g. the start-up warning tests need no services
        item.add_marker(pytest.mark.fleet)
        if not ON_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="needs TEST_DATABASE_URL=postgresql://..."))
        elif not REDIS_URL and not IN_CI:
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL=redis://..."))


@pytest.fixture(scope="session")
def redis_client():
    if not REDIS_URL:
        pytest.fail("REDIS_URL is not set: .ci/run starts redis-server and exports it")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at REDIS_URL={REDIS_URL} is unreachable: {error}")
    return client


@pytest.fixture
def fresh_redis(redis_client):
    redis_client.flushdb()  # rate-limit counters from an earlier test would leak into this one
    yield redis_client
    redis_client.flushdb()


@pytest.fixture
def fakepush():
    service = FakePushService()
    yield service
    service.close()


@pytest.fixture
def app_config(fakepush) -> dict:
    return {"PUSH_ENDPOINT_ALLOWLIST": [fakepush.origin]}


@pytest.fixture
def fleet_env(app, fakepush, fresh_redis, tmp_path) -> dict[str, str]:
    """What every process of the fleet gets: one database, one Redis, one key set."""
    return {
        **os.environ,
        "DATABASE_URL": TEST_DATABASE_URL,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "SECRET_KEY": "fleet-secret-" + "f" * 52,
        "BACK_RELIEF_DEV": "1",  # no APP_URL/VAPID_SUBJECT needed; everything else is explicit
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "VAPID_PRIVATE_KEY": generate_pem().decode(),
        "VAPID_SUBJECT": "mailto:ops@backrelief.example",
        "PUSH_ENDPOINT_ALLOWLIST": fakepush.origin,
        "PUSH_TIMEOUT_SECONDS": "3",
        "PUSH_WORKERS": "4",
        "REMINDER_DISPATCH_SECONDS": "1",
        "REMINDER_LEASE_SECONDS": str(LEASE),
        "PAGE_CACHE_SECONDS": "60",  # the production default: pages are cached
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Started processes, each with its log; all stopped at the end of the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        with (self.tmp_path / f"{name}.log").open("w") as log:  # the child keeps its own copy
            proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def processes(tmp_path):
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()


def wait_until(predicate, timeout: float, what: str, poll: float = 0.1) -> None:
    """Poll real processes for a state, failing with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def web_pair(fleet_env, processes) -> list[str]:
    """Two gunicorn instances (two workers each, as the Procfile) on two ports."""
    bases = []
    for name in ("web-a", "web-b"):
        port = free_port()
        processes.start(
            name,
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}"]
            + ["tracker:create_app()"],
            fleet_env,
        )
        bases.append(f"http://127.0.0.1:{port}")
    for name, base in zip(("web-a", "web-b"), bases, strict=True):
        wait_until(
            lambda b=base, n=name: _healthy(b) or processes.procs[n].poll() is not None,
            60,
            f"{name} to serve /healthz",
        )
        assert processes.procs[name].poll() is None, processes.log(name)
    return bases


def start_clock(processes: Processes, name: str, env: dict[str, str]) -> subprocess.Popen:
    return processes.start(name, [str(BIN / "flask"), "--app", "tracker", "reminders", "run"], env)
