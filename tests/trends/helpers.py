"""Test data built directly through the models, and parsers for the rendered charts."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time
from html import unescape

from tracker.extensions import db
from tracker.models import MassageSession, Routine

SVG_NS = "{http://www.w3.org/2000/svg}"


def add_session(
    user_id: int, at: datetime, before: int = 6, after: int = 3, **extra
) -> MassageSession:
    defaults = dict(mood=3, kind="professional")
    row = MassageSession(
        user_id=user_id,
        client_id=str(uuid.uuid4()),
        occurred_at=at,
        pain_before=before,
        pain_after=after,
        **{**defaults, **extra},
    )
    db.session.add(row)
    return row


def add_routine(
    user_id: int, anchor: date, count: int = 1, unit: str = "weeks", **extra
) -> Routine:
    row = Routine(
        user_id=user_id,
        name=extra.pop("name", "Weekly massage"),
        anchor_date=anchor,
        cadence_count=count,
        cadence_unit=unit,
        **extra,
    )
    db.session.add(row)
    return row


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def svgs(html: str) -> list[ET.Element]:
    """Every chart on the page, parsed as XML (fails on malformed markup)."""
    found = re.findall(r"<svg\b[^>]*class=\"chart .*?</svg>", html, flags=re.S)
    return [ET.fromstring(m) for m in found]


def svg_by_title(html: str, title: str) -> ET.Element:
    for svg in svgs(html):
        if svg.find(f"{SVG_NS}title").text == title:
            return svg
    raise AssertionError(f"no chart titled {title!r}")


def marks(svg: ET.Element, *attrs: str) -> list[tuple[str, ...]]:
    return [
        tuple(el.get(f"data-{a}") for a in attrs)
        for el in svg.iter()
        if el.get("class", "").split() and "mark" in el.get("class").split()
    ]


def table_after(html: str, caption: str) -> list[list[str]]:
    """Body rows (header cell then data cells) of the table with this caption."""
    start = html.index(f"<caption>{caption}</caption>")
    body = html[start : html.index("</table>", start)]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = [
            unescape(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)
        ]
        rows.append(cells)
    return rows[1:]  # drop the header row
