"""Loop Habit Tracker's export: a zip with Habits.csv, Checkmarks.csv (Date, one column per
habit, newest first, trailing comma) and a folder per habit. A checked day (YES_MANUAL, or
2 in older versions) of a habit mapped to a routine becomes a minimal self-massage session
at the routine's preferred time; days Loop filled in itself (YES_AUTO) are not sessions.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

from .. import timeutil
from ..extensions import db
from ..models import Routine
from . import sessions
from .result import ImportResult, Problem
from .table import TableError, read_table

CHECKED = {"YES_MANUAL", "2"}
# Zip bombs: decide from the central directory before reading a byte of content.
MAX_MEMBERS = 500
MAX_MEMBER_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_RATIO = 200


def _checkmarks(raw: bytes) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as err:
        raise TableError(Problem("The file isn't a zip archive (Loop exports a .zip).")) from err
    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_MEMBERS or total > MAX_TOTAL_BYTES:
        raise TableError(Problem("The zip unpacks to too many or too large files; refused."))
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > 1024 * 1024 and ratio > MAX_RATIO
        ):
            raise TableError(Problem(f"{info.filename} unpacks to too much data; refused."))
    if "Checkmarks.csv" not in archive.namelist():
        raise TableError(
            Problem("The zip has no Checkmarks.csv: is it a Loop Habit Tracker export?")
        )
    with archive.open("Checkmarks.csv") as member:
        data = member.read(MAX_MEMBER_BYTES + 1)  # the header could lie about the size
    if len(data) > MAX_MEMBER_BYTES:
        raise TableError(Problem("Checkmarks.csv unpacks to too much data; refused."))
    return data


def discover(raw: bytes, max_rows: int) -> dict:
    header, _ = read_table(_checkmarks(raw), max_rows)
    return {"habits": [h for h in header[1:] if h]}


def run(raw: bytes, user, options: dict, max_rows: int) -> ImportResult:
    result = ImportResult(kind="Loop Habit Tracker export")
    try:
        header, rows = read_table(_checkmarks(raw), max_rows)
    except TableError as err:
        result.problems.append(err.problem)
        return result
    habits = options.get("habits", {})
    if not habits:
        result.problems.append(Problem("Choose which habit is your massage and its routine."))
    routines = {}
    for habit, routine_id in habits.items():
        if habit not in header[1:]:
            result.problems.append(Problem(f"no habit named {habit!r} in Checkmarks.csv", line=1))
        routine = db.session.scalar(
            db.select(Routine).where(Routine.id == routine_id, Routine.user_id == user.id)
        )
        if routine is None:
            result.problems.append(Problem(f"routine {routine_id} isn't one of your routines"))
        routines[habit] = routine
    if result.problems:
        return result
    staged = []
    for line, row in rows:
        for habit, routine in routines.items():
            if row.get(habit, "").strip() not in CHECKED:
                continue
            try:
                day = date.fromisoformat(row.get("Date", "").strip())
            except ValueError:
                result.problems.append(Problem("isn't a date like 2026-03-01", line, "Date"))
                continue
            values = {
                "client_id": sessions.content_id("loop", habit, day),
                "occurred_at": timeutil.local_to_utc(day, routine.preferred_time, user.timezone),
                "kind": "self",
                "routine_id": routine.id,
                "duration_minutes": routine.duration_minutes,
                "pain_before": None,
                "pain_after": None,
                "mood": None,
            }
            if sessions.check(line, values, result, {}):
                staged.append(values)
    if not result.problems:
        sessions.stage(user, staged, result)
    return result
