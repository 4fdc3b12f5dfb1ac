"""Honest comparisons for "what helps my back?" (method and thresholds in docs/trends.md).

Each comparison asks one question of one dimension: does the best-looking group (a therapist,
a style, a rhythm...) differ from all the user's other sessions? The answer is a difference of
means with a Welch t interval. Because a page asks several such questions at once, a pattern is
called "clear" only when its interval, widened for the number of questions asked (Bonferroni),
excludes no difference; an unadjusted 95% interval that excludes it is only "a hint". Groups
smaller than MIN_GROUP are never compared: the user is told how many more sessions it takes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist, fmean, variance

MIN_GROUP = 5  # sessions per side before a difference is estimated
CONFIDENCE = 0.95
STRENGTH = {"clear": "a clear pattern", "hint": "a hint", "none": "no clear difference yet",
            "more": "not enough data yet"}  # fmt: skip
ORDER = ("clear", "hint", "none", "more")


def _beta_cf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny, front = 1e-300, 1.0
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-12:
            break
    return front * result


def t_cdf(t: float, df: float) -> float:
    """Student's t distribution function, through the incomplete beta function.
    Hand-written (30 lines, checked against the tables in tests) because this is the one
    statistic the page needs and scipy would add ~40 MB to every install."""
    x = df / (df + t * t)
    a, b = df / 2, 0.5
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))  # fmt: skip
    if x < (a + 1) / (a + b + 2):
        tail = math.exp(log_front) * _beta_cf(a, b, x) / a
    else:
        tail = 1 - math.exp(log_front) * _beta_cf(b, a, 1 - x) / b
    return 1 - tail / 2 if t >= 0 else tail / 2


def t_pdf(t: float, df: float) -> float:
    return math.exp(
        math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
        - (df + 1) / 2 * math.log1p(t * t / df)
    )  # fmt: skip


def t_quantile(p: float, df: float) -> float:
    """The t value below which a fraction p lies (p in (0.5, 1)).

    Newton's method from the Cornish-Fisher start, kept inside a shrinking bracket (a step
    that leaves it bisects instead): 4-6 evaluations of t_cdf where plain bisection needed
    ~80, which was half of a trends page's cache-miss cost (docs/benchmarks.md, section 2)."""
    z = NormalDist().inv_cdf(p)
    guess = z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df * df)
    low, high = 0.0, max(2 * guess, 1.0)
    while t_cdf(high, df) < p:
        low, high = high, high * 2
    t = min(max(guess, low), high)
    for _ in range(100):
        gap = t_cdf(t, df) - p
        low, high = (t, high) if gap < 0 else (low, t)
        step = gap / t_pdf(t, df)
        nxt = t - step
        if not low < nxt < high:
            nxt = (low + high) / 2
        if abs(nxt - t) < 1e-12 * max(1.0, abs(t)):
            return nxt
        t = nxt
    return t


@dataclass(frozen=True)
class Side:
    label: str
    n: int
    mean: float


@dataclass(frozen=True)
class Finding:
    topic: str
    state: str  # clear | hint | none | more
    text: str
    best: Side
    rest: Side
    diff: float | None = None  # best minus rest, in the direction "better" (positive = better)
    low: float | None = None  # the 95% interval of diff
    high: float | None = None
    first: str = ""  # local date range covered, for the page
    last: str = ""

    @property
    def strength(self) -> str:
        return STRENGTH[self.state]


@dataclass(frozen=True)
class Question:
    """One dimension to examine: (label, value) pairs and how to talk about them."""

    topic: str
    values: list[tuple[str, float]]
    better: str  # "higher" or "lower"
    measure: str  # e.g. "pain dropped {d:.1f} points more"
    noun: str = "sessions"
    lead: str = "With {label}"  # how a sentence about the best group starts
    # A fixed pair instead of best-against-rest (lasting relief: the morning after against
    # before the massage). `worse` words a difference the other way, `more` what is missing.
    compare: tuple[str, str] | None = None
    worse: str = ""
    more: str = ""


def welch(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, float]:
    """(difference of means a - b, its standard error, Welch-Satterthwaite degrees of freedom)."""
    va, vb = variance(a) / len(a), variance(b) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return fmean(a) - fmean(b), 0.0, len(a) + len(b) - 2.0
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return fmean(a) - fmean(b), se, df


def _interval(diff: float, se: float, df: float, level: float) -> tuple[float, float]:
    half = t_quantile(1 - (1 - level) / 2, max(df, 1.0)) * se
    return diff - half, diff + half


def _count(n: int, noun: str) -> str:
    return f"{n} more {noun if n != 1 else noun[:-1]}"


