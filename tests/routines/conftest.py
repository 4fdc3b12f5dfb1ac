"""Factories for routines, therapists, appointments and sessions owned by a given user."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

import pytest

from tracker.extensions import db
from tracker.models import Appointment, MassageSession, Routine, Therapist

# A Wednesday; tests freeze the clock here unless they say otherwise.
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)


class Make:
    def __init__(self, app):
        self.app = app

    def _add(self, row):
        with self.app.app_context():
            db.session.add(row)
            db.session.commit()
            db.session.refresh(row)
            db.session.expunge(row)
            return row

    def therapist(self, user, name="Dana", **kw) -> Therapist:
        return self._add(Therapist(user_id=user.id, name=name, **kw))

    def routine(self, user, name="Fortnightly", **kw) -> Routine:
        kw.setdefault("anchor_date", date(2026, 5, 1))
        kw.setdefault("preferred_time", time(19, 0))
        return self._add(Routine(user_id=user.id, name=name, **kw))

    def appointment(self, user, starts_at=NOW, **kw) -> Appointment:
        return self._add(
            Appointment(user_id=user.id, client_id=str(uuid.uuid4()), starts_at=starts_at, **kw)
        )

    def session(self, user, occurred_at=NOW, **kw) -> MassageSession:
        kw.setdefault("pain_before", 6)
        kw.setdefault("pain_after", 3)
        kw.setdefault("mood", 4)
        return self._add(
            MassageSession(
                user_id=user.id, client_id=str(uuid.uuid4()), occurred_at=occurred_at, **kw
            )
        )


@pytest.fixture
def make(app) -> Make:
    return Make(app)


@pytest.fixture(autouse=True)
def frozen():
    """Every test here runs at NOW (autouse, so it starts before any login)."""
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def count(app, model, **filters) -> int:
    with app.app_context():
        query = db.select(db.func.count()).select_from(model)
        for key, value in filters.items():
            query = query.where(getattr(model, key) == value)
        return db.session.scalar(query)


def get(app, model, ident):
    with app.app_context():
        row = db.session.get(model, ident)
        if row is not None:
            db.session.expunge(row)
        return row
