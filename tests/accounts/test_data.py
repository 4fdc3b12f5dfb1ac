"""Export and delete cover every table, for one user only."""

import json
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from tracker.accounts.data import owned_tables
from tracker.extensions import db
from tracker.models import (
    ApiToken,
    Appointment,
    MassageSession,
    PushSubscription,
    Reminder,
    Routine,
    SleepLog,
    Therapist,
    UsedActionToken,
    WaterIntake,
)

WHEN = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def fill(user_id: int, tag: str) -> None:
    """One row in every user-owned table."""
    therapist = Therapist(user_id=user_id, name=f"Dana-{tag}")
    db.session.add(therapist)
    db.session.flush()
    routine = Routine(user_id=user_id, name=f"Fortnightly-{tag}", anchor_date=date(2026, 1, 1),
                      therapist_id=therapist.id)
    db.session.add(routine)
    db.session.flush()
    appt = Appointment(user_id=user_id, client_id=str(uuid.uuid4()), routine_id=routine.id,
                       therapist_id=therapist.id, starts_at=WHEN)
    db.session.add(appt)
    db.session.flush()
    session = MassageSession(user_id=user_id, client_id=str(uuid.uuid4()), occurred_at=WHEN,
                             pain_before=6, pain_after=3, mood=4, appointment_id=appt.id,
                             notes=f"note-{tag}")
    db.session.add(session)
    db.session.flush()
    db.session.add_all([
        SleepLog(user_id=user_id, night=date(2026, 11, 2), quality=4),
        WaterIntake(user_id=user_id, client_id=str(uuid.uuid4()), session_id=session.id),
        PushSubscription(user_id=user_id, endpoint=f"https://fcm.googleapis.com/fcm/send/{tag}",
                         p256dh="p", auth="a"),
        Reminder(user_id=user_id, kind="hydration", subject_id=session.id, slot="0",
                 due_at=WHEN, stale_at=WHEN, next_attempt_at=WHEN),
        UsedActionToken(user_id=user_id, jti=f"jti-{tag}"),
        ApiToken(user_id=user_id, label="script", token_hash=ApiToken.hash(tag), prefix="br_"),
    ])
    db.session.commit()


def count(table, user_id: int) -> int:
    col = table.c.id if table.name == "user" else table.c.user_id
    return db.session.scalar(select(func.count()).select_from(table).where(col == user_id))


def test_every_user_table_is_covered_by_the_fixture(app, alice):
    with app.app_context():
        fill(alice.id, "a")
        empty = [t.name for t in owned_tables() if count(t, alice.id) == 0]
        assert empty == [], "add the new table to fill() so export/delete are tested on it"


def test_export_contains_my_rows_and_nobody_elses(alice_client, app, alice, bob):
    with app.app_context():
        fill(alice.id, "a")
        fill(bob.id, "b")
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
    assert tables["massage_session"][0]["notes"] == "note-a"
    assert "password_hash" not in tables["user"][0]
    assert "token_hash" not in tables["api_token"][0]
    assert b"Dana-b" not in response.data


def test_delete_account_removes_every_row_and_keeps_others(alice_client, app, alice, bob):
    with app.app_context():
        fill(alice.id, "a")
        fill(bob.id, "b")
    wrong = alice_client.post("/settings/delete", data={"password": "nope"})
    assert b"Nothing was deleted" in wrong.data
    response = alice_client.post("/settings/delete", data={"password": "alice-password-1"})
    assert response.status_code == 302
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if "user_id" in table.c or table.name == "user":
                assert count(table, alice.id) == 0, table.name
                assert count(table, bob.id) > 0, table.name
    assert alice_client.get("/").status_code == 302
