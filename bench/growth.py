"""Dashboard cost as history grows: 100, 1,000 and 10,000 sessions, same process, same run.

The page cache is off here, so every request does the full work (the cost of a cache miss).
"""

from __future__ import annotations

import os
import statistics
import time

from .common import app_env, make_db

SIZES = (100, 1_000, 10_000)


def measure(app, path: str, repeat: int) -> float:
    """Median seconds per request through the WSGI stack (no network noise)."""
    from .seed import EMAIL, PASSWORD

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    import re

    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf})
    for _ in range(5):  # warm caches and the connection pool
        assert client.get(path).status_code == 200
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(path)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(repeat: int = 60) -> dict:
    from flask_migrate import upgrade

    from tracker import create_app

    from .seed import seed_user

    results = {}
    for size in SIZES:
        # Cache off: this measures what grows with history, i.e. every cache miss.
        env = {**app_env(make_db(f"growth{size}")), "PAGE_CACHE_SECONDS": "0"}
        os.environ.update(env)
        app = create_app()
        with app.app_context():
            upgrade()
            seed_user(sessions=size)
        results[size] = {path: measure(app, path, repeat) for path in ("/", "/trends")}
    base = results[SIZES[0]]
    for size in SIZES:
        for path in ("/", "/trends"):
            results[size][f"{path} ratio"] = results[size][path] / base[path]
    return results
