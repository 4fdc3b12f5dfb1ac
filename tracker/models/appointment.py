"""Booked appointments (professional sessions on the calendar)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, now_utc

if TYPE_CHECKING:  # annotations only: SQLAlchemy resolves the names from its registry
    from .routine import Routine, Therapist

STATUSES = ("booked", "done", "cancelled")


class Appointment(db.Model):
    __tablename__ = "appointment"
    __table_args__ = (
        UniqueConstraint("user_id", "client_id", name="uq_appointment_user_client"),
        Index("ix_appointment_user_starts", "user_id", "starts_at"),
        # A routine's appointments (due dates, streak probes) without scanning the rest.
        Index("ix_appointment_user_routine_starts", "user_id", "routine_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # Client-generated UUID so API/outbox creates are idempotent.
    client_id: Mapped[str] = mapped_column(String(36))
    routine_id: Mapped[int | None] = mapped_column(
        ForeignKey("routine.id", ondelete="SET NULL"), nullable=True
    )
    therapist_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapist.id", ondelete="SET NULL"), nullable=True
    )
    # Copied from the therapist so history survives deleting them.
    therapist_name: Mapped[str] = mapped_column(String(120), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    location: Mapped[str] = mapped_column(String(200), default="")
    style: Mapped[str] = mapped_column(String(30), default="swedish")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="booked")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    routine: Mapped[Routine | None] = relationship(lazy="joined")
    therapist: Mapped[Therapist | None] = relationship(lazy="joined")

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)
