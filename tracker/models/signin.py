"""A sign-in: one browser's login, named by the cookie and ended on log out.

Cookies carry the sign-in's random secret, never the account id, so a cookie stops working
the moment its sign-in ends (log out, "sign out everywhere else", password change, account
deletion) and can never open another account, even one that got a reused id.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, now_utc


class SignIn(db.Model):
    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "Firefox on Android", from the User-Agent at sign-in; shown in settings.
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @staticmethod
    def hash(raw: str) -> str:
        # 32 random bytes: a fast hash suffices (there is no dictionary to attack).
        return hashlib.sha256(raw.encode()).hexdigest()
