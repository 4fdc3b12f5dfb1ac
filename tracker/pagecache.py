"""Rendered-page cache for pages derived from a user's whole log (home and trends).

Keyed on the user's data version (bumped in the same transaction as any change, see
models/versioning.py), so edits show at once; a short TTL covers what moves with the clock
(countdowns, "today") and the in-app reminder notice (reminder rows do not bump the version).
Per process and bounded, so nothing to run or configure. Only the body is kept: headers and
cookies are still made per request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, request, session
from flask_login import current_user
from markupsafe import Markup

MAX_ENTRIES = 2048
MAX_CHARS = 32 * 1024 * 1024  # per process; a trends page is ~100 KB, a home page ~6 KB
_entries: OrderedDict[tuple, tuple[float, str]] = OrderedDict()
_size = [0]  # characters held, so the bound is on memory and not only on entries
_lock = threading.Lock()  # the dev server and gthread workers serve requests in threads


def cached_page(name: str, render: Callable[[], str]) -> Markup:
    """Return render() for the current user and URL, reusing it while nothing changed."""
    ttl = current_app.config.get("PAGE_CACHE_SECONDS", 0)
    csrf_secret = session.get("csrf_token")
    # A pending flash message is shown once, and a session without a CSRF secret would get a
    # token signed for it on first render: render both fresh.
    if not ttl or csrf_secret is None or session.get("_flashes"):
        return Markup(render())
    key = (
        name,
        current_user.id,
        current_user.data_version,
        current_user.timezone,
        request.full_path,
        csrf_secret,
    )  # the page holds CSRF tokens for this session
    # time.monotonic, not timeutil.now: this is cache ageing, not domain time.
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
        if hit and now - hit[0] < ttl:
            _entries.move_to_end(key)
            return Markup(hit[1])
    html = render()
    with _lock:
        old = _entries.pop(key, None)
        _size[0] += len(html) - (len(old[1]) if old else 0)
        _entries[key] = (now, html)
        while len(_entries) > MAX_ENTRIES or _size[0] > MAX_CHARS:
            _size[0] -= len(_entries.popitem(last=False)[1][1])
    return Markup(html)


def clear() -> None:
    with _lock:
        _entries.clear()
        _size[0] = 0
