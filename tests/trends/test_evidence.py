"""Insight math: Welch intervals, strength labels, thresholds (hand-computed expectations)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from tracker.trends import evidence, insights
from tracker.trends.evidence import Question, examine, examine_all, t_quantile, welch
from tracker.trends.series import SessionRow


@pytest.mark.parametrize(
    ("p", "df", "table"),
    [
        (0.975, 1, 12.706), (0.975, 4, 2.776), (0.975, 5, 2.571), (0.975, 10, 2.228),
        (0.975, 30, 2.042), (0.995, 4, 4.604), (0.995, 10, 3.169), (0.9995, 4, 8.610),
        (0.95, 8, 1.860),
    ],
)  # fmt: skip
def test_t_quantiles_match_the_tables(p, df, table):
    assert t_quantile(p, df) == pytest.approx(table, abs=0.001)


def test_welch_difference_standard_error_and_degrees_of_freedom():
    a, b = [4, 5, 3, 4, 4], [1, 0, 1, 2, 1]
    diff, se, df = welch(a, b)
    # means 4.0 and 1.0; sample variances 0.5 and 0.5; se = sqrt(0.1 + 0.1)
    assert diff == 3.0 and se == pytest.approx(math.sqrt(0.2))
    assert df == pytest.approx(8.0)  # equal variances and sizes: n1 + n2 - 2


def relief(label: str, values) -> list[tuple[str, float]]:
    return [(label, float(v)) for v in values]


def test_it_names_the_therapist_who_clearly_helps_more_with_n_and_interval():
    values = (
        relief("Dana", [4, 5, 3, 4, 4, 5])
        + relief("Sam", [1, 0, 1, 2, 1])
        + relief("Lee", [2, 1, 1])
    )
    finding = examine(Question("Therapist", values, "higher", insights.RELIEF), 1)
    # Dana: mean 25/6, var 17/30 (n 6); rest (Sam + Lee): mean 1.125, var 0.410714 (n 8).
    rest = [1, 0, 1, 2, 1, 2, 1, 1]
    diff, se, df = welch([4, 5, 3, 4, 4, 5], rest)
    half = t_quantile(0.975, df) * se
    assert finding.state == "clear" and finding.best.label == "Dana"
    assert (finding.best.n, finding.rest.n) == (6, 8)
    assert finding.diff == pytest.approx(25 / 6 - 1.125)
    assert (finding.low, finding.high) == (pytest.approx(diff - half), pytest.approx(diff + half))
    assert finding.text.startswith("With Dana, pain dropped 3.0 points more than otherwise")
    assert "(6 sessions against 8; 95% interval" in finding.text


def test_below_the_threshold_it_says_how_many_sessions_are_missing():
    values = relief("Dana", [4, 5, 3]) + relief("Sam", [1, 0])
    finding = examine(Question("Therapist", values, "higher", insights.RELIEF), 1)
    assert finding.state == "more" and finding.diff is None
    assert finding.text == (
        "Not enough data yet: 2 more sessions with Dana and 3 more sessions without Dana."
    )
    one = examine(Question("Therapist", relief("Dana", [4] * 5) + relief("Sam", [1] * 4),
                           "higher", insights.RELIEF), 1)  # fmt: skip
    assert one.text == "Not enough data yet: 1 more session without Dana."


def test_a_single_group_is_no_comparison_at_all():
    assert examine(Question("Style", relief("swedish", [3] * 9), "higher", ""), 1) is None
    assert examine(Question("Style", [], "higher", ""), 1) is None


def test_overlapping_groups_are_no_clear_difference():
    values = relief("Dana", [4, 1, 3, 0, 2]) + relief("Sam", [3, 1, 2, 0, 2])
    finding = examine(Question("Therapist", values, "higher", insights.RELIEF), 1)
    assert finding.state == "none" and finding.low < 0 < finding.high
    assert finding.text.startswith("No clear difference between Dana and the rest")


def test_many_questions_turn_a_borderline_pattern_into_a_hint():
    # Strong: diff 1.4, se 0.2, df 8: even the interval for ten questions stays above 0.
    strong = relief("Dana", [2.4, 3.2, 2.8, 3.0, 2.6]) + relief("Sam", [1.0, 1.8, 1.4, 1.6, 1.2])
    assert examine(Question("Therapist", strong, "higher", ""), 10).state == "clear"
    # Borderline: diff 1.6, se sqrt(0.4), df ~7.3: the 95% interval starts at ~0.11, above 0,
    # but allowing for two questions (97.5%) it reaches below 0: only a hint.
    weak = Question("Therapist", relief("Dana", [1, 3, 2, 4, 2]) + relief("Sam", [0, 2, 1, 1, 0]),
                    "higher", "")  # fmt: skip
    assert examine(weak, 1).state == "clear"  # one question: nothing to allow for
    hint = examine(weak, 2)
    assert hint.state == "hint" and 0 < hint.low < 0.2 and hint.strength == "a hint"


def test_lower_is_better_questions_pick_the_lowest_group():
    values = relief("up to 1 week", [3, 3, 4, 3, 2]) + relief("over 4 weeks", [7, 6, 7, 8, 7])
    finding = examine(Question("Pain before", values, "lower", "{d:.1f} lower"), 1)
    assert finding.best.label == "up to 1 week" and finding.diff == pytest.approx(4.0)


def test_ties_prefer_the_larger_group():
    values = relief("Dana", [3] * 6 + [1] * 6) + relief("Sam", [2] * 5)
    finding = examine(Question("Therapist", values, "higher", ""), 1)
    assert finding.best.label == "Dana"  # both average 2.0


def row(day, before=6, after=3, **extra) -> SessionRow:
    return SessionRow(day=day, kind="professional", pain_before=before, pain_after=after, **extra)


def test_questions_skip_unrated_sessions_and_unset_dimensions():
    start = date(2026, 1, 5)
    rows = [row(start, 6, 2, therapist="Dana", style="swedish", duration=60, hour=9),
            row(start + timedelta(days=1), None, None, therapist="Dana"),  # a quick "Done"
            row(start + timedelta(days=3), 6, 5)]  # fmt: skip
    asked = {q.topic: q for q in insights.questions(rows, [], None)}
    assert asked["Therapist"].values == [("Dana", 4.0)]
    assert asked["Style"].values == [("Swedish", 4.0)]  # the label, not the stored value
    assert asked["Duration"].values == [("31 to 60 minutes", 4.0)]
    assert asked["Time of day"].values == [("mornings", 4.0)]
    # Rhythm counts the unrated session as the previous massage.
    assert asked["Rhythm"].values == [("up to 1 week", 1.0)]


def test_examine_all_orders_clear_first_and_counts_only_testable_questions():
    clear = Question("Therapist", relief("Dana", [4, 5, 3, 4, 4]) + relief("Sam", [1, 0, 1, 2, 1]),
                     "higher", insights.RELIEF)  # fmt: skip
    more = Question("Style", relief("swedish", [3, 2]) + relief("sports", [1]), "higher", "")
    alone = Question("Pressure", relief("firm pressure", [3] * 8), "higher", "")
    found = examine_all([more, alone, clear])
    assert [f.state for f in found] == ["clear", "more"]
    assert found[0].strength == "a clear pattern"
    assert evidence.STRENGTH["more"] == "not enough data yet"
