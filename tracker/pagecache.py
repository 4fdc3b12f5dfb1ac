"""Rendered-fragment cache for pages derived from a user's whole log.

Keyed on the user's data version (bumped in the same transaction as any change, see
models/versioning.py), so edits show at once; a short TTL covers what moves with the clock
(countdowns, "today"). Per process and bounded, so nothing to run or configure.
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
_entries: OrderedDict[tuple, tuple[float, str]] = OrderedDict()
_lock = threading.Lock()  # the dev server and gthread workers serve requests in threads


def cached_fragment(name: str, render: Callable[[], str]) -> Markup:
    """Return render() for the current user and URL, reusing it while nothing changed."""
    ttl = current_app.config.get("PAGE_CACHE_SECONDS", 0)
    if not ttl:
        return Markup(render())
    key = (
        name,
        current_user.id,
        current_user.data_version,
        current_user.timezone,
        request.full_path,
        # Fragments carry no forms today; keying on the CSRF secret keeps it safe if one does.
        session.get("csrf_token"),
    )
    # time.monotonic, not timeutil.now: this is cache ageing, not domain time.
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
        if hit and now - hit[0] < ttl:
            _entries.move_to_end(key)
            return Markup(hit[1])
    html = render()
    with _lock:
        _entries[key] = (now, html)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return Markup(html)


def clear() -> None:
    with _lock:
        _entries.clear()
