"""Reminder rows (planned and sent push reminders) and used action tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, now_utc

KINDS = ("appointment", "log_prompt", "hydration", "sleep_checkin", "next_day", "routine_due")
STATUSES = ("pending", "sent", "failed", "expired", "cancelled")


class Reminder(db.Model):
    __tablename__ = "reminder"
    __table_args__ = (
        # Re-planning upserts on this key, so it never duplicates.
        UniqueConstraint("kind", "subject_id", "slot", name="uq_reminder_kind_subject_slot"),
        Index("ix_reminder_status_due", "status", "next_attempt_at"),
        Index("ix_reminder_user_due", "user_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    slot: Mapped[str] = mapped_column(String(40), default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stale_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Which dispatch pass holds the lease, so a pass whose lease lapsed cannot record over another.
    claimed_by: Mapped[str] = mapped_column(String(32), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # "Snooze 30 min" moves due_at here; re-planning keeps it rather than moving it back.
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The user stopped this (e.g. a hydration chain); re-planning never revives it.
    stopped: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class UsedActionToken(db.Model):
    """Single-use record for signed notification action tokens."""

    __tablename__ = "used_action_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
