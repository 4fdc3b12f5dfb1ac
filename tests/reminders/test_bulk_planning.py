"""The clock's bulk routine planning writes exactly what planning one routine at a time
(schedule.replan_routine, used when a routine is edited) writes, and a second run changes
nothing. A varied fixture is walked through two DST weeks with changes between the runs."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import event, insert

from tracker.extensions import db
from tracker.models import Appointment, MassageSession, Reminder, Routine, User
from tracker.models.user import DEFAULT_REMINDER_PREFS
from tracker.reminders import schedule

ZONES = [
    ("UTC", {}),
    ("Europe/Berlin", {"quiet_start": time(21), "quiet_end": time(9)}),
    ("America/New_York", {"reminder_time": time(7)}),
    ("Asia/Kolkata", {"prefs": {"routine_due": False}}),  # half-hour offset, nudges off
    ("Pacific/Auckland", {"quiet_start": time(23), "quiet_end": time(7)}),
    ("America/Los_Angeles", {"quiet_start": time(12), "quiet_end": time(12)}),  # no quiet hours
]
# (name, kind, cadence kind, count, unit, weekdays, extra columns)
ROUTINES = [
    ("Every 3 days", "professional", "every", 3, "days", [], {}),
    ("Fortnightly", "professional", "every", 2, "weeks", [], {"preferred_time": time(22, 30)}),
    ("Monthly", "professional", "every", 1, "months", [], {"anchor": date(2026, 1, 31)}),
    ("Twice a week", "professional", "times", 2, "weeks", [], {}),
    ("3 a month", "self", "times", 3, "months", [], {"preferred_time": time(7, 15)}),
    ("Tue and Sat", "self", "weekdays", 1, "weeks", [1, 5], {}),
    ("Roller", "self", "every", 2, "days", [], {"skipped_on": date(2026, 3, 6)}),
    ("Quiet roller", "self", "every", 1, "days", [], {"nudge_enabled": False}),
    ("Paused", "professional", "every", 1, "weeks", [], {"paused": True}),
    ("Archived", "professional", "every", 1, "weeks", [], {"archived": True}),
]
WINDOWS = [  # New York springs forward on 8 Mar; Berlin on 29 Mar; Auckland falls back 5 Apr
    datetime(2026, 3, 5, 1, tzinfo=UTC),
    datetime(2026, 3, 26, 3, tzinfo=UTC),
]
STEP = timedelta(hours=7)  # not a divisor of 24: the runs land at every hour of the local day
STEPS = 26  # about 7.5 days per window


@pytest.fixture
def clock():
    with time_machine.travel(WINDOWS[0], tick=False) as traveller:
        yield traveller


def seed(start: datetime) -> list[int]:
    """Users in several zones with every kind of routine, history, appointments and rows."""
    rng = random.Random(16)
    users = []
    for i, (zone, extra) in enumerate(ZONES):
        user = User(email=f"bulk{i}@example.com", password_hash="-", timezone=zone)
        for key in ("quiet_start", "quiet_end", "reminder_time"):
            if key in extra:
                setattr(user, key, extra[key])
        user.reminder_prefs = {**DEFAULT_REMINDER_PREFS, **extra.get("prefs", {})}
        db.session.add(user)
        db.session.flush()
        users.append(user.id)
        for name, kind, ckind, count, unit, days, more in ROUTINES:
            routine = Routine(
                user_id=user.id,
                name=name,
                kind=kind,
                cadence_kind=ckind,
                cadence_count=count,
                cadence_unit=unit,
                cadence_weekdays=days,
                anchor_date=more.get("anchor", start.date() - timedelta(days=rng.randint(0, 20))),
                preferred_time=more.get("preferred_time", time(18)),
                nudge_enabled=more.get("nudge_enabled", True),
                skipped_on=more.get("skipped_on"),
                paused_at=start - timedelta(days=2) if more.get("paused") else None,
                archived_at=start - timedelta(days=3) if more.get("archived") else None,
            )
            db.session.add(routine)
            db.session.flush()
            for _ in range(rng.randint(0, 3)):
                log(user.id, routine.id, start - timedelta(hours=rng.randint(1, 400)), rng)
            if kind == "professional" and rng.random() < 0.7:
                # A done appointment, sometimes logged only through the appointment.
                done = book(user.id, routine.id, start - timedelta(days=rng.randint(1, 30)), "done")
                if rng.random() < 0.5:
                    log(user.id, None, done.starts_at, rng, appointment_id=done.id)
            if rng.random() < 0.3:
                book(user.id, routine.id, start + timedelta(hours=rng.randint(2, 150)), "booked")
    db.session.commit()
    return users


def log(user_id, routine_id, at, rng, appointment_id=None) -> None:
    db.session.add(
        MassageSession(
            user_id=user_id,
            client_id=str(uuid.uuid4()),
            routine_id=routine_id,
            appointment_id=appointment_id,
            occurred_at=at,
            deleted_at=at + timedelta(hours=1) if rng.random() < 0.15 else None,
        )
    )


def book(user_id, routine_id, at, status) -> Appointment:
    appt = Appointment(
        user_id=user_id, client_id=str(uuid.uuid4()), routine_id=routine_id, starts_at=at
    )
    appt.status = status
    db.session.add(appt)
    db.session.flush()
    return appt


COLUMNS = [c for c in Reminder.__table__.columns if c.name not in ("id", "created_at")]


def snapshot(full: bool = False) -> list[tuple]:
    """Every reminder row: what the plan decides (all columns but id and created_at), or
    everything when `full`."""
    table = Reminder.__table__
    cols = list(table.columns) if full else COLUMNS
    rows = db.session.execute(db.select(*cols).order_by(table.c.kind, table.c.subject_id))
    return sorted((tuple(r) for r in rows), key=repr)


def restore(saved: list[tuple]) -> None:
    table = Reminder.__table__
    db.session.execute(db.delete(Reminder))
    if saved:
        db.session.execute(
            insert(table), [dict(zip(table.columns.keys(), r, strict=True)) for r in saved]
        )
    db.session.commit()


def one_at_a_time(now: datetime) -> None:
    """The reference: each routine re-planned alone, as an edit does."""
    for user in db.session.scalars(db.select(User).order_by(User.id)):
        routines = db.session.scalars(
            db.select(Routine).where(Routine.user_id == user.id).order_by(Routine.id)
        )
        for routine in list(routines):
            schedule.replan_routine(routine, now)
    db.session.commit()


def change_things(rng: random.Random, now: datetime) -> None:
    """What happens between two hourly runs: sessions, bookings, deliveries, snoozes,
    pauses, archiving and preference changes (rows written directly, no signals)."""
    routines = list(db.session.scalars(db.select(Routine).order_by(Routine.id)))
    for routine in rng.sample(routines, 6):
        roll = rng.random()
        if roll < 0.35:
            log(routine.user_id, routine.id, now - timedelta(minutes=rng.randint(5, 300)), rng)
        elif roll < 0.5:
            book(routine.user_id, routine.id, now + timedelta(hours=rng.randint(1, 60)), "booked")
        elif roll < 0.6:
            routine.paused_at = None if routine.paused_at else now
        elif roll < 0.7:
            routine.archived_at = None if routine.archived_at else now
        elif roll < 0.8:
            routine.nudge_enabled = not routine.nudge_enabled
        elif roll < 0.9:
            routine.skipped_on = now.date()
    pending = list(
        db.session.scalars(
            db.select(Reminder).where(Reminder.status == "pending").order_by(Reminder.id)
        )
    )
    for row in rng.sample(pending, min(3, len(pending))):
        roll = rng.random()
        if roll < 0.5:
            row.status, row.sent_at, row.attempts = "sent", now, 1
        elif roll < 0.75:
            row.snoozed_until = now + timedelta(minutes=30)
        else:
            row.attempts, row.next_attempt_at = 1, now + timedelta(minutes=5)
    user = db.session.get(User, rng.choice(list(db.session.scalars(db.select(User.id)))))
    user.reminder_time = time(rng.randint(6, 21), rng.choice((0, 30)))
    db.session.commit()


def test_bulk_planning_writes_what_planning_one_routine_at_a_time_writes(app, clock):
    rng = random.Random(61)
    with app.app_context():
        seed(WINDOWS[0])
        compared = 0
        for start in WINDOWS:
            for step in range(STEPS):
                now = start + step * STEP
                clock.move_to(now)
                before = snapshot(full=True)
                assert schedule.plan_all_routines(now, chunk=4) == len(ZONES)
                bulk = snapshot()
                restore(before)
                one_at_a_time(now)
                assert snapshot() == bulk, f"differs at {now:%Y-%m-%d %H:%M}"
                # Idempotent: another run (any chunk size) changes no column of any row.
                after = snapshot(full=True)
                schedule.plan_all_routines(now)
                assert snapshot(full=True) == after
                compared += 1
                change_things(rng, now)
        statuses = {r[COLUMNS.index(Reminder.__table__.c.status)] for r in snapshot()}
        reasons = {r[COLUMNS.index(Reminder.__table__.c.last_error)] for r in snapshot()}
        # The walk went through every path: new, delivered, retired for each reason.
        assert {"pending", "sent", "cancelled"} <= statuses
        assert {
            "Booked",
            "No longer due",
            "Routine paused",
            "Routine archived",
            "Nudges turned off for this routine",
        } <= reasons
        assert compared == len(WINDOWS) * STEPS


def test_a_chunk_costs_the_same_queries_whatever_its_size(app, clock):
    """Bulk loading: the statements per chunk do not grow with the users in it."""
    with app.app_context():
        seed(WINDOWS[0])  # 6 users with 10 routines each

        def statements(chunk: int) -> int:
            db.session.execute(db.delete(Reminder))
            db.session.commit()
            seen = []

            def count(*args) -> None:
                seen.append(1)

            engine = db.engine
            event.listen(engine, "before_cursor_execute", count)
            try:
                schedule.plan_all_routines(WINDOWS[0], chunk=chunk)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            return len(seen)

        whole = statements(len(ZONES))  # one chunk of 6 users
        single = statements(1)  # six chunks of one user
        # One chunk: users, routines, last done, period counts, booked, rows, insert, and
        # the empty chunk that ends the walk; six chunks pay the per-chunk ones six times.
        assert whole <= 10
        assert single >= 5 * (whole - 2)
