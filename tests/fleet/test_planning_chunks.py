"""The clock's routine planning walks users in bounded chunks (runs on SQLite too)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import event, insert

from tracker.extensions import db
from tracker.models import Reminder, Routine, User
from tracker.reminders import schedule

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)  # a Sunday; the routines fall due on Monday
USERS = 7


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def seed_users_with_routines(count: int) -> list[int]:
    db.session.execute(
        insert(User),
        [
            {"email": f"chunk{i}@example.com", "password_hash": "-", "timezone": "UTC"}
            for i in range(count)
        ],
    )
    ids = list(db.session.scalars(db.select(User.id).order_by(User.id)))
    db.session.execute(
        insert(Routine),
        [{"user_id": u, "name": "Fortnightly", "anchor_date": date(2026, 3, 2)} for u in ids],
    )
    db.session.commit()
    return ids


def test_every_user_is_planned_one_chunk_per_transaction(app, clock):
    with app.app_context():
        ids = seed_users_with_routines(USERS)
        commits = []

        def before_commit(session) -> None:
            commits.append(1)

        event.listen(db.session(), "before_commit", before_commit)
        try:
            assert schedule.plan_all_routines(chunk=3) == USERS
        finally:
            event.remove(db.session(), "before_commit", before_commit)

        assert len(commits) == 3  # 3 + 3 + 1 users
        nudged = set(
            db.session.scalars(db.select(Reminder.user_id).where(Reminder.kind == "routine_due"))
        )
        assert nudged == set(ids)
        # A second run changes nothing (idempotent), whatever the chunk size.
        before = db.session.scalar(db.select(db.func.count(Reminder.id)))
        assert schedule.plan_all_routines(chunk=500) == USERS
        assert db.session.scalar(db.select(db.func.count(Reminder.id))) == before


def test_a_chunk_of_one_plans_the_same_as_one_big_chunk(app, clock):
    with app.app_context():
        seed_users_with_routines(4)
        schedule.plan_all_routines(chunk=1)
        small = sorted(
            db.session.execute(db.select(Reminder.user_id, Reminder.kind, Reminder.due_at)).all()
        )
        db.session.execute(db.delete(Reminder))
        db.session.commit()
        schedule.plan_all_routines(chunk=500)
        big = sorted(
            db.session.execute(db.select(Reminder.user_id, Reminder.kind, Reminder.due_at)).all()
        )
        assert small == big and len(small) == 4
