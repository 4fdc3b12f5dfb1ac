"""Personal access tokens for the JSON API, stored hashed."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, now_utc

# What a token may do, chosen at creation: "write" includes reading.
READ, WRITE = "read", "write"
SCOPES = {READ: "Read only", WRITE: "Read and change"}


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    # Tokens made before scopes existed could read and write, and keep doing so.
    scope: Mapped[str] = mapped_column(String(10), server_default=WRITE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @staticmethod
    def hash(raw: str) -> str:
        # Tokens are 32 random bytes, so a fast hash is enough (no dictionary to attack).
        return hashlib.sha256(raw.encode()).hexdigest()
