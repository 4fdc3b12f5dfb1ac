"""Sign-ins: start one at log in, find it from the cookie, end it (here or from elsewhere).

Both cookies (Flask's session and Flask-Login's remember cookie) carry the sign-in's secret
through User.get_id, Flask-Login's "alternative id". The loader accepts a cookie only while
its sign-in is live, so logging out, "sign out" in settings, a password change or deleting
the account make every copy of those cookies worthless.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, delete, or_, select, update

from .. import timeutil
from ..api.auth import token_request, token_user
from ..extensions import db
from ..models import SignIn, User
from .activity import note_use

SECRET_MAX = 64  # token_urlsafe(32) is 43 characters; never hash an arbitrarily long value
_LIVE = (
    select(User, SignIn)
    .join(SignIn, SignIn.user_id == User.id)
    .where(SignIn.token_hash == bindparam("hash"), SignIn.ended_at.is_(None))
)


def idle_limit() -> timedelta:
    """A sign-in unseen for as long as a remember cookie lives is over."""
    value = current_app.config.get("REMEMBER_COOKIE_DURATION", timedelta(days=365))
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


# User-Agent markers, first match wins (Chrome's UA also says Safari, Edge's says Chrome).
BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """A human name for the browser, e.g. "Firefox on Android"."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), "Browser")
    system = next((name for marker, name in SYSTEMS if marker in user_agent), "")
    return f"{browser} on {system}" if system else browser


def sign_in(user: User, remember: bool) -> SignIn:
    """Start a sign-in for this browser and set its cookies. The caller commits."""
    now = timeutil.now()
    stale = now - idle_limit()
    db.session.execute(
        delete(SignIn).where(
            SignIn.user_id == user.id,
            or_(SignIn.ended_at.is_not(None), SignIn.last_seen_at < stale),
        )
    )
    raw = secrets.token_urlsafe(32)
    signin = SignIn(
        user_id=user.id,
        token_hash=SignIn.hash(raw),
        created_at=now,
        last_seen_at=now,
        label=device_label(request.headers.get("User-Agent", ""))[:120],
    )
    db.session.add(signin)
    db.session.flush()
    user.current_signin, user.signin_secret = signin, raw
    login_user(user, remember=remember)
    # A CSRF secret planted before login (say, by someone who had this browser) must not
    # outlive it. The new one is made now, not on the next form, so the first page after
    # login already has the secret the page cache is keyed on.
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)
    generate_csrf()
    return signin


def load_user(secret: str) -> User | None:
    """Flask-Login's user_loader: the owner of the live sign-in this cookie names."""
    if token_request():
        return token_user()  # a Bearer call to the API: the token alone counts, not cookies
    row = None
    if isinstance(secret, str) and len(secret) <= SECRET_MAX:
        row = db.session.execute(_LIVE, {"hash": SignIn.hash(secret)}).one_or_none()
    if row is None or row.SignIn.last_seen_at < timeutil.now() - idle_limit():
        # Ended, expired or an old-style cookie: drop both cookies rather than send them on
        # every request (Flask-Login deletes the remember cookie when it sees "clear").
        session.pop("_user_id", None)
        session["_remember"] = "clear"
        return None
    user, signin = row
    note_use(signin, "last_seen_at")
    user.current_signin, user.signin_secret = signin, secret
    return user


def live_signins(user: User) -> list[SignIn]:
    stale = timeutil.now() - idle_limit()
    return list(
        db.session.scalars(
            select(SignIn)
            .where(
                SignIn.user_id == user.id, SignIn.ended_at.is_(None), SignIn.last_seen_at >= stale
            )
            .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())
        )
    )


def end(signin: SignIn) -> None:
    signin.ended_at = timeutil.now()


def end_all(user: User) -> int:
    """End every sign-in of the user, this browser's included (a password reset)."""
    query = update(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
    return db.session.execute(query.values(ended_at=timeutil.now())).rowcount


def end_others(user: User) -> int:
    """End every sign-in of the user but this browser's; returns how many ended."""
    query = update(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
    if user.current_signin is not None:
        query = query.where(SignIn.id != user.current_signin.id)
    return db.session.execute(query.values(ended_at=timeutil.now())).rowcount
