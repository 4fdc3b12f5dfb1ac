"""The year view: one cell per day for the past 53 weeks, coloured by relief or by mood.

Server-rendered as a CSS grid of empty elements (no coordinates, no script, no per-cell
titles) so a full year stays a few kilobytes; the exact values are in a months-by-days table
(13 rows of 31 cells), which is far smaller than one row per day would be.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import timeutil
from ..pagecache import cached_page
from . import bp, queries, series
from .series import SessionRow
from .svg import n1

YEAR_WEEKS = 53
COLOURINGS = {"relief": "Relief", "mood": "Mood"}
# Legend, lowest first: (class, words). Relief is pain before minus after, on 0 to 10.
LEGENDS = {
    "relief": (
        ("r0", "no relief"),
        ("r1", "under 2 points"),
        ("r2", "2 to 4 points"),
        ("r3", "4 points or more"),
        ("nr", "not rated"),
    ),
    "mood": (
        ("m1", "1"),
        ("m2", "2"),
        ("m3", "3"),
        ("m4", "4"),
        ("m5", "5"),
        ("nr", "not rated"),
    ),
}


@dataclass(frozen=True)
class YearDay:
    day: date
    sessions: int = 0
    relief: float | None = None  # mean over the day's rated sessions
    mood: float | None = None

    def css(self, by: str) -> str:
        """The cell's class: '' for a day without a session, 'nr' when the value is missing."""
        if not self.sessions:
            return ""
        return (relief_class if by == "relief" else mood_class)(getattr(self, by))


def relief_class(relief: float | None) -> str:
    if relief is None:
        return "nr"
    if relief <= 0:
        return "r0"
    return "r1" if relief < 2 else "r2" if relief < 4 else "r3"


def mood_class(mood: float | None) -> str:
    # Half up: a day rated 2 and 3 reads as 3 (round() would make 2.5 a 2).
    return "nr" if mood is None else f"m{min(5, max(1, math.floor(mood + 0.5)))}"


def year_start(today: date) -> date:
    return series.heatmap_start(today, YEAR_WEEKS)


def year_weeks(rows: Iterable[SessionRow], today: date) -> list[list[YearDay]]:
    """Columns of weeks, Monday first, from year_start(today) up to and including today."""
    by_day: dict[date, list[SessionRow]] = defaultdict(list)
    for row in rows:
        by_day[row.day].append(row)
    start = year_start(today)
    weeks = []
    for w in range(YEAR_WEEKS):
        week = []
        for d in range(7):
            day = start + timedelta(days=7 * w + d)
            if day > today:
                break
            group = by_day.get(day, [])
            rated = [r for r in group if r.pain_before is not None and r.pain_after is not None]
            week.append(
                YearDay(
                    day,
                    len(group),
                    series.mean(r.pain_before - r.pain_after for r in rated),
                    series.mean(r.mood for r in group if r.mood is not None),
                )
            )
        weeks.append(week)
    return weeks


def month_label(week: list[YearDay], first: bool) -> str:
    """'Jun' over the week holding the 1st of a month (and over the first column)."""
    if first and week:
        return f"{week[0].day:%b}"
    starts = [d for d in week if d.day.day == 1]
    return f"{starts[0].day:%b}" if starts else ""


def month_rows(days: Iterable[YearDay], by: str) -> list[tuple[str, list[str]]]:
    """One row per month, one cell per day of the month: the value, '–' for a session without
    that rating, '' for no session (or no such date)."""
    rows: dict[date, list[str]] = {}
    for d in days:
        cells = rows.setdefault(d.day.replace(day=1), [""] * 31)
        if d.sessions:
            value = getattr(d, by)
            cells[d.day.day - 1] = "–" if value is None else n1(value)
    return [(f"{month:%b %Y}", cells) for month, cells in rows.items()]


@bp.get("/trends/year")
@login_required
def year():
    by = request.args.get("by", "relief")
    notice = None
    if by not in COLOURINGS:
        notice = "That colouring isn't available, so the calendar shows relief."
        by = "relief"

    def render() -> str:
        zone = current_user.timezone
        today = timeutil.today_in(zone)
        since = queries.day_start(year_start(today), zone)
        weeks = year_weeks(queries.session_rows(current_user.id, zone, since), today)
        days = [d for week in weeks for d in week]
        body = render_template(
            "trends/_year_body.html",
            by=by,
            notice=notice,
            colourings=COLOURINGS,
            legend=LEGENDS[by],
            weeks=weeks,
            labels=[month_label(week, i == 0) for i, week in enumerate(weeks)],
            session_days=sum(1 for d in days if d.sessions),
            months=month_rows(days, by),
            first=days[0].day,
            today=today,
        )
        return render_template("trends/year.html", body=Markup(body))

    return cached_page("year", render)
