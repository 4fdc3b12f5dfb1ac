"""Export and delete every row a user owns, across every table.

Both walk db.metadata, so a table added later is covered without touching this file:
a table belongs to a user through a `user_id` column (or is the user table itself).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Table, delete, select

from .. import timeutil
from ..extensions import db

# Secrets never leave the server, even to their owner.
REDACTED = {
    "user": {"password_hash", "calendar_token"},
    "api_token": {"token_hash"},
    "sign_in": {"token_hash"},
}


def owned_tables() -> list[Table]:
    return [t for t in db.metadata.sorted_tables if "user_id" in t.c or t.name == "user"]


def _owner_clause(table: Table, user_id: int):
    return table.c.id == user_id if table.name == "user" else table.c.user_id == user_id


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return timeutil.iso(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def export_user(user_id: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for table in owned_tables():
        hidden = REDACTED.get(table.name, set())
        rows = db.session.execute(
            select(table).where(_owner_clause(table, user_id)).order_by(table.c.id)
        ).mappings()
        out[table.name] = [
            {k: _jsonable(v) for k, v in row.items() if k not in hidden} for row in rows
        ]
    return out


def delete_user(user_id: int) -> None:
    """Delete children before parents; relying on ON DELETE CASCADE alone fails on SQLite
    without PRAGMA foreign_keys, so every table is cleared explicitly."""
    for table in reversed(owned_tables()):
        db.session.execute(delete(table).where(_owner_clause(table, user_id)))
