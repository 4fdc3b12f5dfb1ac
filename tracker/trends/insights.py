"""Insights: compare groups of sessions, only when every compared group is big enough."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .series import SessionRow

MIN_GROUP = 5  # sessions per compared group before an insight is shown


@dataclass(frozen=True)
class Group:
    label: str
    n: int
    mean: float


@dataclass(frozen=True)
class Insight:
    topic: str
    text: str
    groups: tuple[Group, ...]
    left_out: int  # sessions in groups too small to compare

    @property
    def n(self) -> int:
        return sum(g.n for g in self.groups)


def groups_from(values: Iterable[tuple[str, float]]) -> list[Group]:
    """(label, value) pairs into groups with their size and mean, largest first."""
    buckets: dict[str, list[float]] = {}
    for label, value in values:
        buckets.setdefault(label, []).append(value)
    return sorted(
        (Group(k, len(v), sum(v) / len(v)) for k, v in buckets.items()),
        key=lambda g: (-g.n, g.label),
    )


def compare(
    topic: str,
    groups: Sequence[Group],
    template: str,
    *,
    higher_is_better: bool = True,
    min_n: int = MIN_GROUP,
) -> Insight | None:
    """An insight comparing the groups with at least `min_n` sessions; None unless two qualify."""
    eligible = [g for g in groups if g.n >= min_n]
    if len(eligible) < 2:
        return None
    eligible.sort(key=lambda g: (-g.mean if higher_is_better else g.mean, g.label))
    best, other = eligible[0], eligible[-1]
    text = template.format(
        best=best.label,
        best_mean=best.mean,
        best_n=best.n,
        other=other.label,
        other_mean=other.mean,
        other_n=other.n,
    )
    left_out = sum(g.n for g in groups if g.n < min_n)
    return Insight(topic, text, tuple(eligible), left_out)


RELIEF_TEMPLATE = (
    "In your log, pain dropped most with {best}: {best_mean:.1f} points on average over "
    "{best_n} sessions, against {other_mean:.1f} with {other} ({other_n} sessions)."
)


def relief_insight(topic: str, groups: Sequence[Group]) -> Insight | None:
    return compare(topic, groups, RELIEF_TEMPLATE)


def sleep_nights(
    rows: Iterable[SessionRow], logs: Iterable[tuple[date, int]]
) -> list[tuple[str, float]]:
    """Sleep ratings split into nights after a massage and other logged nights.

    A night after a massage uses the session's sleep rating (or that night's check-in);
    a check-in on a day without a session is an "other" night.
    """
    by_night = dict(logs)
    massage_days: dict[date, int | None] = {}
    for row in rows:
        if row.sleep_quality is not None or row.day not in massage_days:
            massage_days[row.day] = row.sleep_quality
    values = []
    for day, quality in massage_days.items():
        quality = quality if quality is not None else by_night.get(day)
        if quality is not None:
            values.append(("nights after a massage", float(quality)))
    values += [
        ("other logged nights", float(q)) for d, q in by_night.items() if d not in massage_days
    ]
    return values


def sleep_insight(values: Iterable[tuple[str, float]]) -> Insight | None:
    return compare(
        "Sleep",
        groups_from(values),
        "In your log, you rated your sleep {best_mean:.1f} of 5 on {best} "
        "({best_n} nights) and {other_mean:.1f} on {other} ({other_n} nights).",
    )


GAP_BUCKETS = (
    (7, "up to 1 week"),
    (14, "8 to 14 days"),
    (28, "15 to 28 days"),
    (None, "over 4 weeks"),
)


def gap_label(days: int) -> str:
    for limit, label in GAP_BUCKETS:
        if limit is None or days <= limit:
            return label
    raise AssertionError("unreachable")


def gap_values(rows: Sequence[SessionRow], previous: date | None = None) -> list[tuple[str, float]]:
    """Pain before each session, labelled by the days since the previous massage."""
    values = []
    last = previous
    for row in sorted(rows, key=lambda r: r.day):
        if last is not None and row.day > last:
            values.append((gap_label((row.day - last).days), float(row.pain_before)))
        last = row.day if last is None or row.day > last else last
    return values


def gap_insight(values: Iterable[tuple[str, float]]) -> Insight | None:
    return compare(
        "Time between massages",
        groups_from(values),
        "In your log, pain before a session averaged {best_mean:.1f} when the previous "
        "massage was {best} earlier ({best_n} sessions), against {other_mean:.1f} when "
        "it was {other} earlier ({other_n} sessions).",
        higher_is_better=False,
    )
