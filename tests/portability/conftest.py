"""Portability fixtures: a frozen clock and helpers to export and compare accounts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine

from tracker.accounts.data import export_user
from tracker.extensions import db

NOW = datetime(2026, 11, 7, 14, 0, tzinfo=UTC)
RESTORED = ("therapist", "routine", "appointment", "massage_session", "sleep_log", "water_intake")
REFS = {
    "therapist_id": "therapist",
    "routine_id": "routine",
    "appointment_id": "appointment",
    "session_id": "massage_session",
}
SETTINGS = ("timezone", "quiet_start", "quiet_end", "wake_time", "reminder_time")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def comparable(app, user_id: int) -> dict:
    """The restorable part of an export, with ids replaced by each row's rank in its table
    (so two accounts compare equal whatever ids the database handed out)."""
    with app.app_context():
        tables = export_user(user_id)
        db.session.remove()
    ranks = {name: {row["id"]: i for i, row in enumerate(tables[name])} for name in RESTORED}
    out = {}
    for name in RESTORED:
        rows = []
        for row in tables[name]:
            row = {k: v for k, v in row.items() if k not in ("id", "user_id", "updated_at")}
            for column, target in REFS.items():
                if row.get(column) is not None:
                    row[column] = ranks[target][row[column]]
            rows.append(row)
        out[name] = rows
    out["settings"] = {k: tables["user"][0][k] for k in SETTINGS}
    return out


def backup_bytes(client) -> bytes:
    response = client.get("/settings/data/export.json")
    assert response.status_code == 200
    json.loads(response.data)  # a real JSON document
    return response.data
