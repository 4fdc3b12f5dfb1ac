"""Export and delete cover every table, for one user only."""

import json

from sqlalchemy import func, select

from tracker.accounts.data import owned_tables
from tracker.extensions import db

from ..seed import seed


def count(table, user_id: int) -> int:
    col = table.c.id if table.name == "user" else table.c.user_id
    return db.session.scalar(select(func.count()).select_from(table).where(col == user_id))


def test_every_user_table_is_covered_by_the_fixture(app, alice):
    seed(app, alice)
    with app.app_context():
        empty = [t.name for t in owned_tables() if count(t, alice.id) == 0]
        assert empty == [], "add the new table to tests/seed.py so export/delete are tested on it"


def test_export_contains_my_rows_and_nobody_elses(alice_client, app, alice, bob):
    seed(app, alice)
    seed(app, bob)
    response = alice_client.get("/settings/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    tables = data["tables"]
    assert {t.name for t in owned_tables()} <= set(tables)
    for name, rows in tables.items():
        assert rows, f"{name} missing from export"
        for row in rows:
            owner = row["id"] if name == "user" else row["user_id"]
            assert owner == alice.id
    assert "private note of alice@example.com" in [r["notes"] for r in tables["massage_session"]]
    assert "password_hash" not in tables["user"][0]
    assert "token_hash" not in tables["api_token"][0]
    assert b"bob@example.com" not in response.data


def test_delete_account_removes_every_row_and_keeps_others(alice_client, app, alice, bob):
    seed(app, alice)
    seed(app, bob)
    wrong = alice_client.post("/settings/delete", data={"password": "nope"})
    assert b"Nothing was deleted" in wrong.data
    response = alice_client.post("/settings/delete", data={"password": "alice-password-1"})
    assert response.status_code == 302
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if "user_id" in table.c or table.name == "user":
                assert count(table, alice.id) == 0, table.name
                assert count(table, bob.id) > 0, table.name
    assert alice_client.get("/trends").status_code == 302  # signed out ("/" is the landing)
