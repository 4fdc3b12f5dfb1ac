"""Login hardening: the same work for unknown emails, and guessing limits per account that a
stranger cannot turn into a lock-out of the owner (docs/security.md, "Guessing passwords").

- Every attempt runs one password-hash check: against the account's hash, or against a
  dummy hash when no account has that email, so the answer takes as long either way.
- A browser that has logged in to an account keeps a signed "device" cookie naming it. On
  that browser, attempts for that account count against the device's own budget, not the
  account's: strangers who use up the account's budget don't lock its owner out of the
  devices they already use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import User

DEVICE_COOKIE = "device"
DEVICE_SALT = "login-device-v1"
DEVICE_MAX_AGE = timedelta(days=400)  # browsers cap cookie lifetimes at 400 days
COOKIE_MAX = 256

_dummy_hash: str | None = None


def dummy_hash() -> str:
    """A hash made with the same method and cost as real ones; made once per process."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash(secrets.token_urlsafe(16))
    return _dummy_hash


def authenticate(email: str, password: str) -> User | None:
    """The account if the password matches; one hash check whether or not it exists."""
    user = User.by_email(email)
    matches = check_password_hash(user.password_hash if user else dummy_hash(), password)
    return user if user is not None and matches else None


def _email_tag(email: str) -> str:
    """Keyed, so the cookie does not tell a reader which address it belongs to."""
    key = current_app.secret_key.encode()
    return hmac.new(key, User.normalise_email(email).encode(), hashlib.sha256).hexdigest()[:24]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=DEVICE_SALT)


def remember_device(email: str) -> None:
    """Mark this browser as one that has logged in to the account (set on the response)."""
    value = _serializer().dumps({"e": _email_tag(email), "n": secrets.token_urlsafe(12)})

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=int(DEVICE_MAX_AGE.total_seconds()),
            path="/login",  # only the login form needs it
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response


def device_id() -> str | None:
    """This browser's device id if it has logged in to the account being tried, else None."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    if not raw or len(raw) > COOKIE_MAX:
        return None
    try:
        claims = _serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("n"), str):
        return None
    tag = _email_tag(request.form.get("email", ""))
    return claims["n"] if hmac.compare_digest(str(claims.get("e")), tag) else None


def account_key() -> str:
    """Rate-limit key per account, so one address cannot be guessed at from many IPs."""
    return "acct:" + User.normalise_email(request.form.get("email", ""))


def device_key() -> str:
    return f"device:{device_id()}"


def known_device() -> bool:
    return device_id() is not None
