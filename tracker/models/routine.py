"""Therapists and routines: who the user sees and how often."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, now_utc

KINDS = ("professional", "self")
STYLES = (
    "swedish",
    "deep_tissue",
    "sports",
    "trigger_point",
    "myofascial",
    "hot_stone",
    "shiatsu",
    "other",
)
CADENCE_UNITS = ("days", "weeks", "months")
# every N units from the anchor | N times per week or month | on chosen weekdays
CADENCE_KINDS = ("every", "times", "weekdays")


class Therapist(db.Model):
    __tablename__ = "therapist"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    specialties: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Routine(db.Model):
    __tablename__ = "routine"
    __table_args__ = (UniqueConstraint("user_id", "client_id", name="uq_routine_user_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # Client UUID: API creates are idempotent on it (like sessions and appointments).
    client_id: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid.uuid4()))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="professional")
    # "every": cadence_count cadence_units from the anchor; "times": cadence_count sessions per
    # week or month (cadence_unit weeks | months); "weekdays": on cadence_weekdays (0 = Monday).
    cadence_kind: Mapped[str] = mapped_column(String(10), default="every", server_default="every")
    cadence_count: Mapped[int] = mapped_column(default=2)
    cadence_unit: Mapped[str] = mapped_column(String(10), default="weeks")
    cadence_weekdays: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    anchor_date: Mapped[date] = mapped_column(Date)
    preferred_time: Mapped[time] = mapped_column(Time, default=time(18, 0))
    therapist_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapist.id", ondelete="SET NULL"), nullable=True
    )
    style: Mapped[str] = mapped_column(String(30), default="swedish")
    duration_minutes: Mapped[int] = mapped_column(default=60)
    # Self-massage: the home kit and the areas worked on (professional routines leave them empty).
    tools: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    focus_areas: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # Per-routine "it's due" nudge, sent at preferred_time.
    nudge_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    # Local date the nudge was skipped ("Skip today"): no nudge again until the next day.
    skipped_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Closed pause intervals [[start_iso, end_iso], ...] so streaks can skip them.
    pauses: Mapped[list] = mapped_column(JSON, default=list)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    therapist: Mapped[Therapist | None] = relationship(lazy="joined")
