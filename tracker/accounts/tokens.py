"""Personal access tokens and the request guard that accepts them instead of a session.

A request carrying `Authorization: Bearer …` is authenticated by that token alone and is
exempt from CSRF (a cross-site page cannot set that header without a CORS preflight, and we
allow none). Every other unsafe request must carry a CSRF token, as with forms.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app, g, request
from flask_login import current_user

from .. import timeutil
from ..extensions import csrf, db, login_manager
from ..models import ApiToken, User

TOKEN_PREFIX = "br_"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def new_token(user: User, label: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, label=label, token_hash=ApiToken.hash(raw), prefix=raw[:8])
    db.session.add(token)
    return token, raw


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
    from ..core import json_error

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
