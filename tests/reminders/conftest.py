"""Reminder fixtures: a fake push service on loopback, a VAPID key, domain helpers."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from tracker import timeutil
from tracker.extensions import db
from tracker.models import Appointment, MassageSession, PushSubscription, Reminder
from tracker.reminders.keys import generate_pem
from tracker.routines import booking
from tracker.signals import session_changed

from .fakepush import FakePushService

SUBJECT = "mailto:ops@backrelief.example"


@pytest.fixture(scope="session")
def vapid_pem() -> str:
    return generate_pem().decode()


@pytest.fixture
def fakepush():
    service = FakePushService()
    yield service
    service.close()


@pytest.fixture
def app_config(fakepush, vapid_pem) -> dict:
    return {
        # Loopback is accepted only because it is listed explicitly (the SSRF guard).
        "PUSH_ENDPOINT_ALLOWLIST": ["fcm.googleapis.com", "*.notify.windows.com", fakepush.origin],
        "PUSH_TIMEOUT_SECONDS": 0.5,
        "PUSH_WORKERS": 4,
        "VAPID_PRIVATE_KEY": vapid_pem,
        "VAPID_SUBJECT": SUBJECT,
    }


def subscribe(user_id: int, subscription: dict, label: str = "Phone") -> int:
    """Store a subscription as the API would (inside an app context)."""
    sub = PushSubscription(
        user_id=user_id,
        endpoint=subscription["endpoint"],
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
        label=label,
    )
    db.session.add(sub)
    db.session.commit()
    return sub.id


def book(
    user_id: int,
    starts_at: datetime,
    *,
    minutes: int = 60,
    therapist: str = "Dana",
    location: str = "Studio Nord",
    routine_id: int | None = None,
) -> Appointment:
    """Book through the booking service, then commit once, as the views do."""
    appt = booking.book(
        user_id,
        starts_at,
        duration_minutes=minutes,
        therapist_name=therapist,
        location=location,
        routine_id=routine_id,
    )
    db.session.commit()
    return appt


def change(appt: Appointment, **values) -> None:
    """Change through the booking service (status by its one allowed transition), then commit."""
    status = values.pop("status", None)
    if values:
        booking.update(appt, **values)
    if status is not None:
        booking.set_status(appt, status, timeutil.now())
    db.session.commit()


def log_session(
    user_id: int, occurred_at: datetime, *, appointment_id: int | None = None, **values
) -> MassageSession:
    session = MassageSession(
        user_id=user_id,
        client_id=str(uuid.uuid4()),
        occurred_at=occurred_at,
        appointment_id=appointment_id,
        pain_before=6,
        pain_after=3,
        mood=4,
        **values,
    )
    db.session.add(session)
    db.session.flush()
    session_changed.send(session)
    db.session.commit()
    return session


def edit_session(session: MassageSession, **values) -> None:
    for name, value in values.items():
        setattr(session, name, value)
    db.session.flush()
    session_changed.send(session)
    db.session.commit()


def reminders(user_id: int | None = None, **where) -> list[Reminder]:
    query = db.select(Reminder).order_by(Reminder.due_at, Reminder.id)
    if user_id is not None:
        query = query.where(Reminder.user_id == user_id)
    for name, value in where.items():
        query = query.where(getattr(Reminder, name) == value)
    db.session.expire_all()
    return list(db.session.scalars(query))
