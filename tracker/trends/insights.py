"""The questions the trends page asks of a user's sessions; evidence.py answers them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ..labels import inline
from .evidence import Question
from .series import SessionRow


@dataclass(frozen=True)
class Group:
    label: str
    n: int
    mean: float


def groups_from(values: Iterable[tuple[str, float]]) -> list[Group]:
    """(label, value) pairs into groups with their size and mean, largest first."""
    buckets: dict[str, list[float]] = {}
    for label, value in values:
        buckets.setdefault(label, []).append(value)
    return sorted(
        (Group(k, len(v), sum(v) / len(v)) for k, v in buckets.items()),
        key=lambda g: (-g.n, g.label),
    )


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
        if last is not None and row.day > last and row.pain_before is not None:
            values.append((gap_label((row.day - last).days), float(row.pain_before)))
        last = row.day if last is None or row.day > last else last
    return values


def _band(minutes: int | None) -> str | None:
    if minutes is None:
        return None
    return (
        "30 minutes or less"
        if minutes <= 30
        else "31 to 60 minutes"
        if minutes <= 60
        else "over an hour"
    )


def _time_of_day(hour: int | None) -> str | None:
    if hour is None:
        return None
    return "mornings" if hour < 12 else "afternoons" if hour < 17 else "evenings"


RELIEF = "pain dropped {d:.1f} points more"
LABELS: dict[str, Callable[[SessionRow], str | None]] = {
    "Therapist": lambda r: r.therapist or None,
    "Style": lambda r: inline(r.style, "style") if r.style else None,
    "Pressure": lambda r: f"{r.pressure} pressure" if r.pressure else None,
    "Focus areas": lambda r: " + ".join(inline(a, "focus") for a in r.focus_areas) or None,
    "Kind": lambda r: "self-massage" if r.kind == "self" else f"{r.kind} massage",
    "Duration": lambda r: _band(r.duration),
    "Time of day": lambda r: _time_of_day(r.hour),
}


def questions(
    rows: Sequence[SessionRow], logs: Iterable[tuple[date, int]], previous: date | None
) -> list[Question]:
    """Relief by each dimension, by rhythm, and sleep on massage nights against other nights.
    Sessions without both pain ratings (a quick "Done") are left out of relief questions."""
    rated = [r for r in rows if r.pain_before is not None and r.pain_after is not None]
    asked = []
    for topic, label_of in LABELS.items():
        values = [(label, float(r.pain_before - r.pain_after))
                  for r in rated if (label := label_of(r)) is not None]  # fmt: skip
        asked.append(Question(topic, values, "higher", RELIEF))
    gaps = gap_relief(rows, previous)
    gap_lead = "When the previous massage was {label} earlier"
    asked.append(Question("Rhythm", gaps, "higher", RELIEF, lead=gap_lead))
    asked.append(Question("Pain before a session", gap_values(rows, previous), "lower",
                          "pain before the session was {d:.1f} points lower", lead=gap_lead))  # fmt: skip
    asked.append(Question("Sleep", sleep_nights(rows, logs), "higher",
                          "sleep was rated {d:.1f} points higher", noun="nights", lead="On {label}"))  # fmt: skip
    asked.append(lasting_relief(rows))
    return asked


AFTER, BEFORE = "pain the morning after", "pain before the massage"


def lasting_relief(rows: Sequence[SessionRow]) -> Question:
    """Back pain the next morning (the next-day check-in) against pain before the session,
    over the sessions that have both: does the relief outlast the evening?"""
    pairs = [(r.pain_before, r.pain_next_day) for r in rows
             if r.pain_before is not None and r.pain_next_day is not None]  # fmt: skip
    values = [(AFTER, float(n)) for _, n in pairs] + [(BEFORE, float(b)) for b, _ in pairs]
    return Question(
        "Lasting relief", values, "lower", "back pain was {d:.1f} points lower",
        lead="The morning after a massage", compare=(AFTER, BEFORE),
        worse="back pain was {d:.1f} points higher",
        more="rated both before the massage and the next morning",
    )  # fmt: skip


def gap_relief(rows: Sequence[SessionRow], previous: date | None) -> list[tuple[str, float]]:
    """Relief of each rated session, labelled by the days since the previous massage (rated
    or not): "do fortnightly massages beat monthly ones?"."""
    values, last = [], previous
    for row in sorted(rows, key=lambda r: r.day):
        rated = row.pain_before is not None and row.pain_after is not None
        if last is not None and row.day > last and rated:
            values.append(
                (gap_label((row.day - last).days), float(row.pain_before - row.pain_after))
            )
        last = row.day if last is None or row.day > last else last
    return values
