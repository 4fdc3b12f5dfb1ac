"""Personal access tokens: created here, checked by tracker/api/auth.py."""

from __future__ import annotations

import secrets

from ..extensions import db
from ..models import ApiToken, User
from ..models.token import WRITE

TOKEN_PREFIX = "br_"


def new_token(user: User, label: str, scope: str = WRITE) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, label=label, token_hash=ApiToken.hash(raw), prefix=raw[:8], scope=scope
    )
    db.session.add(token)
    return token, raw
