"""The sign-in migration keeps every account and its rows (SQLite copies the user table)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import column, insert, table, text
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db

BEFORE = "148aca57ad2f"  # the revision before sign-ins


def add_user(email: str) -> int:
    """A user row with only the columns every revision here has (the model's table would add
    the defaults of columns that later migrations create)."""
    values = {
        "email": email,
        "password_hash": "x",
        "timezone": "UTC",
        "quiet_start": datetime(2026, 1, 1, 22).time(),
        "quiet_end": datetime(2026, 1, 1, 8).time(),
        "wake_time": datetime(2026, 1, 1, 8).time(),
        "reminder_time": datetime(2026, 1, 1, 18).time(),
        "reminder_prefs": {},
        "safety_conditions": [],
        "calendar_token": f"cal-{email}",
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "data_version": 0,
    }
    model = db.metadata.tables["user"].c
    user = table("user", column("id"), *(column(name, model[name].type) for name in values))
    return db.session.execute(insert(user).values(values).returning(user.c.id)).scalar_one()


def rows(sql: str) -> list[tuple]:
    found = [tuple(r) for r in db.session.execute(text(sql)).all()]
    db.session.commit()  # an open read would hold PostgreSQL locks the migration waits for
    return found


def test_the_sign_in_migration_keeps_accounts_and_their_rows(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(revision=BEFORE)
        ids = [add_user(f"u{n}@example.com") for n in range(3)]
        for user_id in ids:
            db.session.execute(
                text(
                    "INSERT INTO api_token (user_id, label, token_hash, prefix, created_at) "
                    "VALUES (:u, 'script', :h, 'br_x', :t)"
                ),
                {"u": user_id, "h": f"hash-{user_id}", "t": datetime(2026, 1, 1, tzinfo=UTC)},
            )
        db.session.commit()
        tokens = rows("SELECT id, user_id FROM api_token ORDER BY id")

        upgrade()
        db.session.remove()
        assert rows('SELECT id FROM "user" ORDER BY id') == [(i,) for i in ids]
        assert rows("SELECT id, user_id FROM api_token ORDER BY id") == tokens  # no cascade
        assert rows("SELECT DISTINCT scope FROM api_token") == [("write",)]  # as before scopes
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'user'")
                assert "AUTOINCREMENT" in sql.scalar()
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with pytest.raises(IntegrityError):  # the case-insensitive email index survived
            add_user("U0@Example.com")
        db.session.rollback()

        newest = add_user("new@example.com")
        db.session.execute(text('DELETE FROM "user" WHERE id = :i'), {"i": newest})
        db.session.commit()
        assert add_user("newer@example.com") == newest + 1  # a deleted id is never reused
        db.session.commit()

        downgrade(revision=BEFORE)
        db.session.remove()
        assert len(rows('SELECT id FROM "user"')) == 4
        assert rows("SELECT id, user_id FROM api_token ORDER BY id") == tokens
        upgrade()
