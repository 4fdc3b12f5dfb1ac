"""Cross-cutting web concerns: health check, error pages, security headers, template helpers."""

from __future__ import annotations

import functools
import logging
import re
from datetime import datetime

from flask import Flask, Request, abort, g, jsonify, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from wtforms import IntegerField

from . import timeutil
from .api.errors import json_error, wants_json
from .extensions import db, login_manager


class RowIdConverter(IntegerConverter):
    """`<int:…>` limited to the database's 64-bit ids: a larger number is a 404, not a driver
    OverflowError. Registered before any blueprint, so every rule uses it."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**63 - 1, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


class SafeJSONRequest(Request):
    """json.loads raises RecursionError (not ValueError) on very deep nesting such as
    `[[[[…`; treat that as the malformed JSON it is, so it is a 400 and never a 500."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            return None if silent else self.on_json_loading_failed(None)


# NUL: PostgreSQL refuses it in text. A lone UTF-16 surrogate ("\ud800" in JSON; a valid
# pair is decoded to one character) cannot be encoded as UTF-8, so no database, log or
# response can hold it either.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value, depth: int = 0) -> bool:
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if depth > 50:  # nothing we accept nests this deep; validation will refuse it anyway
        return False
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v, depth + 1) for v in value)
    return False


def reject_unstorable():
    """Text no database can store (NUL, lone surrogates) in a path segment, form or JSON
    body is a 400 up front, before any half of the request is written. (Query strings are only
    ever looked up; a NUL there that reaches PostgreSQL is handle_unstorable's DataError, and
    werkzeug decodes them with replacement characters, so they never hold surrogates.)"""
    sources = [request.view_args]
    if not (request.content_length or request.headers.get("Transfer-Encoding")):
        pass  # no body to parse (most GETs): skip building an empty form
    elif request.path.startswith("/api/") or request.is_json:
        sources.append(request.get_json(force=True, silent=True))
    else:
        sources.append(request.form.to_dict(flat=False))
    if any(_unstorable(source) for source in sources):
        abort(400, "Text must not contain NUL characters or unpaired surrogates (\\ud800).")


