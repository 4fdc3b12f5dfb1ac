"""Read-only share links to the therapist summary: expiring, revocable, stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, now_utc


class ShareLink(db.Model):
    __tablename__ = "share_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the summary shows, fixed when the link is made (the data itself stays live).
    range_key: Mapped[str] = mapped_column(String(8))
    sessions: Mapped[int]
    all_notes: Mapped[bool] = mapped_column(default=False)
    show_initials: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @staticmethod
    def hash(raw: str) -> str:
        # 32 random bytes: a fast hash is enough (nothing to guess from a dictionary).
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)
