"""Manifest, service worker, offline and outbox pages."""

from __future__ import annotations

import hashlib
import hmac

from flask import (
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.routing import BuildError

from ..api import bp as api_bp
from . import bp
from .assets import hashed_name, static_url

THEME_LIGHT, THEME_DARK = "#2f6f73", "#16292a"
BACKGROUND_LIGHT, BACKGROUND_DARK = "#f7f8f6", "#111a1a"
# Scripts every page loads (base.html, in this order: each needs the ones before it).
PAGE_SCRIPTS = (
    "js/app.js",
    "js/common.js",  # self.BR: shared helpers (CSRF, JSON requests, form serialiser, VAPID key)
    "js/idb.js",  # BR.idb: the IndexedDB store
    "js/outbox.js",  # BR.outbox: the offline queue and its flush (pages and worker)
    "js/outbox-ui.js",  # the queue in the page: status line, /outbox list, offline submit
    "js/sw-register.js",
    "js/install.js",
)
# The app shell: everything a page needs to render offline. Missing files are skipped.
SHELL_FILES = (
    "css/app.css",
    *PAGE_SCRIPTS,
    "js/push.js",
    "js/logbook.js",
    "icons/icon-192.png",
    "icons/icon.svg",
    "icons/sprite.svg",  # the interface icons every page uses (<use href>)
)
# Scripts the worker runs (importScripts, in order): helpers, the outbox (Background Sync)
# and the reminders' push handlers.
WORKER_IMPORTS = ("js/common.js", "js/idb.js", "js/outbox.js", "js/sw-push.js")
# Templates whose output is precached: a change to any of them must produce a new worker.
SHELL_TEMPLATES = (
    "pwa/sw.js",
    "pwa/offline.html",
    "pwa/_head.html",
    "pwa/_shell.html",
    "base.html",
)
OFFLINE_URL = "/offline"


def _url(endpoint: str, fallback: str) -> str:
    try:
        return url_for(endpoint)
    except BuildError:  # a capability may be switched off; the manifest must still render
        return fallback


def _icon(name: str, size: int, purpose: str = "any") -> dict:
    return {"src": static_url(f"icons/{name}"), "sizes": f"{size}x{size}", "type": "image/png",
            "purpose": purpose}  # fmt: skip


def _screenshot(name: str, sizes: str, form_factor: str, label: str) -> dict:
    return {"src": static_url(f"screenshots/{name}"), "sizes": sizes, "type": "image/png",
            "form_factor": form_factor, "label": label}  # fmt: skip


@bp.get("/manifest.webmanifest")
def manifest():
    icon = [_icon("icon-192.png", 192)]
    data = {
        "id": "/",
        "name": "Back Relief",
        "short_name": "Back Relief",
        "description": "Keep your massage routine, with a therapist or at home: reminders "
        "before appointments and to drink water, a session logged in seconds, and trends that "
        "show what helps your back. Your data stays on your server.",
        "lang": "en",
        "dir": "ltr",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_LIGHT,
        "background_color": BACKGROUND_LIGHT,
        # Chromium's dark-mode manifest colours; other browsers ignore the member.
        "user_preferences": {
            "color_scheme_dark": {"theme_color": THEME_DARK, "background_color": BACKGROUND_DARK}
        },
        "icons": [
            _icon("icon-192.png", 192),
            _icon("icon-512.png", 512),
            _icon("maskable-192.png", 192, "maskable"),
            _icon("maskable-512.png", 512, "maskable"),
            _icon("monochrome-512.png", 512, "monochrome"),
        ],
        # Chromium's richer install dialog; made by bench/screenshots.py from the running app.
        "screenshots": [
            _screenshot("narrow.png", "390x844", "narrow", "Home: your routine and what is due"),
            _screenshot("wide.png", "1280x800", "wide", "Trends: pain before and after"),
        ],
        "shortcuts": [
            {
                "name": "Log a session",
                "short_name": "Log",
                "url": _url("logbook.new_session", "/sessions/new") + "?source=shortcut",
                "icons": icon,
            },
            {
                "name": "Next appointment",
                "short_name": "Appointment",
                "url": _url("routines.next_appointment", "/appointments/next") + "?source=shortcut",
                "icons": icon,
            },
        ],  # fmt: skip
        "categories": ["health", "lifestyle", "medical"],
    }
    response = make_response(jsonify(data))
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


def shell_version(files: list[str]) -> str:
    """One hash over every precached file and template: any change yields a new worker."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode())
    env = current_app.jinja_env
    for template in SHELL_TEMPLATES:
        source, _, _ = env.loader.get_source(env, template)
        digest.update(source.encode())
    return digest.hexdigest()[:12]


@bp.get("/sw.js")
def service_worker():
    shell = [name for name in map(hashed_name, SHELL_FILES) if name]
    imports = [name for name in map(hashed_name, WORKER_IMPORTS) if name]
    precache = [url_for("static", filename=name) for name in shell] + [OFFLINE_URL]
    body = render_template(
        "pwa/sw.js",
        version=shell_version(shell + imports),
        precache=precache,
        imports=[url_for("static", filename=name) for name in imports],
        offline_url=OFFLINE_URL,
        queue_forms={_url("logbook.new_session", "/sessions/new"): "session"},
    )
    response = make_response(body)
    response.mimetype = "text/javascript"
    # Browsers cap worker script caching at 24 h anyway; no-cache makes updates prompt.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get(OFFLINE_URL)
def offline():
    return render_template("pwa/offline.html", offline=True)


@bp.get("/outbox")
def outbox():
    """Entries saved on this device and not yet synced (rendered by outbox.js from IndexedDB)."""
    return render_template("pwa/offline.html", offline=False)


def outbox_account() -> str:
    """An opaque, stable value per signed-in user ("" when no one is): the offline queue tags
    each entry with it and only sends an entry while the same account is signed in. A keyed
    hash, so it neither reveals the user id nor can be guessed for another user."""
    if not current_user.is_authenticated:
        return ""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    message = f"outbox-account:{current_user.id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


@api_bp.get("/csrf-token")
def csrf_token():
    """A fresh CSRF token and who is signed in, for the offline queue's flush: the service
    worker has no page to read them from, and a page may be older than the session."""
    response = jsonify(csrf_token=generate_csrf(), account=outbox_account() or None)
    response.headers["Cache-Control"] = "no-store"
    return response


# The home page's endpoint. Signed in it is the dashboard; anonymous visitors get the landing
# page there instead of a bare login form, so a shared link or the installed app's start URL
# says what the app is.
HOME_ENDPOINT = "trends.dashboard"


@bp.before_app_request
def landing():
    if (
        request.endpoint == HOME_ENDPOINT
        and request.method in ("GET", "HEAD")
        and not current_user.is_authenticated
    ):
        response = make_response(render_template("pwa/landing.html"))
        response.headers["Cache-Control"] = "no-cache"  # the same URL is private when signed in
        response.headers["X-Signed-Out"] = "1"  # sw.js: drop the cached signed-in pages
        return response
    return None


@bp.get("/favicon.ico")
def favicon():
    return redirect(static_url("icons/favicon.ico"), code=301)
