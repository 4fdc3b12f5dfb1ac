"""The account: identity, time zone and preferences."""

from __future__ import annotations

import secrets
from datetime import datetime, time
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Index, String, Time, false, func, text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .types import UTCDateTime, now_utc

DEFAULT_REMINDER_PREFS: dict[str, Any] = {
    "appointment": True,
    "log_prompt": True,
    "hydration": True,
    "sleep_checkin": True,
    "next_day": True,
    "routine_due": True,
    # Minutes before an appointment; 1440 means "the day before at reminder_time".
    "lead_minutes": [1440, 120],
    "hydration_offsets": [15, 60, 120, 240],
    "glasses_goal": 8,
}
# A preference added later starts as the one it belongs with: someone who turned the sleep
# check-in off did not ask for morning questions, so the next-day check-in stays off too.
PREF_FOLLOWS = {"next_day": "sleep_checkin"}


class User(UserMixin, db.Model):
    __tablename__ = "user"
    # AUTOINCREMENT: SQLite would otherwise hand a deleted account's id to the next one.
    __table_args__ = (
        Index("uq_user_email_lower", text("lower(email)"), unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    quiet_start: Mapped[time] = mapped_column(Time, default=time(22, 0))
    quiet_end: Mapped[time] = mapped_column(Time, default=time(8, 0))
    wake_time: Mapped[time] = mapped_column(Time, default=time(8, 0))
    # Local time for "the day before" appointment reminders.
    reminder_time: Mapped[time] = mapped_column(Time, default=time(18, 0))
    reminder_prefs: Mapped[dict] = mapped_column(JSON, default=lambda: dict(DEFAULT_REMINDER_PREFS))
    safety_conditions: Mapped[list] = mapped_column(JSON, default=list)
    calendar_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_urlsafe(24)
    )
    # Alarms in calendar-feed events. Off by default: with a push device they would ring on
    # top of the push reminders; without one the feed adds them anyway (routines/calendar.py).
    calendar_alarms: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # "I've talked to my doctor": hides the safety advisory until the checklist changes.
    advisory_dismissed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Bumped on every change to the user's rows (models/versioning.py); keys page caches.
    data_version: Mapped[int] = mapped_column(default=0)

    # Set per request by accounts/signins.py (not columns): the sign-in this request runs
    # under and its raw secret, which is what the cookies carry.
    current_signin = None
    signin_secret = None

    def get_id(self) -> str | None:
        """Flask-Login's id for the cookies: the sign-in's secret, never the account id."""
        return self.signin_secret

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def pref(self, key: str) -> Any:
        """A reminder preference, falling back to the default for keys added later."""
        prefs = self.reminder_prefs or {}
        if key not in prefs and key in PREF_FOLLOWS:
            return self.pref(PREF_FOLLOWS[key])
        return prefs.get(key, DEFAULT_REMINDER_PREFS[key])

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(
            db.select(cls).where(func.lower(cls.email) == cls.normalise_email(email))
        )
