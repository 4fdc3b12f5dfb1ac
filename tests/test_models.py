"""tracker/models: invariants every capability relies on (time columns, identity, ownership)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import DateTime, select
from sqlalchemy.exc import IntegrityError, StatementError

from tracker.extensions import db
from tracker.models import (
    ApiToken,
    Appointment,
    MassageSession,
    Reminder,
    Routine,
    User,
)
from tracker.models.types import UTCDateTime
from tracker.models.user import DEFAULT_REMINDER_PREFS

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def reminder(user_id: int, due_at: datetime, *, slot: str = "", subject_id: int = 1) -> Reminder:
    return Reminder(
        user_id=user_id,
        kind="appointment",
        subject_id=subject_id,
        slot=slot,
        due_at=due_at,
        stale_at=due_at + timedelta(hours=1),
        next_attempt_at=due_at,
    )


def fresh(model, ident):
    """Read a row back from the database, not from the session's identity map."""
    db.session.expunge_all()
    return db.session.get(model, ident)


# --- schema-wide rules --------------------------------------------------------------------


def test_every_timestamp_column_is_utc_datetime(app):
    plain = [
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, DateTime) and not isinstance(column.type, UTCDateTime)
    ]
    assert plain == [], "use UTCDateTime so values come back aware on SQLite too"


def test_every_user_owned_row_goes_with_its_user(app):
    """Account deletion and export walk user_id columns; each one cascades from user.id."""
    owned = [t for t in db.metadata.sorted_tables if "user_id" in t.columns]
    assert len(owned) >= 10
    for table in owned:
        (fk,) = table.columns["user_id"].foreign_keys
        assert fk.column.table.name == "user", table.name
        assert fk.ondelete == "CASCADE", table.name
        assert not table.columns["user_id"].nullable, table.name


# --- UTCDateTime --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN),  # just after the spring gap
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN),  # the second 02:30
        datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK),
        datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC),
    ],
)
def test_utc_datetime_returns_the_same_instant_aware_and_in_utc(app, alice, written):
    with app.app_context():
        row = reminder(alice.id, written)
        db.session.add(row)
        db.session.commit()
        read = fresh(Reminder, row.id)
        # PEP 495: an ambiguous local time never compares equal across zones, so compare in UTC.
        assert read.due_at == written.astimezone(UTC)
        assert read.due_at.tzinfo is UTC
        assert read.due_at.utcoffset() == timedelta(0)
        # Nullable columns come back as None, and set ones aware too.
        assert read.claimed_until is None
        assert read.created_at.tzinfo is UTC


