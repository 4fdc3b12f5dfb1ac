"""The year view: one cell per day coloured by relief or mood, and its table."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.conftest import AuthActions
from tracker.extensions import db
from tracker.trends.series import SessionRow
from tracker.trends.year import mood_class, relief_class, year_start, year_weeks

from .helpers import add_session, noon, table_after

TODAY = date(2025, 6, 11)  # a Wednesday; alice is in Europe/Berlin
START = date(2024, 6, 10)  # the Monday 52 weeks before this week's
FROZEN = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)


@pytest.fixture
def as_alice(app, alice):
    with time_machine.travel(FROZEN, tick=False):
        client = app.test_client()
        AuthActions(client).login("alice")
        yield client


def cells(html: str) -> dict[date, str]:
    """Calendar cells by day (the n-th cell is START + n days): class, or '' for no session."""
    grid = re.search(r'<div class="year-cal"[^>]*>(.*?)</div>', html, flags=re.S).group(1)
    found = re.findall(r'<i(?: class="(\w+)")?></i>', grid)
    return {START + timedelta(days=n): cls for n, cls in enumerate(found)}


def seed(app, alice_id: int, bob_id: int) -> None:
    with app.app_context():
        add_session(alice_id, noon(date(2025, 6, 10)), 8, 2, mood=4)  # relief 6
        add_session(alice_id, noon(date(2025, 6, 9)), 6, 5, mood=2)  # same day: relief 1 and 3
        add_session(alice_id, noon(date(2025, 6, 9)), 7, 4, mood=3)
        add_session(alice_id, noon(date(2025, 5, 1)), 5, 5, mood=1)  # no relief
        add_session(alice_id, noon(date(2025, 4, 1)), 6, 5, mood=None)
        add_session(alice_id, noon(date(2025, 3, 1)), None, None, mood=5)  # quick "Done"
        add_session(alice_id, noon(START), 4, 6, mood=3)  # worse after
        add_session(alice_id, noon(START - timedelta(days=1)), 9, 0)  # before the year
        add_session(alice_id, noon(TODAY), 9, 0, deleted_at=FROZEN)
        add_session(bob_id, noon(TODAY), 9, 0, mood=5)
        db.session.commit()


def test_classes_by_relief_and_mood():
    assert [relief_class(v) for v in (None, -2, 0, 0.5, 1.99, 2, 3.9, 4, 10)] == [
        "nr", "r0", "r0", "r1", "r1", "r2", "r2", "r3", "r3",
    ]  # fmt: skip
    assert [mood_class(v) for v in (None, 1, 1.49, 1.5, 2.5, 4.4, 5)] == [
        "nr", "m1", "m1", "m2", "m3", "m4", "m5",
    ]  # fmt: skip


def test_year_weeks_cover_53_weeks_up_to_today():
    assert year_start(TODAY) == START
    rows = [
        SessionRow(date(2025, 6, 9), "self", 6, 5, 2),
        SessionRow(date(2025, 6, 9), "self", 7, 4, 3),
    ]
    weeks = year_weeks(rows, TODAY)
    assert len(weeks) == 53 and [len(w) for w in weeks[:-1]] == [7] * 52 and len(weeks[-1]) == 3
    assert weeks[0][0].day == START and weeks[-1][-1].day == TODAY
    day = weeks[-1][0]
    assert (day.day, day.sessions, day.relief, day.mood) == (date(2025, 6, 9), 2, 2.0, 2.5)
    assert day.css("relief") == "r2" and day.css("mood") == "m3"
    assert weeks[-1][1].css("relief") == ""


def test_the_calendar_colours_each_day_by_relief(app, alice, bob, as_alice):
    seed(app, alice.id, bob.id)
    html = as_alice.get("/trends/year").get_data(as_text=True)
    found = cells(html)
    assert len(found) == 367 and max(found) == TODAY
    coloured = {day: cls for day, cls in found.items() if cls}
    assert coloured == {
        date(2025, 6, 10): "r3",
        date(2025, 6, 9): "r2",
        date(2025, 5, 1): "r0",
        date(2025, 4, 1): "r1",
        date(2025, 3, 1): "nr",
        START: "r0",
    }
    labels = re.findall(r"<b>(\w*)</b>", html)
    assert len(labels) == 53 and labels[0] == "Jun" and labels[3] == "Jul"
    assert labels.count("") == 53 - 13  # June 2024, then the 1st of each month to June 2025
    assert "6 days with a session" in html


def test_the_calendar_colours_each_day_by_mood(app, alice, bob, as_alice):
    seed(app, alice.id, bob.id)
    html = as_alice.get("/trends/year?by=mood").get_data(as_text=True)
    coloured = {day: cls for day, cls in cells(html).items() if cls}
    assert coloured == {
        date(2025, 6, 10): "m4",
        date(2025, 6, 9): "m3",  # 2 and 3: 2.5 rounds half up
        date(2025, 5, 1): "m1",
        date(2025, 4, 1): "nr",
        date(2025, 3, 1): "m5",
        START: "m3",
    }
    assert 'aria-current="page">Mood</a>' in html
    odd = as_alice.get("/trends/year?by=sleep").get_data(as_text=True)
    assert "That colouring isn&#39;t available" in odd and cells(odd)[date(2025, 6, 10)] == "r3"


def month_row(label: str, **days: str) -> list[str]:
    values = [""] * 31
    for n, value in days.items():
        values[int(n[1:]) - 1] = value
    return [label, *values]


def test_the_table_holds_each_days_value_by_month(app, alice, bob, as_alice):
    seed(app, alice.id, bob.id)
    html = as_alice.get("/trends/year").get_data(as_text=True)
    rows = table_after(html, "Relief per day (– means a session without a rating)")
    assert [r[0] for r in rows] == ["Jun 2024", "Jul 2024", "Aug 2024", "Sep 2024", "Oct 2024",
        "Nov 2024", "Dec 2024", "Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025",
        "Jun 2025"]  # fmt: skip
    assert rows[0] == month_row("Jun 2024", d10="-2")
    assert rows[1] == month_row("Jul 2024")
    assert rows[9] == month_row("Mar 2025", d1="–")
    assert rows[10] == month_row("Apr 2025", d1="1")
    assert rows[11] == month_row("May 2025", d1="0")
    assert rows[12] == month_row("Jun 2025", d9="2", d10="6")
    html = as_alice.get("/trends/year?by=mood").get_data(as_text=True)
    rows = table_after(html, "Mood per day (– means a session without a rating)")
    assert rows[0] == month_row("Jun 2024", d10="3")
    assert rows[9] == month_row("Mar 2025", d1="5")
    assert rows[10] == month_row("Apr 2025", d1="–")
    assert rows[12] == month_row("Jun 2025", d9="2.5", d10="4")


def test_bob_sees_only_his_own_year(app, alice, bob):
    seed(app, alice.id, bob.id)
    with time_machine.travel(FROZEN, tick=False):
        client = app.test_client()
        AuthActions(client).login("bob")
        html = client.get("/trends/year").get_data(as_text=True)
    # Bob is in New York: noon UTC on 11 June is his 11 June too, and today's cell is his.
    assert {day: cls for day, cls in cells(html).items() if cls} == {TODAY: "r3"}
    assert "1 day with a session" in html


@pytest.mark.parametrize("query", ["", "?by=mood"])
def test_a_full_year_stays_within_the_page_budget(app, alice, as_alice, query):
    """HTML goes uncompressed to a signed-in browser; CSS and JS (about 16 KB compressed, plus
    headers) share the 50 KB first-load budget, so a daily logger's year stays under 30 KB."""
    with app.app_context():
        for n in range(367):
            add_session(alice.id, noon(START + timedelta(days=n)), 7, n % 8, mood=1 + n % 5)
        db.session.commit()
    html = as_alice.get(f"/trends/year{query}").get_data(as_text=True)
    assert len(html.encode()) < 30_000
