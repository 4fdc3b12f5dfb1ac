"""The therapist summary: who, which dates, safety conditions, routines, averages, the pain chart
and the last sessions with the notes meant for the therapist.

Everything is pre-formatted here in the owner's time zone, so the same template serves the
signed-in page and the public share link (where `current_user` is someone else, or nobody).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup

from .. import timeutil
from ..extensions import db
from ..labels import FOCUS_LABELS, PRESSURE_LABELS, STYLE_LABELS
from ..models import MassageSession, User
from ..routines import cadence as routine_cadence
from ..routines.safety import selected as safety_selected
from . import queries, series, svg
from .pages import DEFAULT_RANGE, RANGES
from .series import SessionRow

S = MassageSession
SUMMARY_DEFAULT, SUMMARY_MAX = 10, 50


def small_int(raw: str, most: int) -> int | None:
    """1..most from a query string, else None (ASCII digits only, so int() can't raise)."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 4:
        value = int(raw)
        return value if 1 <= value <= most else None
    return None


def options(args) -> tuple[str | None, int | None, bool, bool]:
    """(range or None, n or None, all notes, show initials) from a query string or form;
    None marks a value that was given but is not valid."""
    range_key = args.get("range", DEFAULT_RANGE)
    n = small_int(args.get("n", str(SUMMARY_DEFAULT)), SUMMARY_MAX)
    return (
        range_key if range_key in RANGES else None,
        n,
        args.get("notes") == "all",
        args.get("anon") != "1",
    )


def initials(email: str) -> str:
    """'anna.maria.berg@x' -> 'A. M.'; digits and separators in the local part are skipped."""
    parts = [p for p in re.split(r"[^A-Za-z]+", email.split("@", 1)[0]) if p]
    return " ".join(f"{p[0].upper()}." for p in parts[:2])


@dataclass(frozen=True)
class GroupAverage:
    label: str
    n: int
    before: float
    after: float

    @property
    def relief(self) -> float:
        return self.before - self.after


def group_averages(
    rows: Sequence[SessionRow], field: str, labels: dict[str, str]
) -> list[GroupAverage]:
    """Pain before/after per style or pressure over rated sessions; unset values are skipped."""
    groups: dict[str, list[SessionRow]] = defaultdict(list)
    for row in rows:
        value = getattr(row, field)
        if value and row.pain_before is not None and row.pain_after is not None:
            groups[value].append(row)
    out = [
        GroupAverage(
            labels.get(value, series.pretty(value)),
            len(group),
            series.mean(r.pain_before for r in group),
            series.mean(r.pain_after for r in group),
        )
        for value, group in groups.items()
    ]
    return sorted(out, key=lambda g: (-g.n, g.label))


@dataclass(frozen=True)
class Card:
    """One recent session, ready to print."""

    day: str
    kind: str
    pain: str
    pressure: str
    focus: str
    notes: list[str]


def card(session: MassageSession, zone: str, all_notes: bool) -> Card:
    kind = "Self-massage" if session.kind == "self" else "Professional"
    if session.therapist_name:
        kind += f", {session.therapist_name}"
    if session.style:
        kind += f" · {STYLE_LABELS.get(session.style, series.pretty(session.style)).lower()}"
    pain = (
        f"{session.pain_before} before, {session.pain_after} after"
        if session.pain_before is not None and session.pain_after is not None
        else "not rated"
    )
    notes = (
        [line for line in (session.notes or "").splitlines() if line.strip()]
        if all_notes
        else series.therapist_notes(session.notes)
    )
    focus = ", ".join(FOCUS_LABELS.get(f, series.pretty(f)) for f in session.focus_areas or [])
    return Card(
        day=f"{timeutil.to_local(session.occurred_at, zone):%a %d %b %Y}",
        kind=kind,
        pain=pain,
        pressure=PRESSURE_LABELS.get(session.pressure or "", "not noted"),
        focus=focus or "not noted",
        notes=notes,
    )


def _recent(user_id: int, since, n: int) -> list[MassageSession]:
    query = db.select(S).where(S.user_id == user_id, S.deleted_at.is_(None))
    if since is not None:
        query = query.where(S.occurred_at >= since)
    return list(db.session.scalars(query.order_by(S.occurred_at.desc()).limit(n)))


def build(user: User, range_key: str, n: int, all_notes: bool, show_initials: bool) -> dict:
    """Everything the summary shows, for one user; a few bounded queries."""
    zone = user.timezone
    today = timeutil.today_in(zone)
    days = RANGES.get(range_key, RANGES[DEFAULT_RANGE])[1]
    first = None if days is None else today - timedelta(days=days - 1)
    since = None if first is None else queries.day_start(first, zone)
    rows = queries.session_rows(user.id, zone, since)
    rated = [r for r in rows if r.pain_before is not None and r.pain_after is not None]
    start: date = first or (rows[0].day if rows else today)
    bucket = series.choose_bucket(len(rated), rated[0].day if rated else None, today)
    points = series.pain_points(rated, bucket)
    relief = series.average_relief(rated)
    chart: Markup | None = svg.pain_chart(points, relief, "summary-pain")
    return {
        "who": initials(user.email) if show_initials else None,
        "first": start,
        "today": today,
        "range_key": range_key,
        "range_label": RANGES.get(range_key, RANGES[DEFAULT_RANGE])[0],
        "safety": [c.label for c in safety_selected(user.safety_conditions)],
        "routines": [
            (r.name, routine_cadence.describe(r)) for r in queries.active_routines(user.id)
        ],
        "count": len(rows),
        "rated": len(rated),
        "before": series.mean(r.pain_before for r in rated),
        "after": series.mean(r.pain_after for r in rated),
        "relief": relief,
        "styles": group_averages(rated, "style", STYLE_LABELS),
        "pressures": group_averages(rated, "pressure", PRESSURE_LABELS),
        "chart": chart,
        "cards": [card(s, zone, all_notes) for s in _recent(user.id, since, n)],
        "all_notes": all_notes,
    }
