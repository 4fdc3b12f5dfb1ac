"""API authentication: a personal access token (Bearer) or the browser session with CSRF.

A request under /api/v1 carrying `Authorization: Bearer …` is authenticated by that token
alone (Flask-Login's request_loader; cookies sent along do not count) and is exempt from
CSRF: a cross-site page cannot set that header without a CORS preflight, and we allow none.
Anywhere else the header authenticates nothing, so pages, exports, token management and
calendar-link rotation need a signed-in browser. Every other unsafe request must carry a CSRF
token, as with forms. A read-only token gets a 403 on any unsafe method.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user
from sqlalchemy import bindparam, select

from ..accounts.activity import note_use
from ..extensions import csrf, db, login_manager
from ..models import ApiToken, User
from ..models.token import WRITE
from . import bp
from .errors import json_error

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Built once, like the sign-in lookup: it runs on every token request.
_BY_HASH = (
    select(User, ApiToken)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("hash"))
)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def token_request() -> bool:
    """A Bearer call to the API: its token is the only credential that counts."""
    return request.path.startswith(f"{bp.url_prefix}/") and bearer_token() is not None


def token_user() -> User | None:
    """The owner of this request's token (looked up once per request), or None."""
    if "api_token" not in g:
        row = db.session.execute(_BY_HASH, {"hash": ApiToken.hash(bearer_token())}).one_or_none()
        g.api_token, g.token_owner = (row.ApiToken, row.User) if row else (None, None)
        g.bad_token = row is None  # the 401 then says "invalid or revoked"
        if row is not None:
            note_use(row.ApiToken, "last_used_at")
    return g.token_owner


def load_user_from_request(_request) -> User | None:
    return token_user() if token_request() else None


def guard_request():
    """Read-only tokens may only read; CSRF-check every unsafe request a cookie authenticates."""
    if token_request():
        if request.method in UNSAFE and token_user() is not None and g.api_token.scope != WRITE:
            return json_error(403, {"auth": ["This token is read-only."]})
        return None
    # An API call with no session cookie can't ride on a victim's login, so it skips CSRF
    # and gets the clearer 401 from login_required instead of a CSRF 400.
    anonymous_api = request.path.startswith("/api/") and not current_user.is_authenticated
    if request.method in UNSAFE and not anonymous_api:
        csrf.protect(apply_exemptions=True)  # honours @csrf.exempt (reminders' action links)
    return None


def init_app(app: Flask) -> None:
    # We call csrf.protect() ourselves so Bearer-token requests can skip it.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    login_manager.request_loader(load_user_from_request)
    app.before_request(guard_request)
