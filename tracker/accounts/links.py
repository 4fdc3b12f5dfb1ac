"""Signed links mailed to people: reset a password, confirm a new email address.

No table: each token names the account and a fingerprint of what it may change (the
password hash; for an email change, the current address too). Using the link changes that,
so the link dies on use, and a password changed any other way kills it as well. Tokens
expire after LINK_MAX_AGE, by timeutil's clock.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from .. import timeutil
from ..extensions import db
from ..models import User

LINK_MAX_AGE = timedelta(hours=1)
RESET_SALT = "password-reset-v1"
EMAIL_SALT = "email-change-v1"
TOKEN_MAX = 512  # a real token is ~150 characters; refuse long junk before any work


class _ClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(timeutil.now().timestamp())  # the one clock, so tests can move it


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt, signer=_ClockSigner)


def _fingerprint(*values: str) -> str:
    """Short and keyed, so the token (readable, only signed) reveals nothing of the hash."""
    key = current_app.secret_key.encode()
    return hmac.new(key, "\0".join(values).encode(), hashlib.sha256).hexdigest()[:24]


def _load(salt: str, token: str) -> dict | None:
    if not isinstance(token, str) or len(token) > TOKEN_MAX:
        return None
    try:
        claims = _serializer(salt).loads(token, max_age=int(LINK_MAX_AGE.total_seconds()))
    except BadSignature:  # SignatureExpired included
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("u"), int):
        return None
    return claims


def external_url(endpoint: str, **values) -> str:
    """Links in mails start with APP_URL, never with the request's Host header, which an
    attacker could set to make the mail point at their own site (reset poisoning)."""
    base = current_app.config.get("APP_URL") or "http://localhost:5000"
    return base.rstrip("/") + url_for(endpoint, **values)


def reset_token(user: User) -> str:
    return _serializer(RESET_SALT).dumps({"u": user.id, "p": _fingerprint(user.password_hash)})


def user_for_reset(token: str) -> User | None:
    """The account a live reset token names, or None (bad, expired, used or outdated)."""
    claims = _load(RESET_SALT, token)
    user = db.session.get(User, claims["u"]) if claims else None
    if user is None or not hmac.compare_digest(
        str(claims.get("p")), _fingerprint(user.password_hash)
    ):
        return None
    return user


def email_token(user: User, new_email: str) -> str:
    claims = {"u": user.id, "e": new_email, "p": _fingerprint(user.password_hash, user.email)}
    return _serializer(EMAIL_SALT).dumps(claims)


def email_change_for(token: str) -> tuple[User, str] | None:
    """(account, new address) for a live email-change token, or None."""
    claims = _load(EMAIL_SALT, token)
    user = db.session.get(User, claims["u"]) if claims else None
    if user is None or not isinstance(claims.get("e"), str):
        return None
    if not hmac.compare_digest(str(claims.get("p")), _fingerprint(user.password_hash, user.email)):
        return None
    return user, claims["e"]
