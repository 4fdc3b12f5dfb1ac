""" "Lasting relief": back pain the morning after (the next-day check-in) against pain before
the session, by the insights' method (Welch t interval, the same strength labels, MIN_GROUP and
Bonferroni count), with hand-computed expectations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tracker.extensions import db
from tracker.trends import evidence, insights
from tracker.trends.evidence import examine, examine_all
from tracker.trends.series import SessionRow

from .helpers import add_session, noon
from .test_views import TODAY, as_alice, frozen, page  # noqa: F401  (fixtures)


def rows(pairs, *, after=3) -> list[SessionRow]:
    """Sessions with (pain before, pain the next morning); None leaves the morning unrated."""
    return [
        SessionRow(date(2026, 3, 1) + timedelta(days=i), "professional", before, after,
                   pain_next_day=next_day)
        for i, (before, next_day) in enumerate(pairs)
    ]  # fmt: skip


def test_a_clear_lasting_relief_with_its_interval():
    # Before 6, 6, 6, 6, 8, 4 (mean 6, variance 1.6); the next morning 3, 3, 3, 3, 5, 1 (mean 3,
    # variance 1.6). Difference 3.0; se = sqrt(1.6/6 + 1.6/6) = 0.730; Welch df = 10;
    # t(0.975, 10) = 2.228, so the 95% interval is 3.0 ± 1.627 = 1.37 to 4.63.
    q = insights.lasting_relief(rows([(6, 3), (6, 3), (6, 3), (6, 3), (8, 5), (4, 1)]))
    found = examine(q, 1)
    assert (found.state, found.strength) == ("clear", "a clear pattern")
    assert found.diff == pytest.approx(3.0)
    assert (found.low, found.high) == (
        pytest.approx(1.373, abs=1e-3),
        pytest.approx(4.627, abs=1e-3),
    )
    assert (found.best.label, found.best.n, found.best.mean) == ("pain the morning after", 6, 3.0)
    assert (found.rest.label, found.rest.n, found.rest.mean) == ("pain before the massage", 6, 6.0)
    assert found.text == (
        "The morning after a massage, back pain was 3.0 points lower than pain before the "
        "massage (6 sessions against 6; 95% interval 1.4 to 4.6)."
    )


def test_it_says_how_many_more_sessions_it_needs():
    three = rows([(6, 3), (5, 4), (7, 2), (6, None), (5, None)])  # unrated mornings don't count
    found = examine(insights.lasting_relief(three), 1)
    assert found.state == "more" and found.strength == "not enough data yet"
    assert found.text == (
        "Not enough data yet: 2 more sessions rated both before the massage and the next morning."
    )
    four = rows([(6, 3), (5, 4), (7, 2), (6, 1)])
    assert examine(insights.lasting_relief(four), 1).text.startswith(
        "Not enough data yet: 1 more session rated"
    )
    # No morning rated at all: the question is not on the page (the check-in may be off).
    assert examine(insights.lasting_relief(rows([(6, None)] * 8)), 1) is None


def test_pain_that_comes_back_worse_is_said_so():
    # Mirror of the clear case: the next morning is 3.0 points worse, interval -4.63 to -1.37.
    found = examine(
        insights.lasting_relief(rows([(3, 6), (3, 6), (3, 6), (3, 6), (5, 8), (1, 4)])), 1
    )
    assert found.state == "clear" and found.diff == pytest.approx(-3.0)
    assert found.text.startswith(
        "The morning after a massage, back pain was 3.0 points higher than pain before"
    )


def test_overlapping_mornings_are_no_clear_difference():
    found = examine(insights.lasting_relief(rows([(5, 4), (3, 6), (6, 5), (4, 3), (5, 5)])), 1)
    assert found.state == "none" and found.low < 0 < found.high
    assert found.text.startswith(
        "No clear difference between pain the morning after and pain before the massage"
    )


def test_it_counts_as_one_of_the_pages_questions():
    # Before 3, 5, 4, 6, 4 and the morning after 1, 3, 2, 4, 2: difference 2.0, variances 1.3
    # each, se = sqrt(0.52) = 0.721, df = 8; t(0.975, 8) = 2.306: 95% interval 0.34 to 3.66.
    q = insights.lasting_relief(rows([(3, 1), (5, 3), (4, 2), (6, 4), (4, 2)]))
    assert examine(q, 1).state == "clear"
    assert examine(q, 2).state == "clear"  # t(0.9875, 8) = 2.752: 2.0 - 1.985 > 0
    hint = examine(q, 3)  # t(0.99167, 8) = 2.98: 2.0 - 2.15 < 0, only the 95% one excludes 0
    assert hint.state == "hint" and hint.low == pytest.approx(0.337, abs=1e-3)
    # examine_all counts it when both sides have MIN_GROUP sessions, and not before.
    strong = [("Dana", v) for v in (2.4, 3.2, 2.8, 3.0, 2.6)]
    strong += [("Sam", v) for v in (1.0, 1.8, 1.4, 1.6, 1.2)]
    other = evidence.Question("Therapist", strong, "higher", "pain dropped {d:.1f} points more")
    spare = evidence.Question("Style", [("shiatsu", 1.0)], "higher", "")
    assert [f.state for f in examine_all([q, other, spare]) if f.topic == "Lasting relief"] == [
        "clear"
    ]
    short = insights.lasting_relief(rows([(3, 1), (5, 3)]))
    assert evidence._testable(q) and not evidence._testable(short)


def test_the_trends_page_shows_lasting_relief(app, alice, as_alice):  # noqa: F811
    with app.app_context():
        for i, (before, next_day) in enumerate([(6, 3), (6, 3), (6, 3), (6, 3), (8, 5)]):
            add_session(alice.id, noon(TODAY - timedelta(days=2 + i)), before, 2,
                        pain_next_day=next_day)  # fmt: skip
        add_session(alice.id, noon(TODAY - timedelta(days=8)), 4, 2)  # no morning rating
        db.session.commit()
    html = page(as_alice, "/trends")
    assert 'Lasting relief <span class="strength">· a clear pattern</span>' in html
    assert "The morning after a massage, back pain was 3.0 points lower" in html
    assert "(5 sessions against 5;" in html
    assert "pain the morning after: 3.4 (n = 5) · pain before the massage: 6.4 (n = 5)" in html
