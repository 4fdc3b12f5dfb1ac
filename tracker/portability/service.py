"""Run an import all or nothing: detect the format, validate, save only when asked."""

from __future__ import annotations

import json

from .. import timeutil
from ..extensions import db
from ..logbook import csvio
from ..signals import preferences_changed
from . import backup, daylio, loop, sheet
from .result import ImportResult, Problem
from .table import TableError, read_table

FORMATS = ("json", "csv", "daylio", "loop", "sheet")
LABELS = {
    "json": "Back Relief backup (JSON)",
    "csv": "Back Relief sessions (CSV)",
    "daylio": "Daylio CSV export",
    "loop": "Loop Habit Tracker export (zip)",
    "sheet": "Any spreadsheet (CSV)",
}
# Formats that need the user's choices (activities, habits, columns) before a preview.
NEEDS_OPTIONS = {"daylio": daylio.discover, "loop": loop.discover, "sheet": sheet.discover}
MAX_BYTES = csvio.MAX_BYTES
MAX_ROWS = csvio.MAX_ROWS


def too_big() -> str:
    return f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller files."


def detect(raw: bytes, filename: str = "") -> str | None:
    """The format by content (a renamed file still works)."""
    if raw.startswith(b"PK\x03\x04"):
        return "loop"
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "json"
    try:
        header, _ = read_table(raw[:4096].rsplit(b"\n", 1)[0] or raw[:4096], 100)
    except TableError:
        return None
    if daylio.looks_like(header):
        return "daylio"
    if "occurred_at" in [h.lower() for h in header]:
        return "csv"
    return "sheet" if len(header) > 1 else None


def discover(raw: bytes, fmt: str) -> tuple[dict, list[Problem]]:
    try:
        return NEEDS_OPTIONS[fmt](raw, MAX_ROWS), []
    except TableError as err:
        return {}, [err.problem]


def _csv(raw: bytes, user) -> ImportResult:
    result = ImportResult(kind=LABELS["csv"])
    header, rows, _ = csvio.read_rows(raw)
    outcome = csvio.import_csv(raw, user)
    result.problems = [Problem(message) for message in outcome.errors]
    if outcome.created:
        result.created["massage_session"] = outcome.created
    if outcome.skipped:
        result.skipped["massage_session"] = outcome.skipped
    for _line, cells in rows[:10]:
        result.preview.append(dict(zip(header, cells, strict=False)))
    return result


def run(
    raw: bytes, fmt: str | None, user, *, save: bool, options: dict | None = None
) -> ImportResult:
    """Validate and stage every row; commit only when save and there is no problem."""
    options = options or {}
    if len(raw) > MAX_BYTES:
        return ImportResult(kind="upload", problems=[Problem(too_big())])
    fmt = fmt or detect(raw)
    if fmt == "json":
        result = backup.restore(raw, user, MAX_ROWS)
    elif fmt == "csv":
        result = _csv(raw, user)
    elif fmt in NEEDS_OPTIONS:
        result = {"daylio": daylio, "loop": loop, "sheet": sheet}[fmt].run(
            raw, user, options, MAX_ROWS
        )
        if result.ok and result.created:
            preferences_changed.send(user)  # one re-plan for the whole import
    else:
        message = "Unknown file format: choose a backup, a CSV or a Loop zip."
        return ImportResult(kind="upload", problems=[Problem(message)])
    if save and result.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return result


def export_payload(user, export_user) -> str:
    """The JSON backup; accounts' export walks every owned table."""
    payload = {
        "format": backup.FORMAT,
        "version": 1,
        "exported_at": timeutil.iso(timeutil.now()),
        "tables": export_user(user.id),
    }
    return json.dumps(payload, indent=2, sort_keys=True)
