"""Pure computations behind the trend views: plain rows in, plain values out (no DB, no clock)."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..routines.cadence import add_cadence

ROLLING_WINDOW = 5
HEATMAP_WEEKS = 26
MAX_SESSION_POINTS = 60  # above this a chart shows weekly (or monthly) averages instead


@dataclass(frozen=True)
class SessionRow:
    """One logged session, already reduced to the user's local date."""

    day: date
    kind: str
    pain_before: int
    pain_after: int
    mood: int | None = None
    relaxation: int | None = None
    sleep_quality: int | None = None
    therapist: str = ""
    style: str = ""
    pressure: str = ""
    routine_id: int | None = None
    duration: int | None = None
    focus_areas: tuple[str, ...] = ()
    hour: int | None = None  # local hour it started, for time-of-day insights
    pain_next_day: int | None = None  # the next morning's check-in, for "lasting relief"


def local_day(moment: datetime, zone: str) -> date:
    """The calendar date of a UTC instant in the user's zone (DST-safe: no double counting)."""
    return moment.astimezone(ZoneInfo(zone)).date()


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


# --- pain and metrics over time -------------------------------------------------------------


@dataclass(frozen=True)
class PainPoint:
    day: date
    label: str
    before: float
    after: float
    n: int

    @property
    def relief(self) -> float:
        return self.before - self.after


@dataclass(frozen=True)
class MetricPoint:
    day: date
    label: str
    value: float
    rolling: float | None
    n: int


def choose_bucket(n_sessions: int, first: date | None, last: date | None) -> str:
    """'session' while charts stay readable, then 'week', then 'month' for long histories."""
    if n_sessions <= MAX_SESSION_POINTS or first is None or last is None:
        return "session"
    return "week" if (last - first).days // 7 <= 80 else "month"


def bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def bucket_label(day: date, bucket: str) -> str:
    if bucket == "week":
        return f"Week of {day.day} {day:%b %Y}"
    if bucket == "month":
        return f"{day:%B %Y}"
    return f"{day:%a} {day.day} {day:%b %Y}"


def _buckets(rows: Sequence[SessionRow], bucket: str) -> list[tuple[date, list[SessionRow]]]:
    """Rows in date order, grouped per session or per calendar week/month."""
    ordered = sorted(rows, key=lambda r: r.day)
    if bucket == "session":
        return [(r.day, [r]) for r in ordered]
    groups: dict[date, list[SessionRow]] = {}
    for row in ordered:
        groups.setdefault(bucket_start(row.day, bucket), []).append(row)
    return list(groups.items())


def pain_points(rows: Sequence[SessionRow], bucket: str = "session") -> list[PainPoint]:
    """Pain before/after per session, or averaged per week/month."""
    points = []
    rows = [r for r in rows if r.pain_before is not None]  # an unrated quick "Done"
    for day, group in _buckets(rows, bucket):
        points.append(
            PainPoint(
                day=day,
                label=bucket_label(day, bucket),
                n=len(group),
                before=mean(r.pain_before for r in group),
                after=mean(r.pain_after for r in group),
            )
        )
    return points


def average_relief(rows: Sequence[SessionRow]) -> float | None:
    """Mean drop in pain (before minus after) per session."""
    return mean(r.pain_before - r.pain_after for r in rows if r.pain_before is not None)


def rolling_average(
    values: Sequence[float | None], window: int = ROLLING_WINDOW
) -> list[float | None]:
    """Trailing mean over the last `window` entries, ignoring gaps (None)."""
    out: list[float | None] = []
    for i in range(len(values)):
        out.append(mean(v for v in values[max(0, i - window + 1) : i + 1] if v is not None))
    return out


def metric_series(
    rows: Sequence[SessionRow], field: str, bucket: str = "session", window: int = ROLLING_WINDOW
) -> list[MetricPoint]:
    """One rating (mood, relaxation, sleep_quality) over time plus its rolling average."""
    rated = [r for r in rows if getattr(r, field) is not None]
    raw = [
        (day, mean(getattr(r, field) for r in group), len(group))
        for day, group in _buckets(rated, bucket)
    ]
    rolled = rolling_average([value for _, value, _ in raw], window)
    return [
        MetricPoint(day=day, label=bucket_label(day, bucket), value=value, rolling=roll, n=n)
        for (day, value, n), roll in zip(raw, rolled, strict=True)
    ]


# --- heatmap --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    day: date
    professional: int
    self_care: int

    @property
    def kind(self) -> str:
        if self.professional and self.self_care:
            return "both"
        if self.professional:
            return "professional"
        return "self" if self.self_care else "none"


