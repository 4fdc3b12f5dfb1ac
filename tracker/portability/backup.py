"""Restore our own JSON backup (accounts' export) into the signed-in account.

The backup is a dump of every owned table. A restore merges: rows already in the account
(matched by client UUID, by night for sleep, by name and creation time for therapists and
for routines from backups older than their UUID; the restore keeps creation times) are skipped, so restoring twice adds
nothing. Old ids are mapped to the new rows' ids; reminders are re-planned once at the end.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, Integer, String, Time

from .. import timeutil
from ..extensions import db
from ..logbook.schema import CHOICES, SCALES
from ..models import (
    Appointment,
    MassageSession,
    Routine,
    SleepLog,
    Therapist,
    User,
    WaterIntake,
)
from ..models.session import FOCUS_AREAS, TOOLS
from ..models.types import UTCDateTime
from ..models.user import DEFAULT_REMINDER_PREFS
from ..signals import preferences_changed
from ..values import Invalid, parse_list
from .result import ImportResult, Problem

FORMAT = "back-relief-export"
# Parents before children, so a child's reference can be mapped to its parent's new id.
MODELS = {
    "therapist": Therapist,
    "routine": Routine,
    "appointment": Appointment,
    "massage_session": MassageSession,
    "sleep_log": SleepLog,
    "water_intake": WaterIntake,
}
# column -> table it refers to
REFS = {
    "therapist_id": "therapist",
    "routine_id": "routine",
    "appointment_id": "appointment",
    "session_id": "massage_session",
}
SETTINGS = (
    "timezone",
    "quiet_start",
    "quiet_end",
    "wake_time",
    "reminder_time",
    "reminder_prefs",
    "safety_conditions",
    "calendar_alarms",
    "advisory_dismissed",
)
# JSON list columns: checked item by item, since pages read every item as one of these names.
LISTS = {"focus_areas": FOCUS_AREAS, "tools": TOOLS}
SESSION_SCALES = {k: v for k, v in SCALES.items() if k != "sleep_quality"}
RANGES = {
    "massage_session": {**SESSION_SCALES, "sleep_quality": (1, 5)},
    "sleep_log": {"quality": (1, 5)},
}


def _keys(table: str, row: dict) -> list[Any]:
    """What identifies the row within an account, best first. Routines have a client UUID
    (unique per account) since b4f8e2d6c1a3: matched by it first, so a routine renamed since
    the backup is the same routine, not a second one with a clashing UUID; older backups
    without it match by name and creation time."""
    if table == "routine":
        named = (row["name"], row["created_at"])
        return [("uuid", row["client_id"]), named] if row.get("client_id") else [named]
    if table == "therapist":
        return [(row["name"], row["created_at"])]
    if table == "sleep_log":
        return [row["night"]]
    return [row["client_id"]]


def _coerce(column, value: Any) -> Any:
    """The column's Python value from its JSON form, or ValueError with a reason."""
    if value is None:
        if column.nullable:
            return None
        raise ValueError("is required")
    kind = column.type
    if isinstance(kind, UTCDateTime):
        when = datetime.fromisoformat(_text(value))
        if when.tzinfo is None:
            raise ValueError("needs a UTC offset")
        return when
    if isinstance(kind, Date):
        return date.fromisoformat(_text(value))
    if isinstance(kind, Time):
        return time.fromisoformat(_text(value))
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        return value
    if isinstance(kind, Float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        return float(value)
    if isinstance(kind, JSON):
        if not isinstance(value, list | dict):
            raise ValueError("must be a list or an object")
        return value
    if isinstance(kind, String):
        text = _text(value)
        if kind.length and len(text) > kind.length:
            raise ValueError(f"is longer than {kind.length} characters")
        if "\x00" in text:
            raise ValueError("contains a NUL character")
        return text
    raise ValueError(f"has a type the restore doesn't know ({kind})")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _check_domain(table: str, values: dict) -> str | None:
    for name, (low, high) in RANGES.get(table, {}).items():
        value = values.get(name)
        if value is not None and not low <= value <= high:
            return f"{name}: must be between {low} and {high}"
    for name, allowed in CHOICES.items():
        if table in ("massage_session", "routine", "appointment") and name in values:
            if name == "style" and table != "massage_session":
                continue
            if values[name] not in allowed:
                return f"{name}: {values[name]!r} isn't one of {', '.join(a for a in allowed if a)}"
    for name, allowed in LISTS.items():
        if table in ("massage_session", "routine") and values.get(name) is not None:
            try:
                values[name] = parse_list(values[name], allowed)
            except Invalid as err:
                return f"{name}: {err}"
    return None


def _check_prefs(prefs: Any) -> str | None:
    """reminder_prefs: known keys with values of the default's type (the planner reads them)."""
    if not isinstance(prefs, dict):
        return "reminder_prefs: must be an object"
    for key, value in prefs.items():
        default = DEFAULT_REMINDER_PREFS.get(key)
        if default is None:
            return f"reminder_prefs: unknown setting {key!r}"
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, list):
            ok = isinstance(value, list) and all(type(v) is int and 0 <= v <= 10_080 for v in value)
        else:
            ok = type(value) is int and 0 <= value <= 100
        if not ok:
            return f"reminder_prefs: {key} has a value of the wrong kind"
    return None