def test_utc_datetime_refuses_naive_values(app, alice):
    with app.app_context():
        db.session.add(reminder(alice.id, datetime(2026, 5, 1, 12, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            db.session.flush()
        db.session.rollback()


def test_utc_datetime_orders_and_compares_by_instant(app, alice):
    """On SQLite the column is text; mixed input offsets must still sort chronologically."""
    times = [
        datetime(2026, 6, 1, 9, 0, tzinfo=NEW_YORK),  # 13:00 UTC
        datetime(2026, 6, 1, 14, 0, tzinfo=BERLIN),  # 12:00 UTC
        datetime(2026, 6, 1, 12, 30, tzinfo=UTC),
    ]
    with app.app_context():
        for n, at in enumerate(times):
            db.session.add(reminder(alice.id, at, slot=str(n)))
        db.session.commit()
        ordered = db.session.scalars(select(Reminder.due_at).order_by(Reminder.due_at)).all()
        assert ordered == sorted(times)
        cutoff = datetime(2026, 6, 1, 14, 45, tzinfo=BERLIN)  # 12:45 UTC
        early = db.session.scalars(select(Reminder.slot).where(Reminder.due_at < cutoff)).all()
        assert sorted(early) == ["1", "2"]


def test_defaults_read_the_clock_through_timeutil(app, alice):
    frozen = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    with app.app_context(), time_machine.travel(frozen, tick=False):
        token = ApiToken(user_id=alice.id, label="x", token_hash="a" * 64, prefix="br_x")
        db.session.add(token)
        db.session.commit()
        assert fresh(ApiToken, token.id).created_at == frozen


# --- User ---------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["ALICE@example.com", "alice@EXAMPLE.COM", "Alice@Example.Com"])
def test_email_is_unique_ignoring_case_in_the_database(app, alice, email):
    with app.app_context():
        db.session.add(User(email=email, password_hash="x"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_by_email_ignores_case_and_surrounding_space(app, alice, bob):
    with app.app_context():
        assert User.by_email("  ALICE@Example.com ").id == alice.id
        assert User.by_email("bob@example.com").id == bob.id
        assert User.by_email("carol@example.com") is None


def test_user_defaults(app):
    with app.app_context():
        one = User(email="one@example.com", password_hash="x")
        two = User(email="two@example.com", password_hash="x")
        db.session.add_all([one, two])
        db.session.commit()
        assert one.timezone == "UTC"
        assert one.reminder_prefs == DEFAULT_REMINDER_PREFS
        assert one.reminder_prefs is not DEFAULT_REMINDER_PREFS  # never the shared dict
        assert one.calendar_token != two.calendar_token and len(one.calendar_token) >= 32


def test_pref_falls_back_to_the_default_for_keys_added_later(app, alice):
    with app.app_context():
        user = db.session.get(User, alice.id)
        user.reminder_prefs = {"hydration": False}
        db.session.commit()
        assert user.pref("hydration") is False
        assert user.pref("glasses_goal") == DEFAULT_REMINDER_PREFS["glasses_goal"]
        with pytest.raises(KeyError):
            user.pref("no_such_preference")


def test_password_is_hashed_and_checked(app, alice):
    with app.app_context():
        user = db.session.get(User, alice.id)
        user.set_password("correct horse battery")
        assert "correct horse" not in user.password_hash
        assert user.check_password("correct horse battery")
        assert not user.check_password("Correct horse battery")


# --- data version (page cache key) --------------------------------------------------------


def session_row(user_id: int) -> MassageSession:
    return MassageSession(
        user_id=user_id,
        client_id=str(uuid.uuid4()),
        occurred_at=datetime(2026, 5, 1, tzinfo=UTC),
        pain_before=6,
        pain_after=3,
        mood=4,
    )


def version(user_id: int) -> int:
    return db.session.scalar(select(User.data_version).where(User.id == user_id))


def test_data_version_bumps_with_the_owners_rows_only(app, alice, bob):
    with app.app_context():
        a, b = version(alice.id), version(bob.id)
        row = session_row(alice.id)
        db.session.add(row)
        db.session.commit()
        assert (version(alice.id), version(bob.id)) == (a + 1, b)
        row.notes = "better"
        db.session.commit()
        assert version(alice.id) == a + 2
        db.session.delete(row)
        db.session.commit()
        assert (version(alice.id), version(bob.id)) == (a + 3, b)


def test_data_version_ignores_bookkeeping_rows(app, alice):
    with app.app_context():
        before = version(alice.id)
        db.session.add(reminder(alice.id, datetime(2026, 5, 1, tzinfo=UTC)))
        db.session.add(ApiToken(user_id=alice.id, label="x", token_hash="b" * 64, prefix="br_b"))
        db.session.commit()
        assert version(alice.id) == before


def test_data_version_bump_rolls_back_with_the_change(app, alice):
    with app.app_context():
        before = version(alice.id)
        db.session.add(session_row(alice.id))
        db.session.flush()
        assert version(alice.id) == before + 1  # same transaction as the change
        db.session.rollback()
        assert version(alice.id) == before


# --- the other aggregates -----------------------------------------------------------------


def test_reminders_are_unique_per_kind_subject_and_slot(app, alice):
    at = datetime(2026, 5, 1, 9, tzinfo=UTC)
    with app.app_context():
        db.session.add_all([reminder(alice.id, at, slot="lead:120"), reminder(alice.id, at)])
        db.session.commit()
        db.session.add(reminder(alice.id, at + timedelta(hours=1), slot="lead:120"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_client_ids_are_unique_per_user_not_globally(app, alice, bob):
    client_id = str(uuid.uuid4())
    with app.app_context():
        for user_id in (alice.id, bob.id):
            row = session_row(user_id)
            row.client_id = client_id
            db.session.add(row)
        db.session.commit()
        again = session_row(alice.id)
        again.client_id = client_id
        db.session.add(again)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_appointment_ends_at(app, alice):
    starts = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # spans Berlin's spring gap
    with app.app_context():
        appointment = Appointment(
            user_id=alice.id, client_id=str(uuid.uuid4()), starts_at=starts, duration_minutes=90
        )
        db.session.add(appointment)
        db.session.commit()
        assert fresh(Appointment, appointment.id).ends_at == datetime(2026, 3, 29, 2, tzinfo=UTC)


def test_deleting_a_routine_keeps_its_sessions(app, alice):
    with app.app_context():
        routine = Routine(user_id=alice.id, name="Fortnightly", anchor_date=date(2026, 1, 5))
        db.session.add(routine)
        db.session.flush()
        row = session_row(alice.id)
        row.routine_id = routine.id
        db.session.add(row)
        db.session.commit()
        db.session.delete(routine)
        db.session.commit()
        assert fresh(MassageSession, row.id).routine_id is None


def test_deleting_a_user_removes_their_rows(app, alice, bob):
    with app.app_context():
        db.session.add_all([session_row(alice.id), session_row(bob.id)])
        db.session.commit()
        db.session.delete(db.session.get(User, alice.id))
        db.session.commit()
        owners = db.session.scalars(select(MassageSession.user_id)).all()
        assert owners == [bob.id]


def test_api_token_hash_is_sha256_hex():
    assert ApiToken.hash("br_secret") == hashlib.sha256(b"br_secret").hexdigest()
    assert len(ApiToken.hash("br_secret")) == 64
