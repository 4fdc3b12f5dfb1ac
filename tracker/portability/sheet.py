"""Any spreadsheet's CSV, through a column mapping: which column is the date, the ratings...

Handles a BOM, semicolon or tab separators, decimal commas (6,0) and Excel serial dates
(45567.75 = 2024-10-01 18:00), and a date format and time zone of the user's choice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .. import timeutil
from ..logbook.schema import DEFAULT_DURATION, THERAPIST_MAX
from . import sessions
from .result import ImportResult, Problem
from .table import TableError, read_table

FIELDS = (
    "date",
    "time",
    "kind",
    "pain_before",
    "pain_after",
    "mood",
    "duration_minutes",
    "therapist",
    "notes",
)
NUMBERS = ("pain_before", "pain_after", "mood", "duration_minutes")
EXCEL_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (it counts 1900 as a leap year)


def discover(raw: bytes, max_rows: int) -> dict:
    header, _ = read_table(raw, max_rows)
    return {"columns": [h for h in header if h]}


def _number(text: str) -> int:
    value = float(text.strip().replace(",", "."))
    if value != int(value):
        raise ValueError("must be a whole number")
    return int(value)


def _when(cell: str, at: str, fmt: str, zone: str) -> datetime:
    text = cell.strip()
    try:
        serial = float(text.replace(",", "."))
    except ValueError:
        serial = None
    if serial is not None and not fmt and 1 <= serial < 2_958_466:
        local = EXCEL_EPOCH + timedelta(days=serial)
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=local.second >= 30)
    elif fmt:
        local = datetime.strptime(text, fmt)
    else:
        local = datetime.fromisoformat(text)
    if at.strip():
        clock = datetime.strptime(at.strip(), "%H:%M").time()
        local = datetime.combine(local.date(), clock, tzinfo=local.tzinfo)
    if local.tzinfo is not None:
        return timeutil.as_utc(local)
    return timeutil.local_to_utc(local.date(), local.time(), zone)


def run(raw: bytes, user, options: dict, max_rows: int) -> ImportResult:
    result = ImportResult(kind="Spreadsheet CSV")
    mapping = {k: v for k, v in options.get("map", {}).items() if v}
    zone = options.get("timezone") or user.timezone
    fmt = options.get("date_format") or ""
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        result.problems.append(
            Problem(f"unknown field(s) {', '.join(unknown)}; use {', '.join(FIELDS)}")
        )
    if "date" not in mapping:
        result.problems.append(Problem("Choose the column that holds the date."))
    if not timeutil.is_valid_zone(zone):
        result.problems.append(Problem(f"unknown time zone {zone!r}"))
    try:
        header, rows = read_table(raw, max_rows)
    except TableError as err:
        result.problems.append(err.problem)
        return result
    for field, column in mapping.items():
        if column not in header:
            result.problems.append(Problem(f"no column named {column!r} (for {field})", line=1))
    if result.problems:
        return result
    staged = []
    for line, row in rows:
        values = _values(line, row, mapping, fmt, zone, result)
        if values is not None and sessions.check(line, values, result, mapping):
            staged.append(values)
    if not result.problems:
        sessions.stage(user, staged, result)
    return result


def _values(line, row, mapping, fmt, zone, result) -> dict | None:
    def cell(field: str) -> str:
        return (row.get(mapping[field]) or "") if field in mapping else ""

    ok = True
    try:
        when = _when(cell("date"), cell("time"), fmt, zone)
    except (ValueError, OverflowError):
        example = fmt or "2026-03-01, 2026-03-01T18:00 or an Excel date number"
        result.problems.append(Problem(f"isn't a date matching {example}", line, mapping["date"]))
        ok = False
    kind = cell("kind").strip().lower() or "self"
    if kind not in DEFAULT_DURATION:
        result.problems.append(Problem("must be self or professional", line, mapping.get("kind")))
        ok = False
    numbers = {}
    for field in NUMBERS:
        text = cell(field)
        if not text.strip():
            numbers[field] = None
            continue
        try:
            numbers[field] = _number(text)
        except ValueError:
            result.problems.append(
                Problem(f"{text.strip()!r} isn't a whole number", line, mapping[field])
            )
            ok = False
    therapist = cell("therapist").strip()
    if len(therapist) > THERAPIST_MAX:
        result.problems.append(
            Problem(f"is longer than {THERAPIST_MAX} characters", line, mapping["therapist"])
        )
        ok = False
    if not ok:
        return None
    notes = cell("notes").strip()
    duration = numbers.pop("duration_minutes") or DEFAULT_DURATION[kind]
    return {
        "client_id": sessions.content_id(
            "sheet", timeutil.iso(when), kind, *numbers.values(), therapist, notes
        ),
        "occurred_at": when,
        "kind": kind,
        "duration_minutes": duration,
        "therapist_name": therapist,
        "notes": notes,
        **numbers,
    }
