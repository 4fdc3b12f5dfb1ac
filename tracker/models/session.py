"""The session log, plus sleep and water entries that arrive around it."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, now_utc

if TYPE_CHECKING:  # annotations only: SQLAlchemy resolves the names from its registry
    from .appointment import Appointment

FOCUS_AREAS = (
    "neck",
    "shoulders",
    "upper_back",
    "mid_back",
    "lower_back",
    "hips_glutes",
    "legs",
    "arms_hands",
    "feet",
    "head_face",
    # One side only, from the body map (#17); appended so stored lists keep their order.
    "left_shoulder",
    "right_shoulder",
    "left_hip",
    "right_hip",
)
PRESSURES = ("light", "medium", "firm")
TOOLS = (
    "hands",
    "foam_roller",
    "ball",
    "towel",
    "oil",
    "cushion",
    "massage_gun",
    "partner",
    "other",
)


class MassageSession(db.Model):
    __tablename__ = "massage_session"
    __table_args__ = (
        UniqueConstraint("user_id", "client_id", name="uq_massage_session_user_client"),
        Index("ix_massage_session_user_occurred", "user_id", "occurred_at"),
        # Per-routine "latest" and streak probes seek here instead of scanning the history.
        Index("ix_massage_session_user_routine_occurred", "user_id", "routine_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(36))
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="SET NULL"), nullable=True, index=True
    )
    routine_id: Mapped[int | None] = mapped_column(
        ForeignKey("routine.id", ondelete="SET NULL"), nullable=True
    )
    therapist_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapist.id", ondelete="SET NULL"), nullable=True
    )
    therapist_name: Mapped[str] = mapped_column(String(120), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20), default="professional")
    duration_minutes: Mapped[int] = mapped_column(default=60)
    style: Mapped[str] = mapped_column(String(30), default="")
    focus_areas: Mapped[list] = mapped_column(JSON, default=list)
    pressure: Mapped[str] = mapped_column(String(10), default="medium")
    # Null only for a one-tap "Done" that has not been rated yet (docs/logbook.md).
    pain_before: Mapped[int | None] = mapped_column(nullable=True)
    pain_after: Mapped[int | None] = mapped_column(nullable=True)
    # Back pain the morning after (the next-day check-in), for the "lasting relief" insight.
    pain_next_day: Mapped[int | None] = mapped_column(nullable=True)
    mood: Mapped[int | None] = mapped_column(nullable=True)
    relaxation: Mapped[int | None] = mapped_column(nullable=True)
    sleep_quality: Mapped[int | None] = mapped_column(nullable=True)
    sleep_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    water_glasses: Mapped[int] = mapped_column(default=0)
    tools: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    # sha256 of the validated create request: a replay of the same id with the same content
    # is a harmless retry (200), with other content a conflict (409), even after later edits.
    request_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    appointment: Mapped[Appointment | None] = relationship(lazy="select")


class SleepLog(db.Model):
    """Sleep on a night with no massage (check-ins), for the sleep comparison insight."""

    __tablename__ = "sleep_log"
    __table_args__ = (UniqueConstraint("user_id", "night", name="uq_sleep_log_user_night"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    night: Mapped[date] = mapped_column(Date)  # the local date the night began
    quality: Mapped[int]
    hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)


class WaterIntake(db.Model):
    """One "Drank" tap; client_id makes replays from the offline outbox harmless."""

    __tablename__ = "water_intake"
    __table_args__ = (
        UniqueConstraint("user_id", "client_id", name="uq_water_intake_user_client"),
        Index("ix_water_intake_user_drank", "user_id", "drank_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(36))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("massage_session.id", ondelete="SET NULL"), nullable=True
    )
    glasses: Mapped[int] = mapped_column(default=1)
    drank_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
