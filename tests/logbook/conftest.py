"""Logbook fixtures: a frozen clock, valid payloads, tokens and stored sessions."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine

from tracker.accounts.tokens import new_token
from tracker.extensions import db
from tracker.models import Appointment, MassageSession, Routine, Therapist, User

# Saturday 7 Nov 2026, 15:00 in Berlin (UTC+1).
NOW = datetime(2026, 11, 7, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def payload(**overrides) -> dict:
    """A complete, valid JSON session."""
    data = {
        "id": str(uuid.uuid4()),
        "occurred_at": "2026-11-07T13:30:00+01:00",
        "kind": "professional",
        "duration_minutes": 60,
        "style": "deep_tissue",
        "therapist": "Dana",
        "focus_areas": ["neck", "lower_back"],
        "pressure": "firm",
        "pain_before": 6,
        "pain_after": 3,
        "mood": 4,
        "relaxation": 5,
        "water_glasses": 2,
        "tools": [],
        "notes": "Tight left shoulder",
    }
    data.update(overrides)
    return data


def form(**overrides) -> dict:
    """A complete, valid form post (strings, like a browser sends)."""
    data = {
        "id": str(uuid.uuid4()),
        "occurred_at_local": "2026-11-07T13:30",
        "kind": "self",
        "duration_minutes": "20",
        "style": "",
        "therapist": "",
        "pressure": "medium",
        "pain_before": "6",
        "pain_after": "3",
        "mood": "4",
        "water_glasses": "0",
        "notes": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def add_session(app, user_id: int, **values) -> str:
    """Store a session directly; returns its UUID."""
    with app.app_context():
        row = MassageSession(
            user_id=user_id,
            client_id=values.pop("client_id", str(uuid.uuid4())),
            occurred_at=values.pop("occurred_at", datetime(2026, 11, 1, 10, 0, tzinfo=UTC)),
            pain_before=values.pop("pain_before", 6),
            pain_after=values.pop("pain_after", 3),
            mood=values.pop("mood", 4),
            **values,
        )
        db.session.add(row)
        db.session.commit()
        return row.client_id


def get_session(app, client_id: str, user_id: int | None = None) -> MassageSession | None:
    with app.app_context():
        query = db.select(MassageSession).where(MassageSession.client_id == client_id)
        if user_id is not None:
            query = query.where(MassageSession.user_id == user_id)
        row = db.session.scalar(query)
        if row is not None:
            db.session.expunge(row)
        return row


def count_sessions(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(MassageSession)
            .where(MassageSession.user_id == user_id)
        )


def make_token(app, user: User, label: str = "script") -> str:
    with app.app_context():
        _, raw = new_token(db.session.get(User, user.id), label)
        db.session.commit()
        return raw


@pytest.fixture
def alice_token(app, alice) -> str:
    return make_token(app, alice)


@pytest.fixture
def bob_token(app, bob) -> str:
    return make_token(app, bob)


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def add_appointment(app, user_id: int, *, with_routine: bool = True) -> dict:
    """A therapist, routine and appointment for the user; returns their ids."""
    with app.app_context():
        therapist = Therapist(user_id=user_id, name="Dana Kim")
        db.session.add(therapist)
        db.session.flush()
        routine = None
        if with_routine:
            routine = Routine(
                user_id=user_id,
                name="Fortnightly",
                anchor_date=date(2026, 1, 1),
                therapist_id=therapist.id,
                kind="professional",
                style="sports",
                duration_minutes=45,
            )
            db.session.add(routine)
            db.session.flush()
        appt = Appointment(
            user_id=user_id,
            client_id=str(uuid.uuid4()),
            therapist_id=therapist.id,
            therapist_name="Dana Kim",
            starts_at=datetime(2026, 11, 7, 12, 0, tzinfo=UTC),
            duration_minutes=90,
            style="shiatsu",
            routine_id=routine.id if routine else None,
        )
        db.session.add(appt)
        db.session.commit()
        return {
            "appointment": appt.id,
            "appointment_uuid": appt.client_id,
            "routine": routine.id if routine else None,
            "therapist": therapist.id,
        }
