"""Where relief was reported: mean relief (pain before - after) per body-map region (#17).

Pure: plain session rows in, one RegionRelief per area out. The rows come from
queries.session_rows (one user, soft-deleted sessions excluded), as for every other chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..labels import BODY_MAP, FOCUS_LABELS, FOCUS_SIDES, expand_sides
from .series import SessionRow


@dataclass(frozen=True)
class RegionRelief:
    key: str
    label: str
    n: int
    mean: float | None  # None: no rated session included this area
    shape: str = ""  # the SVG path on the body map; "" for areas the map doesn't show
    anchor: tuple[int, int] = (0, 0)  # where its numbers go

    @property
    def band(self) -> str:
        """The year view's thresholds, so a colour means the same relief on both pages."""
        if self.mean is None:
            return "none"
        if self.mean <= 0:
            return "r0"
        return "r1" if self.mean < 2 else "r2" if self.mean < 4 else "r3"


def region_relief(rows: Iterable[SessionRow]) -> list[RegionRelief]:
    """Map regions first (in drawing order), then the areas the map doesn't show. A session
    counts once per region it included; sessions without both pain ratings or without focus
    areas are left out."""
    sums: dict[str, list[int]] = {}
    for row in rows:
        if row.pain_before is None or row.pain_after is None:
            continue
        for area in set(expand_sides(row.focus_areas)):  # shoulders: both sides, once each
            sums.setdefault(area, []).append(row.pain_before - row.pain_after)
    drawn = {key: (shape, anchor) for key, shape, anchor, _lines in BODY_MAP}
    others = [k for k in FOCUS_LABELS if k not in drawn and k not in FOCUS_SIDES]
    out = []
    for key in [*drawn, *others]:
        values = sums.get(key, [])
        mean = sum(values) / len(values) if values else None
        out.append(RegionRelief(key, FOCUS_LABELS[key], len(values), mean, *drawn.get(key, ())))
    return out
