"""API authentication: a personal access token (Bearer) or the browser session with CSRF.

A request carrying `Authorization: Bearer …` is authenticated by that token alone and is
exempt from CSRF (a cross-site page cannot set that header without a CORS preflight, and we
allow none). Every other unsafe request must carry a CSRF token, as with forms.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import current_user

from .. import timeutil
from ..extensions import csrf, db, login_manager
from ..models import ApiToken, User
from .errors import json_error

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def user_for_token(raw: str) -> User | None:
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(raw)))
    if token is None:
        return None
    token.last_used_at = timeutil.now()
    db.session.commit()
    return db.session.get(User, token.user_id)


def _exempt(view_function) -> bool:
    # Flask-WTF keeps its @csrf.exempt registry as "module.name" strings.
    return f"{view_function.__module__}.{view_function.__name__}" in csrf._exempt_views


def guard_request():
    """Authenticate Bearer requests; CSRF-check every other unsafe request."""
    raw = bearer_token()
    if raw is not None:
        user = user_for_token(raw)
        if user is None:
            return json_error(401, {"auth": ["Invalid or revoked token."]})
        # Per-request login: nothing is written to the session cookie.
        login_manager._update_request_context_with_user(user)
        g.token_auth = True
        return None
    # An API call with no session cookie can't ride on a victim's login, so it skips CSRF
    # and gets the clearer 401 from login_required instead of a CSRF 400.
    anonymous_api = request.path.startswith("/api/") and not current_user.is_authenticated
    if request.method in UNSAFE and request.endpoint and not anonymous_api:
        function = current_app.view_functions.get(request.endpoint)
        if function is not None and not _exempt(function):
            csrf.protect()
    return None


def init_app(app: Flask) -> None:
    # We call csrf.protect() ourselves so Bearer-token requests can skip it.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(guard_request)