def parse(raw: bytes) -> tuple[dict | None, list[Problem]]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, [Problem("The file isn't UTF-8 text.")]
    except json.JSONDecodeError as err:
        return None, [Problem(f"isn't valid JSON ({err.msg})", line=err.lineno, column=err.colno)]
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None, [
            Problem('This isn\'t a Back Relief backup (no "format": "back-relief-export").')
        ]
    tables = data.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(tables.get(name, []), list) for name in (*MODELS, "user")
    ):
        return None, [Problem('"tables" must map each table name to a list of rows.')]
    return data, []


def restore(raw: bytes, user, limit_rows: int) -> ImportResult:
    """Validate everything, then add what's new. The caller commits or rolls back."""
    result = ImportResult(kind="Back Relief backup (JSON)")
    data, result.problems = parse(raw)
    if data is None:
        return result
    tables = data["tables"]
    total = sum(len(tables.get(name, [])) for name in MODELS)
    if total > limit_rows:
        result.problems.append(
            Problem(f"The backup has {total:,} rows; at most {limit_rows:,} can be restored.")
        )
        return result
    settings = _settings(tables.get("user", []), result)
    pending: dict[str, list[tuple[int | None, dict]]] = {}
    for name, model in MODELS.items():
        pending[name] = _rows(name, model, tables.get(name, []), result)
    if result.problems:
        return result
    ids: dict[str, dict[int, int]] = {name: {} for name in MODELS}
    for name, model in MODELS.items():
        existing = {
            key: row
            for row in db.session.scalars(db.select(model).where(model.user_id == user.id))
            for key in _keys(name, _row_dict(row))
        }
        for index, (old_id, values) in enumerate(pending[name], start=1):
            if not _map_refs(name, index, values, ids, result):
                continue
            found = next((existing[k] for k in _keys(name, values) if k in existing), None)
            if found is None:
                found = model(user_id=user.id, **values)
                db.session.add(found)
                result.count(name, created=True)
                if len(result.preview) < 10:
                    result.preview.append({"table": name, **_shown(values)})
            else:
                result.count(name, created=False)
            db.session.flush()
            if old_id is not None:
                ids[name][old_id] = found.id
    if result.problems:
        return result
    for column, value in settings.items():
        setattr(user, column, value)
    db.session.flush()
    # One re-plan for the whole restore instead of one per row.
    preferences_changed.send(user, zone_changed=True)
    return result


def _map_refs(name: str, index: int, values: dict, ids: dict, result: ImportResult) -> bool:
    """Point the row's references at the rows restored from the backup's ids."""
    for column, target in REFS.items():
        ref = values.get(column)
        if ref is None or column not in MODELS[name].__table__.c:
            continue
        if ref not in ids[target]:
            message = f"{name} row {index}: {column} {ref} isn't a row of the backup"
            result.problems.append(Problem(message, column=column))
            return False
        values[column] = ids[target][ref]
    return True


def _row_dict(row) -> dict:
    return {c.name: getattr(row, c.key) for c in row.__table__.c}


def _shown(values: dict) -> dict:
    return {k: v for k, v in values.items() if k in ("occurred_at", "kind", "name", "night")}


def _rows(name: str, model, rows: list, result: ImportResult) -> list[tuple[int | None, dict]]:
    out = []
    columns = [c for c in model.__table__.c if c.name not in ("id", "user_id")]
    for index, row in enumerate(rows, start=1):
        where = f"{name} row {index}"
        if not isinstance(row, dict):
            result.problems.append(Problem(f"{where}: must be an object"))
            continue
        values, ok = {}, True
        for column in columns:
            if column.name not in row:
                if column.default is None and column.server_default is None and not column.nullable:
                    result.problems.append(Problem(f"{where}: is required", column=column.name))
                    ok = False
                continue
            try:
                values[column.key] = _coerce(column, row[column.name])
            except ValueError as err:
                result.problems.append(Problem(f"{where}: {err}", column=column.name))
                ok = False
        if ok:
            problem = _check_domain(name, values)
            if problem:
                result.problems.append(Problem(f"{where}, {problem}"))
                continue
            old_id = row.get("id")
            out.append((old_id if isinstance(old_id, int) else None, values))
    return out


def _settings(rows: list, result: ImportResult) -> dict:
    if not rows:
        return {}
    row = rows[0] if isinstance(rows[0], dict) else {}
    out = {}
    for name in SETTINGS:
        if name in row:
            try:
                out[name] = _coerce(User.__table__.c[name], row[name])
            except ValueError as err:
                result.problems.append(Problem(f"user settings: {err}", column=name))
    problem = _check_prefs(out["reminder_prefs"]) if "reminder_prefs" in out else None
    conditions = out.get("safety_conditions")
    if conditions is not None and not (
        isinstance(conditions, list)
        and all(isinstance(c, str) and len(c) <= 40 for c in conditions)
    ):
        problem = "safety_conditions: must be a list of names"
    if problem:
        result.problems.append(Problem(f"user settings: {problem}"))
    if "timezone" in out and not timeutil.is_valid_zone(out["timezone"]):
        result.problems.append(
            Problem(f"user settings: unknown time zone {out['timezone']!r}", column="timezone")
        )
    return out