class BoundedIntegerField(IntegerField):
    """IntegerField that refuses more digits than `max_digits` before calling int(): past
    4,300 digits int() raises, and long before that a number is only a typo or an attack."""

    def __init__(self, *args, max_digits: int = 9, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_digits = max_digits

    def process_formdata(self, valuelist):
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-").lstrip("0")) > self.max_digits:
            self.data = None
            raise ValueError(f"Enter a number of at most {self.max_digits} digits.")
        super().process_formdata(valuelist)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter
    app.request_class = SafeJSONRequest
    if app.config["PROXY_FIX"]:
        # Trust X-Forwarded-* only from the configured number of proxies.
        n = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"

    # The user loader (cookies name a sign-in) is in accounts/signins.py; the Bearer-token
    # request loader in api/auth.py.

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for

        if wants_json():
            bad_token = g.get("bad_token")  # set by api/auth.py for an unknown Bearer token
            message = "Invalid or revoked token." if bad_token else "Authentication required."
            return json_error(401, {"auth": [message]})
        flash(login_manager.login_message, "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    app.add_url_rule("/healthz", "healthz", healthz)
    app.before_request(reject_unstorable)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(OperationalError, handle_db_down)
    app.register_error_handler(DataError, handle_unstorable)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(500, handle_500)
    app.after_request(security_headers)
    logging.getLogger("werkzeug").addFilter(REDACT_FILTER)  # the same object: added once
    app.logger.addFilter(REDACT_FILTER)
    app.jinja_env.filters["local"] = format_local
    app.jinja_env.globals["now_utc"] = timeutil.now
    app.jinja_env.globals["settings_sections"] = lambda page: [
        template
        for _, name, template in app.extensions.get("settings_sections", [])
        if name == page
    ]


def add_settings_page(
    app: Flask, slug: str, title: str, hint: str, order: int, endpoint: str | None = None
) -> None:
    """A row on the Settings hub. Without an endpoint the page is hosted by accounts
    (/settings/<slug>, listed in accounts.settings_views.HOSTED) and shows the sections
    added for that slug; with one, the capability serves the page itself."""
    pages = app.extensions.setdefault("settings_pages", [])
    pages.append((order, slug, title, hint, endpoint))
    pages.sort()


def add_settings_section(app: Flask, template: str, order: int = 50, page: str = "account") -> None:
    """Let a capability add a section (its own template and form endpoints) to one settings
    page: each page stays short, with at most one form to save."""
    sections = app.extensions.setdefault("settings_sections", [])
    sections.append((order, page, template))
    sections.sort()


def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except OperationalError:
        db.session.rollback()
        return json_error(503, {"database": ["unreachable"]})
    return jsonify(status="ok")


def handle_http(error: HTTPException):
    if wants_json():
        return json_error(error.code or 500, {"request": [error.description or error.name]})
    return render_template("error.html", error=error), error.code


def handle_csrf(error: CSRFError):
    if wants_json():
        return json_error(400, {"csrf": [error.description]})
    return render_template("error.html", error=error), 400


def handle_db_down(error: OperationalError):
    db.session.rollback()
    if wants_json():
        return json_error(503, {"database": ["Temporarily unavailable, please retry."]})
    return render_template("error.html", error=None, status=503), 503


def handle_unstorable(error: DataError):
    """Input the database refuses (PostgreSQL rejects NUL bytes in text): a 400, nothing kept."""
    db.session.rollback()
    message = "The request contains characters or values that cannot be stored."
    if wants_json():
        return json_error(400, {"request": [message]})
    return render_template("error.html", error=None, status=400, message=message), 400


def handle_500(error):
    # Never leave a half-finished transaction behind for the next request on this worker.
    db.session.rollback()
    if wants_json():
        return json_error(500, {"server": ["Internal error."]})
    return render_template("error.html", error=None, status=500), 500


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
PERMISSIONS = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=(), interest-cohort=()"
)


SECURITY_HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", PERMISSIONS),
    ("X-Frame-Options", "DENY"),
]
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(response):
    # One membership test and one extend: five setdefault() calls were a visible share of
    # a cached page's cost. No view sets these itself.
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        headers.extend(SECURITY_HEADERS)
    if request.is_secure and "Strict-Transport-Security" not in headers:
        headers.add(*HSTS)
    if "Cache-Control" not in headers and signed_in():
        # A signed-in person's pages hold health data: kept by no cache at all, not even the
        # browser's disk cache on a shared device (the service worker keeps its own offline
        # copies, cleared on log out). Static files set their own long caching.
        headers["Cache-Control"] = "no-store"
    return response


def signed_in() -> bool:
    """A browser session, or a Bearer token the request already loaded (never loads a user,
    so static files cost no query)."""
    if session.get("_user_id"):
        return True
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated)


def holds_secrets(response) -> bool:
    """BREACH: an HTML page for a signed-in session carries its CSRF token (constant per
    session) and sometimes the calendar link, next to text echoed from the query string.
    Such pages are sent uncompressed (pwa/assets.py compress_response asks here), unless the
    view echoes nothing an attacker chooses (`reflects_nothing`)."""
    if g.get("reflects_nothing") and response.status_code == 200:
        return False
    return response.mimetype == "text/html" and bool(session.get("_user_id"))


def reflects_nothing(*choices: str):
    """For a view whose page echoes nothing from the request but these query parameters, each
    checked against a fixed set of values: BREACH needs attacker-chosen text beside the
    secret, so such a page may be compressed while signed in. A request with any other
    parameter is sent uncompressed as usual. (The trends page with a few months of data is
    ~57 KB of HTML uncompressed, ~7 KB compressed: the 50 KB first-load budget.)"""

    def wrap(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            g.reflects_nothing = set(request.args) <= set(choices)
            return view(*args, **kwargs)

        return checked

    return wrap


# Secrets that travel in URL paths: the calendar feed token and notification action tokens
# (posted to the API, or opened as the one-tap /act/ page).
TOKEN_IN_PATH = re.compile(r"(/calendar/|/api/v1/actions/|/act/)[^/\s?#\"]+")


def redact_tokens(text: str) -> str:
    """The same text with those tokens replaced, for access logs."""
    return TOKEN_IN_PATH.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    """For werkzeug's request log (make run) and Flask's "Exception on <path>" lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


REDACT_FILTER = RedactTokens()


def format_local(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """Show a stored UTC time in the current user's zone."""
    from flask_login import current_user

    if value is None:
        return ""
    zone = current_user.timezone if current_user.is_authenticated else "UTC"
    return timeutil.to_local(value, zone).strftime(fmt)
