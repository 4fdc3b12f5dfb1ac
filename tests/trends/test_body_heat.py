"""Where relief was reported (#17): the pure per-region function and the trends page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.conftest import AuthActions
from tracker.extensions import db
from tracker.trends.bodymap import region_relief
from tracker.trends.series import SessionRow

from .helpers import add_session, marks, noon, svg_by_title, table_after

TODAY = date(2025, 6, 11)
FROZEN = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)
CAPTION = "Average relief by area (points, 0 to 10 scale)"


def row(before, after, *areas) -> SessionRow:
    return SessionRow(TODAY, "professional", before, after, focus_areas=tuple(areas))


def by_key(rows) -> dict:
    return {r.key: (r.n, r.mean) for r in region_relief(rows)}


def test_means_and_counts_per_region_by_hand():
    stats = by_key(
        [
            row(7, 3, "lower_back", "neck"),  # relief 4
            row(6, 5, "lower_back"),  # relief 1
            row(5, 6, "neck"),  # relief -1 (worse)
            row(8, 2, "shoulders"),  # relief 6, counts for both shoulders
            row(4, 2, "left_shoulder"),  # relief 2, the left one only
            row(3, 3, "feet"),  # relief 0, an area the map doesn't draw
        ]
    )
    assert stats["lower_back"] == (2, 2.5)  # (4 + 1) / 2
    assert stats["neck"] == (2, 1.5)  # (4 - 1) / 2
    assert stats["left_shoulder"] == (2, 4.0)  # (6 + 2) / 2
    assert stats["right_shoulder"] == (1, 6.0)
    assert stats["feet"] == (1, 0.0)
    assert stats["mid_back"] == (0, None) and stats["left_hip"] == (0, None)
    assert "shoulders" not in stats and "hips_glutes" not in stats  # drawn as two sides


def test_unrated_sessions_and_sessions_without_areas_are_left_out():
    stats = by_key(
        [
            row(None, None, "mid_back"),  # a one-tap "Done", not rated yet
            row(6, None, "mid_back"),
            row(9, 1),  # no focus areas: it says nothing about where
            row(5, 2, "mid_back"),
        ]
    )
    assert stats["mid_back"] == (1, 3.0)
    assert all(n == 0 for key, (n, _) in stats.items() if key != "mid_back")


def test_bands_follow_the_year_view():
    bands = {
        r.key: r.band
        for r in region_relief(
            [
                row(3, 3, "neck"),
                row(5, 4, "upper_back"),
                row(5, 3, "mid_back"),
                row(8, 4, "lower_back"),
            ]
        )  # fmt: skip
    }
    assert bands["neck"] == "r0" and bands["upper_back"] == "r1"
    assert bands["mid_back"] == "r2" and bands["lower_back"] == "r3"
    assert bands["left_hip"] == "none"


@pytest.fixture
def as_alice(app, alice, bob):
    with time_machine.travel(FROZEN, tick=False):
        client = app.test_client()
        AuthActions(client).login("alice")
        yield client


def test_the_page_shows_only_alices_map_with_a_matching_table(app, alice, bob, as_alice):
    with app.app_context():
        add_session(alice.id, noon(TODAY - timedelta(days=1)), 7, 3, focus_areas=["lower_back"])
        add_session(alice.id, noon(TODAY - timedelta(days=3)), 6, 5, focus_areas=["lower_back"])
        add_session(alice.id, noon(TODAY - timedelta(days=4)), 6, 2, focus_areas=["hips_glutes"])
        # Bob's sessions never reach alice's map, even on areas she has no data for.
        add_session(bob.id, noon(TODAY - timedelta(days=1)), 9, 0, focus_areas=["lower_back"])
        add_session(bob.id, noon(TODAY - timedelta(days=2)), 9, 0, focus_areas=["neck"])
        db.session.commit()
    html = as_alice.get("/trends").get_data(as_text=True)
    chart = svg_by_title(html, "Average relief by area")
    plotted = {area: (n, mean) for area, n, mean in marks(chart, "area", "n", "mean")}
    assert plotted["lower_back"] == ("2", "2.5")
    assert plotted["left_hip"] == ("1", "4") and plotted["right_hip"] == ("1", "4")
    assert plotted["neck"] == ("0", None)
    assert chart.get("role") == "img"
    desc = chart.find("{http://www.w3.org/2000/svg}desc").text
    assert "Lower back: 2.5 points (n = 2)" in desc and "No data yet: Neck" in desc
    table = {cells[0]: cells[1:] for cells in table_after(html, CAPTION)}
    assert table["Lower back"] == ["2.5", "2"]
    assert table["Left hip and glute"] == ["4", "1"]
    assert table["Neck"] == ["No data", "0"]
    assert "Feet" not in table  # areas off the map appear only when they have data
    start = html.index('aria-labelledby="body-h"')
    assert len(html[start : html.index("</section>", start)].encode()) < 4096  # page budget


def test_no_rated_areas_says_so_instead_of_an_empty_map(app, alice, bob, as_alice):
    with app.app_context():
        add_session(alice.id, noon(TODAY - timedelta(days=1)), 7, 3)
        db.session.commit()
    html = as_alice.get("/trends").get_data(as_text=True)
    assert "No rated sessions with focus areas in this range yet." in html
    assert "Average relief by area" not in html