def heatmap_start(today: date, weeks: int = HEATMAP_WEEKS) -> date:
    """Monday of the first week shown, so the last column is the current week."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)


def heatmap(
    rows: Iterable[SessionRow], today: date, weeks: int = HEATMAP_WEEKS
) -> list[list[HeatCell]]:
    """Columns of weeks (Monday first), each a list of day cells up to and including today."""
    pro: dict[date, int] = defaultdict(int)
    own: dict[date, int] = defaultdict(int)
    for row in rows:
        (pro if row.kind == "professional" else own)[row.day] += 1
    start = heatmap_start(today, weeks)
    columns = []
    for w in range(weeks):
        week = [start + timedelta(days=7 * w + d) for d in range(7)]
        columns.append([HeatCell(day, pro[day], own[day]) for day in week if day <= today])
    return columns


# --- cadence periods, streaks and adherence ---------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    anchor: date
    count: int
    unit: str  # days | weeks | months
    target: int = 1  # sessions a period needs to be kept ("2 times a week": 2)

    def start(self, k: int) -> date:
        """Start of the k-th period, from the anchor (so month ends don't drift), using the
        routines capability's cadence arithmetic so both pages agree on dates."""
        unit = self.unit if self.unit in ("days", "weeks", "months") else "days"
        return add_cadence(self.anchor, max(1, self.count), unit, k)

    def index_at(self, day: date) -> int:
        """The period containing `day` (-1 before the anchor)."""
        if day < self.anchor:
            return -1
        if self.unit == "months":
            k = ((day.year - self.anchor.year) * 12 + day.month - self.anchor.month) // max(
                1, self.count
            )
        else:
            k = (day - self.anchor).days // (
                max(1, self.count) * (7 if self.unit == "weeks" else 1)
            )
        while k > 0 and self.start(k) > day:
            k -= 1
        while self.start(k + 1) <= day:
            k += 1
        return k


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive
    kept: bool = False
    paused: bool = False
    current: bool = False

    @property
    def counts(self) -> bool:
        """A period is judged once kept, or once over and not excused by a pause."""
        return self.kept or not (self.paused or self.current)


def periods(cadence: Cadence, first: date, today: date, limit: int | None = None) -> list[Period]:
    """Periods that started between `first` and `today`, oldest first (optionally the last `limit`)."""
    k_last = cadence.index_at(today)
    if k_last < 0:
        return []
    k_first = max(0, cadence.index_at(first))
    if cadence.start(k_first) < first:
        k_first += 1
    if limit is not None:
        k_first = max(k_first, k_last - limit + 1)
    return [
        Period(cadence.start(k), cadence.start(k + 1), current=(k == k_last))
        for k in range(k_first, k_last + 1)
    ]


def pause_ranges(
    pauses: Iterable[Sequence[str]] | None, paused_at: datetime | None, zone: str, today: date
) -> list[tuple[date, date]]:
    """Pauses as inclusive local-date ranges; an open pause runs until today."""

    def day_of(text: str) -> date:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        return local_day(value, zone) if value.tzinfo else value.date()

    ranges = []
    for item in pauses or []:
        try:
            ranges.append((day_of(item[0]), day_of(item[1]) if item[1] else today))
        except (ValueError, TypeError, IndexError):
            continue  # a malformed pause must not take the dashboard down
    if paused_at is not None:
        ranges.append((local_day(paused_at, zone), today))
    return ranges


def mark(
    plain: Sequence[Period], kept: Callable[[Period], bool], pauses: Sequence[tuple[date, date]]
) -> list[Period]:
    """Fill in kept/paused for each period."""
    return [
        Period(
            p.start,
            p.end,
            kept=kept(p),
            current=p.current,
            paused=any(s < p.end and e >= p.start for s, e in pauses),
        )
        for p in plain
    ]


def kept_by_days(days: Iterable[date], target: int = 1) -> Callable[[Period], bool]:
    """A period is kept when it holds `target` sessions (one date per session)."""
    ordered = sorted(days)

    def kept(p: Period) -> bool:
        return bisect.bisect_left(ordered, p.end) - bisect.bisect_left(ordered, p.start) >= target

    return kept


def streak(marked: Sequence[Period]) -> tuple[int, bool]:
    """Consecutive kept periods back from now; pauses and the unfinished current period don't
    break it. Returns (length, unbroken over every period given)."""
    count = 0
    for p in reversed(marked):
        if p.kept:
            count += 1
        elif not p.counts:
            continue
        else:
            return count, False
    return count, True


@dataclass(frozen=True)
class MonthAdherence:
    month: date  # first of the month
    kept: int
    due: int

    @property
    def label(self) -> str:
        return f"{self.month:%b %Y}"

    @property
    def percent(self) -> int | None:
        return round(100 * self.kept / self.due) if self.due else None


def adherence_by_month(marked: Sequence[Period]) -> list[MonthAdherence]:
    """Periods kept vs due, each period counted in the month it starts; paused or
    still-running periods are not due unless kept."""
    months: dict[date, list[int]] = {}
    for p in marked:
        counts = months.setdefault(p.start.replace(day=1), [0, 0])
        if p.counts:
            counts[0] += int(p.kept)
            counts[1] += 1
    return [MonthAdherence(m, kept, due) for m, (kept, due) in sorted(months.items())]


def pretty(value: str) -> str:
    """'deep_tissue' -> 'Deep tissue'."""
    return value.replace("_", " ").capitalize() if value else ""


THERAPIST_TAG = re.compile(r"#therapist\b", re.IGNORECASE)


def therapist_notes(notes: str | None) -> list[str]:
    """Note lines tagged #therapist (anywhere in the line), with the tag removed."""
    lines = []
    for line in (notes or "").splitlines():
        if THERAPIST_TAG.search(line):
            text = " ".join(THERAPIST_TAG.sub("", line).split()).strip(" :-")
            if text:
                lines.append(text)
    return lines
