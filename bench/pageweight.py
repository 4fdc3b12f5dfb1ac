"""Page weight in Chromium: bytes and requests for the dashboard's first and repeat load."""

from __future__ import annotations

import os

from .common import OUT, app_env, gunicorn, make_db
from .http import login_cookie

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TEXT_KINDS = ("document", "stylesheet", "script")


def load(context, url: str) -> list[dict]:
    """Navigate and return one record per finished request (size on the wire, cache source)."""
    page = context.new_page()
    records: list[dict] = []

    def finished(request):
        response = request.response()
        sizes = request.sizes()
        records.append(
            {
                "url": request.url,
                "kind": request.resource_type,
                "bytes": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                "cached": bool(response and response.from_service_worker),
            }
        )

    page.on("requestfinished", finished)
    page.goto(url, wait_until="networkidle")
    page.close()
    return records


def summarise(records: list[dict], base: str, server_hits: list[str]) -> dict:
    """Bytes as the page saw them; static requests as the server saw them (the worker's own
    fetches included, which the page cannot observe)."""
    network = [r for r in records if not r["cached"]]
    return {
        "requests": len(records),
        "text_bytes": sum(r["bytes"] for r in network if r["kind"] in TEXT_KINDS),
        "static_server_hits": [line for line in server_hits if " /static/" in line],
        "foreign": [r["url"] for r in records if not r["url"].startswith(base)],
    }


def new_lines(log, seen: int) -> tuple[list[str], int]:
    lines = log.read_text().splitlines() if log.exists() else []
    return lines[seen:], len(lines)


def run() -> dict:
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright

    from tracker import create_app

    from .seed import EMAIL, PASSWORD, seed_user

    env = app_env(make_db("pageweight"))
    os.environ.update(env)
    app = create_app()
    with app.app_context():
        upgrade()
        seed_user()
    log = OUT / "pageweight-access.log"
    log.unlink(missing_ok=True)
    with (
        gunicorn("tracker:create_app()", env=env, health="/healthz", access_log=log) as base,
        sync_playwright() as p,
    ):
        cookie = login_cookie(base, EMAIL, PASSWORD)
        name, value = cookie.split(";")[0].split("=", 1)
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        context.add_cookies([{"name": name, "value": value, "url": base}])
        _, seen = new_lines(log, 0)
        records = load(context, base + "/")
        hits, seen = new_lines(log, seen)
        first = summarise(records, base, hits)
        # Let the service worker install and precache, as it would between two visits.
        page = context.new_page()
        page.goto(base + "/")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.close()
        _, seen = new_lines(log, seen)
        records = load(context, base + "/")
        hits, seen = new_lines(log, seen)
        repeat = summarise(records, base, hits)
        browser.close()
    md = [
        "## 4. Page weight of the dashboard in Chromium (390×844, 2-year user)",
        "",
        "| load | requests | HTML+CSS+JS bytes on the wire | static requests reaching the server | other hosts |",
        "|---|---:|---:|---:|---:|",
        f"| first | {first['requests']} | {first['text_bytes']:,} | {len(first['static_server_hits'])} | "
        f"{len(first['foreign'])} |",
        f"| repeat | {repeat['requests']} | {repeat['text_bytes']:,} | "
        f"{len(repeat['static_server_hits'])} | {len(repeat['foreign'])} |",
        "",
        f"Targets: first load ≤ 50 KB — {first['text_bytes'] / 1024:.1f} KB, "
        f"{'met' if first['text_bytes'] <= 50 * 1024 else '**missed**'}; ≤ 10 requests — "
        f"{first['requests']}, {'met' if first['requests'] <= 10 else '**missed**'}; repeat load 0 "
        f"static files from the network — {len(repeat['static_server_hits'])} requests, "
        f"{'met' if not repeat['static_server_hits'] else '**missed**'}; other hosts — "
        f"{'none' if not first['foreign'] + repeat['foreign'] else first['foreign'] + repeat['foreign']}.",
        "",
    ]
    return {"first": first, "repeat": repeat, "markdown": md}
