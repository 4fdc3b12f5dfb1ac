"""Cross-cutting web concerns: health check, error pages, security headers, template helpers."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import timeutil
from .extensions import db, login_manager


def init_app(app: Flask) -> None:
    if app.config["PROXY_FIX"]:
        # Trust X-Forwarded-* only from the configured number of proxies.
        n = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        from .models import User

        return db.session.get(User, int(user_id)) if user_id.isdigit() else None

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for

        if wants_json():
            return json_error(401, {"auth": ["Authentication required."]})
        flash(login_manager.login_message, "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    app.add_url_rule("/healthz", "healthz", healthz)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(OperationalError, handle_db_down)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(500, handle_500)
    app.after_request(security_headers)
    app.jinja_env.filters["local"] = format_local
    app.jinja_env.globals["now_utc"] = timeutil.now


def add_settings_section(app: Flask, template: str, order: int = 50) -> None:
    """Let a capability add a section (its own template and form endpoints) to /settings."""
    sections = app.extensions.setdefault("settings_sections", [])
    sections.append((order, template))
    sections.sort()


def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except OperationalError:
        db.session.rollback()
        return json_error(503, {"database": ["unreachable"]})
    return jsonify(status="ok")


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(status: int, errors: dict):
    response = jsonify(errors=errors)
    response.status_code = status
    return response


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


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS)
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def format_local(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """Show a stored UTC time in the current user's zone."""
    from flask_login import current_user

    if value is None:
        return ""
    zone = current_user.timezone if current_user.is_authenticated else "UTC"
    return timeutil.to_local(value, zone).strftime(fmt)
