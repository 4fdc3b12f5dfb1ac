"""Migrations never lose rows: a seeded account survives a step down and back up again.

On SQLite, Alembic's batch mode rebuilds a table by copy-and-drop; dropping "user" with
foreign keys on deletes every row that cascades from it. This caught a migration that did
exactly that to every account's tokens, sessions and routines."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, stamp, upgrade
from sqlalchemy import text

from tests.seed import seed
from tracker.extensions import db

STEPS_BACK = 3  # the newest migrations: the ones a running install has not applied yet


def counts() -> dict[str, int]:
    found = {
        name: db.session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
        for name in db.metadata.tables
    }
    db.session.commit()  # an open read would hold PostgreSQL locks the migration waits for
    return found


def test_the_newest_migrations_keep_every_row_down_and_up(app, alice, bob):
    seed(app, alice)
    seed(app, bob)
    with app.app_context():
        before = counts()
        assert before["user"] == 2 and before["massage_session"] > 0 and before["api_token"] > 0
        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        head = script.get_current_head()
        older = head
        for _ in range(STEPS_BACK):
            older = script.get_revision(older).down_revision
        db.session.remove()
        stamp()  # the test schema is the models' (create_all), which is the head's
        downgrade(revision=older)
        db.session.remove()
        assert counts() == before
        upgrade()
        db.session.remove()
        assert counts() == before
