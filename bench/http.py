"""HTTP throughput under gunicorn: hello-world (the ceiling) vs the app's pages and API."""

from __future__ import annotations

import os
import re
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from .common import OUT, app_env, gunicorn, make_db, wrk

POST_SCRIPT = """
-- Each request logs a new session with a fresh client UUID.
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
local function uuid()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end
request = function()
  local body = '{"id":"' .. uuid() .. '","occurred_at":"2026-01-05T10:00:00+01:00",' ..
    '"kind":"self","pain_before":6,"pain_after":3,"mood":4}'
  return wrk.format("POST", "/api/v1/sessions", nil, body)
end
"""


# Flask-Login ties a session to the browser that logged in (address and User-Agent); a
# session used by another User-Agent is marked non-fresh and re-sent on every response. A
# real browser keeps its User-Agent, so the login and every wrk request send the same one.
USER_AGENT = "Mozilla/5.0 (Linux; Android 14) back-relief-bench"


def login_cookie(base: str, email: str, password: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    opener.open(base + "/login", data.encode()).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def run(seconds: int = 8) -> dict:
    from tracker import create_app

    from .seed import EMAIL, PASSWORD, seed_user

    url = make_db("http")
    env = app_env(url)
    os.environ.update(env)
    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        token = seed_user()
    results: dict[str, dict] = {}
    with gunicorn("bench.hello:app") as base:
        results["hello-world"] = wrk(base + "/", seconds=seconds)
    with gunicorn("tracker:create_app()", env=env, health="/healthz") as base:
        browser = {"Cookie": login_cookie(base, EMAIL, PASSWORD), "User-Agent": USER_AGENT}
        results["/healthz"] = wrk(base + "/healthz", seconds=seconds)
        results["dashboard /"] = wrk(base + "/", seconds=seconds, headers=browser)
        results["/trends"] = wrk(base + "/trends", seconds=seconds, headers=browser)
        script = Path(OUT / "post_session.lua")
        script.write_text(POST_SCRIPT)
        results["POST /api/v1/sessions"] = wrk(
            base + "/api/v1/sessions",
            seconds=seconds,
            script=script,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
    # The same pages with the page cache off: every request recomputes (a cache miss).
    with gunicorn(
        "tracker:create_app()", env={**env, "PAGE_CACHE_SECONDS": "0"}, health="/healthz"
    ) as base:
        browser = {"Cookie": login_cookie(base, EMAIL, PASSWORD), "User-Agent": USER_AGENT}
        results["dashboard / (cache off)"] = wrk(base + "/", seconds=seconds, headers=browser)
        results["/trends (cache off)"] = wrk(base + "/trends", seconds=seconds, headers=browser)
    ceiling = results["hello-world"]["rps"]
    for r in results.values():
        r["ratio"] = r["rps"] / ceiling
    return results
