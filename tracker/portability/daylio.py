"""Daylio's CSV export: entries with a chosen activity become sessions.

Daylio writes full_date,date,weekday,time,mood,activities,note_title,note (older versions:
year,date,...,note), newest first; activities are separated by " | " and moods are the
user's labels (the defaults rad, good, meh, bad, awful, or custom ones).
"""

from __future__ import annotations

from datetime import date, datetime

from .. import timeutil
from ..logbook.schema import DEFAULT_DURATION
from . import sessions
from .result import ImportResult, Problem
from .table import TableError, read_table

REQUIRED = ("full_date", "time", "mood", "activities")
DEFAULT_MOODS = {"rad": 5, "good": 4, "meh": 3, "bad": 2, "awful": 1}
TIME_FORMATS = ("%I:%M %p", "%H:%M", "%I:%M%p")


def looks_like(header: list[str]) -> bool:
    return all(column in header for column in REQUIRED)


def activities_of(cell: str) -> list[str]:
    return [a.strip().lower() for a in cell.split("|") if a.strip()]


def discover(raw: bytes, max_rows: int) -> dict:
    """The activities and moods in the file, for the wizard's choices."""
    _, rows = read_table(raw, max_rows)
    found = {a for _, row in rows for a in activities_of(row.get("activities", ""))}
    moods = {row.get("mood", "").strip().lower() for _, row in rows} - {""}
    return {"activities": sorted(found), "moods": sorted(moods)}


def _time(text: str):
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text.strip().upper(), fmt).time()
        except ValueError:
            continue
    raise ValueError(f"{text!r} isn't a time like 8:30 pm or 20:30")


def run(raw: bytes, user, options: dict, max_rows: int) -> ImportResult:
    result = ImportResult(kind="Daylio CSV")
    chosen = {a.strip().lower() for a in options.get("activities", []) if a.strip()}
    kind = options.get("kind") or "self"
    moods = {**DEFAULT_MOODS, **{k.strip().lower(): v for k, v in options.get("moods", {}).items()}}
    if not chosen:
        result.problems.append(Problem("Choose the activities that mark a massage."))
    if kind not in DEFAULT_DURATION:
        result.problems.append(Problem(f"Kind must be one of {', '.join(DEFAULT_DURATION)}."))
    try:
        header, rows = read_table(raw, max_rows)
    except TableError as err:
        result.problems.append(err.problem)
        return result
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        result.problems.append(Problem(f"missing column(s): {', '.join(missing)}", line=1))
    if result.problems:
        return result
    staged = []
    for line, row in rows:
        picked = chosen.intersection(activities_of(row["activities"]))
        if not picked:
            continue  # a day without a massage: not a session
        values = _values(line, row, user, kind, moods, result)
        if values is not None and sessions.check(line, values, result, {"notes": "note"}):
            staged.append(values)
    if not result.problems:
        sessions.stage(user, staged, result)
    return result


def _values(line, row, user, kind, moods, result) -> dict | None:
    ok = True
    try:
        day = date.fromisoformat(row["full_date"].strip())
    except ValueError:
        result.problems.append(Problem("isn't a date like 2026-03-01", line, "full_date"))
        ok = False
    try:
        at = _time(row["time"])
    except ValueError as err:
        result.problems.append(Problem(str(err), line, "time"))
        ok = False
    label = row["mood"].strip().lower()
    mood = moods.get(label)
    if mood is None:
        message = f"unknown mood {label!r}: map it to a number from 1 to 5"
        result.problems.append(Problem(message, line, "mood"))
        ok = False
    if not ok:
        return None
    title, note = row.get("note_title", "").strip(), row.get("note", "").strip()
    return {
        "client_id": sessions.content_id("daylio", day, at, label, row["activities"], note),
        "occurred_at": timeutil.local_to_utc(day, at, user.timezone),
        "kind": kind,
        "duration_minutes": DEFAULT_DURATION[kind],
        "mood": int(mood),
        "pain_before": None,
        "pain_after": None,
        "notes": "\n".join(t for t in (title, note) if t),
    }
