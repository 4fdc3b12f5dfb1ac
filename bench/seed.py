"""Seed a benchmark database: a user with years of history, built through the models."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from tracker.accounts.tokens import new_token
from tracker.extensions import db
from tracker.models import MassageSession, Routine, SleepLog, Therapist, User

EMAIL = "bench@example.com"
PASSWORD = "bench-password-1"


def seed_user(sessions: int | None = None, years: float = 2.0, now: datetime | None = None) -> str:
    """Create the bench user; return a raw API token.

    With sessions=None: two years of weekly professional sessions, self-massage twice a week
    and daily sleep check-ins. With sessions=N: exactly N sessions spread back from now.
    """
    rng = random.Random(42)
    now = now or datetime.now(UTC)
    user = User(email=EMAIL, timezone="Europe/Berlin")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    therapists = [Therapist(user_id=user.id, name=n) for n in ("Dana", "Lee", "Sam")]
    db.session.add_all(therapists)
    db.session.flush()
    start = (now - timedelta(days=int(365 * years))).date()
    routines = {
        "professional": Routine(
            user_id=user.id,
            name="Fortnightly massage",
            kind="professional",
            cadence_count=1,
            cadence_unit="weeks",
            anchor_date=start,
            preferred_time=time(18),
            therapist_id=therapists[0].id,
        ),
        "self": Routine(
            user_id=user.id,
            name="Foam roller",
            kind="self",
            cadence_count=3,
            cadence_unit="days",
            anchor_date=start,
            preferred_time=time(20),
        ),
    }
    db.session.add_all(routines.values())
    db.session.flush()
    rows = []

    def add(at: datetime, kind: str) -> None:
        pro = kind == "professional"
        before = rng.randint(3, 8)
        therapist = rng.choice(therapists) if pro else None
        rows.append(
            dict(
                # The log form files each entry under a routine (the main one by default).
                user_id=user.id,
                client_id=str(uuid.uuid4()),
                occurred_at=at,
                kind=kind,
                routine_id=routines[kind].id,
                duration_minutes=60 if pro else 20,
                style=rng.choice(["swedish", "deep_tissue", "sports"]),
                therapist_id=therapist.id if therapist else None,
                therapist_name=therapist.name if therapist else "",
                focus_areas=["lower_back", "neck"],
                pressure=rng.choice(["light", "medium", "firm"]),
                pain_before=before,
                pain_after=max(0, before - rng.randint(0, 4)),
                mood=rng.randint(2, 5),
                relaxation=rng.randint(2, 5),
                sleep_quality=rng.randint(2, 5),
                sleep_hours=7.0,
                water_glasses=rng.randint(0, 6),
                tools=[] if pro else ["foam_roller"],
                notes="",
                created_at=at,
                updated_at=at,
            )
        )

    if sessions is None:
        day = start
        while day < now.date():
            at = datetime.combine(day, time(17), tzinfo=UTC)
            if day.weekday() == 2:
                add(at, "professional")
            if day.weekday() in (0, 4):
                add(at + timedelta(hours=2), "self")
            db.session.add(
                SleepLog(user_id=user.id, night=day, quality=rng.randint(1, 5), hours=7.0)
            )
            day += timedelta(days=1)
    else:
        step = timedelta(days=365 * years) / max(sessions, 1)
        for i in range(sessions):
            add(now - step * (i + 1), "professional" if i % 3 == 0 else "self")
    db.session.execute(db.insert(MassageSession), rows)
    _, raw = new_token(user, "bench")
    db.session.commit()
    return raw


def bench_start_day() -> date:
    return datetime.now(UTC).date()
