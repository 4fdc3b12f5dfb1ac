"""CSV export and all-or-nothing import of sessions (columns documented in docs/api.md)."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field

from .. import timeutil
from ..extensions import db
from ..models import MassageSession
from ..signals import preferences_changed
from .schema import FIELDS, LISTS, SessionSchema, apply, content, fingerprint, to_json

COLUMNS = FIELDS
REQUIRED_COLUMNS = ("occurred_at", "kind", "pain_before", "pain_after", "mood")
MAX_ROWS = 10_000
MAX_BYTES = 10 * 1024 * 1024
TOO_BIG = "The file is larger than 10 MB; split it into smaller files."
MAX_SHOWN_ERRORS = 100
# Spreadsheet apps run cells that start with these as formulas; a leading ' defuses them.
FORMULA_START = ("=", "+", "-", "@")
TEXT_COLUMNS = ("therapist", "notes")


def _cell(name: str, value) -> str:
    if value is None:
        return ""
    if name in LISTS:
        return ";".join(value)
    text = str(value)
    if name in TEXT_COLUMNS and text.startswith(FORMULA_START):
        return "'" + text
    return text


def export_csv(user) -> str:
    """Every live session, oldest first, times with the user's local offset."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = db.session.scalars(
        db.select(MassageSession)
        .options(db.selectinload(MassageSession.appointment))
        .where(MassageSession.user_id == user.id, MassageSession.deleted_at.is_(None))
        .order_by(MassageSession.occurred_at, MassageSession.id)
    )
    for session in rows:
        values = to_json(session, user.timezone)
        writer.writerow([_cell(name, values[name]) for name in COLUMNS])
    return out.getvalue()


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _header_errors(header: list[str]) -> list[str]:
    known = [h for h in header if h in COLUMNS]
    if len(header) == 1:
        for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if delimiter in header[0]:
                return [f"Line 1: the columns are separated by {name}; use commas (,) instead."]
    if not known:
        return [
            "Line 1: missing header row. The first line must name the columns, e.g. "
            + ",".join(COLUMNS)
        ]
    errors = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        errors.append(f"Line 1: missing column(s): {', '.join(missing)}.")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        errors.append(
            f"Line 1: unknown column(s): {', '.join(unknown) or '(blank)'}. "
            f"Known columns: {', '.join(COLUMNS)}."
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        errors.append(f"Line 1: column(s) named twice: {', '.join(dupes)}.")
    return errors


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8-sig")


def _unescape(name: str, value: str) -> str:
    if name in TEXT_COLUMNS and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def read_rows(raw: bytes) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
    """(header, [(line number, cells)], errors) with structural problems only."""
    if len(raw) > MAX_BYTES:
        return [], [], [TOO_BIG]
    try:
        text = _decode(raw)
    except UnicodeDecodeError:
        return [], [], ["The file isn't UTF-8 text. Save it as “CSV UTF-8” and try again."]
    if "\x00" in text:  # PostgreSQL cannot store NUL; a text CSV never contains one
        return [], [], ["The file contains NUL characters, so it isn't a text CSV."]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if not any(header):
            return [], [], ["The file is empty: it needs a header line and at least one row."]
        errors = _header_errors(header)
        if errors:
            return header, [], errors
        rows, start = [], reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((start, cells))
                if len(rows) > MAX_ROWS:
                    break
            start = reader.line_num + 1
    except csv.Error as problem:
        return [], [], [f"Line {reader.line_num}: the file isn't valid CSV ({problem})."]
    if len(rows) > MAX_ROWS:
        total = len(rows) + sum(1 for _ in reader)
        return (
            header,
            [],
            [
                f"The file has {total:,} rows; at most {MAX_ROWS:,} can be imported at once. "
                "Split it into smaller files."
            ],
        )
    if not rows:
        return header, [], ["The file has a header but no rows to import."]
    return header, rows, []


def import_csv(raw: bytes, user) -> ImportResult:
    """Validate every row first; add all new rows or nothing. The caller commits."""
    result = ImportResult()
    header, rows, result.errors = read_rows(raw)
    if result.errors:
        return result
    existing = {
        s.client_id: s
        for s in db.session.scalars(
            db.select(MassageSession).where(MassageSession.user_id == user.id)
        )
    }
    known_content = {fingerprint(content(s)) for s in existing.values()}
    schema = SessionSchema(user, timeutil.now())
    seen_ids: dict[str, int] = {}
    seen_content: set[str] = set()
    new: list[dict] = []
    for line, cells in rows:
        if len(cells) != len(header):
            result.errors.append(
                f"Line {line}: expected {len(header)} values, found {len(cells)} "
                "(check the delimiter and quotes)."
            )
            continue
        data = {name: _unescape(name, value) for name, value in zip(header, cells, strict=True)}
        has_id = bool(data.get("id", "").strip())
        if not has_id:
            data["id"] = str(uuid.uuid4())
        clean, errors = schema.clean(data)
        for column, messages in errors.items():
            result.errors.extend(f"Line {line}, column {column}: {m}" for m in messages)
        if errors:
            continue
        digest = fingerprint(clean)
        if has_id and clean["id"] in seen_ids:
            result.errors.append(
                f"Line {line}, column id: the same id is already on line {seen_ids[clean['id']]}."
            )
        elif has_id and clean["id"] in existing:
            if fingerprint(content(existing[clean["id"]])) == digest:
                result.skipped += 1
            else:
                result.errors.append(
                    f"Line {line}, column id: a different session with this id is already in "
                    "your account. Clear the id to import the row as a new session."
                )
        elif not has_id and (digest in known_content or digest in seen_content):
            result.skipped += 1  # same content already stored: matched without an id
        else:
            new.append(clean)
        seen_ids.setdefault(clean["id"], line)
        seen_content.add(digest)
    if result.errors:
        result.skipped = 0
        return result
    for clean in new:
        session = MassageSession(user_id=user.id, request_hash=fingerprint(clean))
        apply(session, clean)
        db.session.add(session)
    db.session.flush()
    if new:  # one re-plan for the whole file, not one per row
        preferences_changed.send(user)
    result.created = len(new)
    return result