def examine(question: Question, questions_asked: int) -> Finding | None:
    """The finding for one question, or None when there is nothing to compare (one group)."""
    buckets: dict[str, list[float]] = {}
    for label, value in question.values:
        buckets.setdefault(label, []).append(value)
    if question.compare:
        return _examine_pair(question, buckets, questions_asked)
    if len(buckets) < 2:
        return None
    sign = 1 if question.better == "higher" else -1
    # The candidate: the best mean among groups that have any chance of qualifying, ties to
    # the larger group, so the answer does not flip on one session of a rare group.
    ranked = sorted(buckets.items(), key=lambda kv: (-sign * fmean(kv[1]), -len(kv[1]), kv[0]))
    label, best = next(((k, v) for k, v in ranked if len(v) >= MIN_GROUP), ranked[0])
    rest = [v for k, vs in buckets.items() if k != label for v in vs]
    best_side, rest_side = (
        Side(label, len(best), fmean(best)),
        Side("other", len(rest), fmean(rest)),
    )
    noun = question.noun
    if len(best) < MIN_GROUP or len(rest) < MIN_GROUP:
        largest = max(buckets.items(), key=lambda kv: (len(kv[1]), kv[0]))
        others = sum(len(v) for k, v in buckets.items() if k != largest[0])
        parts = []
        if len(largest[1]) < MIN_GROUP:
            parts.append(f"{_count(MIN_GROUP - len(largest[1]), noun)} with {largest[0]}")
        if others < MIN_GROUP:
            parts.append(f"{_count(MIN_GROUP - others, noun)} without {largest[0]}")
        text = "Not enough data yet: " + " and ".join(parts) + "."
        return Finding(question.topic, "more", text, best_side, rest_side)
    diff, se, df = welch(best, rest)
    diff *= sign
    low, high = _interval(diff, se, df, CONFIDENCE)
    strict_low, _ = _interval(diff, se, df, 1 - (1 - CONFIDENCE) / max(1, questions_asked))
    state = "clear" if strict_low > 0 else "hint" if low > 0 else "none"
    sizes = f"{len(best)} {noun} against {len(rest)}"
    range_text = f"95% interval {low:.1f} to {high:.1f}"
    if state == "none":
        text = f"No clear difference between {label} and the rest ({sizes}; {range_text})."
    else:
        lead = question.lead.format(label=label)
        text = f"{lead}, {question.measure.format(d=diff)} than otherwise ({sizes}; {range_text})."
    return Finding(question.topic, state, text, best_side, rest_side, diff, low, high)


def _state(diff: float, se: float, df: float, questions_asked: int) -> tuple[str, float, float]:
    """(state, 95% low, 95% high) for a fixed pair: an interval clear of zero on either side
    is a finding (worse counts too: hiding it would flatter the massage)."""
    low, high = _interval(diff, se, df, CONFIDENCE)
    strict = _interval(diff, se, df, 1 - (1 - CONFIDENCE) / max(1, questions_asked))
    if strict[0] > 0 or strict[1] < 0:
        return "clear", low, high
    return ("hint" if low > 0 or high < 0 else "none"), low, high


def _examine_pair(
    question: Question, buckets: dict[str, list[float]], questions_asked: int
) -> Finding | None:
    """The candidate group against one named other group, not against all the rest."""
    label, other = question.compare or ("", "")
    a, b = buckets.get(label, []), buckets.get(other, [])
    if not a:
        return None  # nothing rated yet: the question is not on the page
    a_side, b_side = Side(label, len(a), fmean(a)), Side(other, len(b), fmean(b) if b else 0.0)
    short = MIN_GROUP - min(len(a), len(b))
    if short > 0:
        text = f"Not enough data yet: {_count(short, question.noun)} {question.more}."
        return Finding(question.topic, "more", text, a_side, b_side)
    diff, se, df = welch(a, b)
    diff *= 1 if question.better == "higher" else -1
    state, low, high = _state(diff, se, df, questions_asked)
    sizes = f"{len(a)} {question.noun} against {len(b)}"
    range_text = f"95% interval {low:.1f} to {high:.1f}"
    if state == "none":
        text = f"No clear difference between {label} and {other} ({sizes}; {range_text})."
    else:
        measure = (question.measure if diff > 0 else question.worse).format(d=abs(diff))
        lead = question.lead.format(label=label)
        text = f"{lead}, {measure} than {other} ({sizes}; {range_text})."
    return Finding(question.topic, state, text, a_side, b_side, diff, low, high)


def _testable(q: Question) -> bool:
    sizes: dict[str, int] = {}
    for label, _ in q.values:
        sizes[label] = sizes.get(label, 0) + 1
    if q.compare:
        return all(sizes.get(name, 0) >= MIN_GROUP for name in q.compare)
    return (
        len(sizes) >= 2
        and max(sizes.values()) >= MIN_GROUP
        and sum(sizes.values()) - max(sizes.values()) >= MIN_GROUP
    )


def examine_all(questions: Iterable[Question]) -> list[Finding]:
    """Every question's finding, clearest first. The Bonferroni count is the number of
    questions that had enough data to be tested, so adding an empty dimension costs nothing."""
    questions = list(questions)
    testable = sum(1 for q in questions if _testable(q))
    found = [f for q in questions if (f := examine(q, testable)) is not None]
    return sorted(found, key=lambda f: (ORDER.index(f.state), -(f.diff or 0), f.topic))
