"""Dashboard, trends and therapist summary over HTTP, with data made through the models."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from flask import url_for

from tests.conftest import AuthActions
from tracker.extensions import db
from tracker.models import Appointment, MassageSession, SleepLog, WaterIntake
from tracker.trends import queries, series

from .helpers import SVG_NS, add_routine, add_session, marks, noon, svg_by_title, svgs, table_after

TODAY = date(2025, 6, 11)  # a Wednesday; alice is in Europe/Berlin
FROZEN = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _client(app, name):
    client = app.test_client()
    AuthActions(client).login(name)
    return client


@pytest.fixture
def as_alice(app, alice, frozen):
    return _client(app, "alice")


@pytest.fixture
def as_bob(app, bob, frozen):
    return _client(app, "bob")


def seed(app, user_id: int, *, therapist: str = "Anna", days: int = 10) -> None:
    """A weekly routine and a session every other day, kept for the last `days` sessions."""
    with app.app_context():
        routine = add_routine(user_id, date(2025, 3, 3), name="Weekly massage")
        db.session.flush()
        for i in range(days):
            add_session(
                user_id,
                noon(TODAY - timedelta(days=1 + 2 * i)),
                before=7,
                after=3 - i % 2,
                routine_id=routine.id,
                therapist_name=therapist,
                mood=2 + i % 4,
                relaxation=4,
                sleep_quality=3 + i % 2,
                notes=f"#therapist {therapist} note {i}\nprivate {i}",
            )
        db.session.commit()


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- dashboard -----------------------------------------------------------------------------------


def test_it_redirects_anonymous_visitors_to_login(client):
    for path in ("/trends", "/trends/summary"):
        assert client.get(path).status_code == 302
    # "/" is the landing page for visitors: it says what the app is, and shows no one's data.
    landing = client.get("/")
    assert landing.status_code == 200 and b"Log in" in landing.data


def test_it_guides_a_new_user_to_a_routine_and_a_first_session(app, as_alice):
    html = page(as_alice, "/")
    with app.test_request_context():
        routine, log = url_for("routines.index"), url_for("logbook.new_session")
    assert "Get started" in html
    assert f'href="{routine}"' in html and f'href="{log}"' in html
    assert "0</strong> of 8 glasses" in html


def test_it_shows_streak_last_session_and_water(app, alice, as_alice):
    with app.app_context():
        routine = add_routine(alice.id, date(2025, 5, 5), name="Weekly massage")  # Mondays
        db.session.flush()
        for day in (date(2025, 5, 20), date(2025, 5, 27), date(2025, 6, 3)):
            add_session(alice.id, noon(day), routine_id=routine.id)
        last = add_session(
            alice.id,
            noon(date(2025, 6, 10)),
            before=7,
            after=2,
            water_glasses=3,
            routine_id=routine.id,
        )
        db.session.flush()
        db.session.add_all(
            [
                WaterIntake(user_id=alice.id, client_id=str(uuid.uuid4()), drank_at=FROZEN),
                WaterIntake(
                    user_id=alice.id,
                    client_id=str(uuid.uuid4()),
                    drank_at=FROZEN,
                    session_id=last.id,
                ),
            ]
        )
        db.session.commit()
    html = page(as_alice, "/")
    assert "Get started" not in html
    # Periods from 19 May to 9 Jun kept; 12 May missed; the running week doesn't break it.
    assert '<span class="streak-count">4</span>' in html
    assert "Pain <strong>7</strong>" in html and "<strong>2</strong>" in html and "5 lower" in html
    assert "<strong>2</strong> of 8 glasses" in html  # yesterday's typed glasses are not today's


def test_it_counts_water_by_local_day_across_dst(app, alice):
    berlin = "Europe/Berlin"
    with app.app_context():
        for at in (
            datetime(2024, 10, 26, 21, 30, tzinfo=UTC),  # 23:30 on the 26th
            datetime(2024, 10, 26, 22, 30, tzinfo=UTC),  # 00:30 on the 27th
            datetime(2024, 10, 27, 22, 30, tzinfo=UTC),  # 23:30 on the 27th (25 h day)
            datetime(2024, 10, 27, 23, 0, tzinfo=UTC),
        ):  # 00:00 on the 28th
            db.session.add(WaterIntake(user_id=alice.id, client_id=str(uuid.uuid4()), drank_at=at))
        session = add_session(alice.id, datetime(2024, 10, 27, 9, tzinfo=UTC), water_glasses=3)
        db.session.flush()
        db.session.add(
            WaterIntake(
                user_id=alice.id,
                client_id=str(uuid.uuid4()),
                drank_at=datetime(2024, 10, 27, 10, tzinfo=UTC),
                session_id=session.id,
            )
        )
        db.session.commit()
        # 3 taps that day; the session's 3 glasses include its 1 linked tap, so 2 more.
        assert queries.water_today(alice.id, berlin, date(2024, 10, 27)) == 5
        assert queries.water_today(alice.id, berlin, date(2024, 10, 26)) == 1


def test_a_pause_keeps_the_streak_going(app, alice):
    with app.app_context():
        routine = add_routine(
            alice.id,
            date(2025, 4, 7),
            pauses=[["2025-04-20T22:00:00+00:00", "2025-05-12T08:00:00+00:00"]],
        )
        db.session.flush()
        for day in (date(2025, 4, 8), date(2025, 4, 15), date(2025, 5, 13), date(2025, 5, 20)):
            add_session(alice.id, noon(day), routine_id=routine.id)
        add_session(alice.id, noon(date(2025, 5, 27)), routine_id=routine.id, deleted_at=FROZEN)
        db.session.commit()
        assert queries.routine_streak(alice.id, routine, "Europe/Berlin", date(2025, 5, 28)) == (
            4,
            False,
        )
        routine.pauses = []
        assert queries.routine_streak(alice.id, routine, "Europe/Berlin", date(2025, 5, 28)) == (
            2,
            False,
        )


def test_sessions_count_for_a_routine_directly_or_through_its_appointment(app, alice, bob):
    with app.app_context():
        routine = add_routine(alice.id, date(2025, 5, 5))
        other = add_routine(alice.id, date(2025, 5, 5), name="Other")
        db.session.flush()
        appt = Appointment(
            user_id=alice.id,
            client_id=str(uuid.uuid4()),
            routine_id=routine.id,
            starts_at=noon(date(2025, 5, 13)),
        )
        db.session.add(appt)
        db.session.flush()
        add_session(alice.id, noon(date(2025, 5, 6)), routine_id=routine.id)
        add_session(alice.id, noon(date(2025, 5, 13)), appointment_id=appt.id)
        add_session(alice.id, noon(date(2025, 5, 20)))  # linked to nothing: counts for no routine
        add_session(alice.id, noon(date(2025, 5, 27)), routine_id=other.id)
        add_session(bob.id, noon(date(2025, 5, 27)), routine_id=routine.id)  # not alice's
        db.session.commit()
        periods = series.periods(queries.cadence_of(routine), date(2025, 5, 5), date(2025, 5, 28))
        assert queries.kept_flags(alice.id, routine, "Europe/Berlin", periods) == [
            True,
            True,
            False,
            False,
        ]
        rows = queries.session_rows(alice.id, "Europe/Berlin")
        assert [r.routine_id for r in rows] == [routine.id, routine.id, None, other.id]


# --- trends page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("range_key", ["4w", "12w", "1y", "all"])
def test_every_chart_is_valid_svg_with_an_accessible_name(app, alice, as_alice, range_key):
    seed(app, alice.id)
    html = page(as_alice, f"/trends?range={range_key}")
    charts = svgs(html)
    assert len(charts) == 6  # pain, mood, relaxation, sleep, calendar, adherence
    for svg in charts:
        assert svg.get("role") == "img"
        title_id, desc_id = svg.get("aria-labelledby").split()
        assert svg.find(f"{SVG_NS}title").get("id") == title_id
        assert svg.find(f"{SVG_NS}title").text.strip()
        assert svg.find(f"{SVG_NS}desc").get("id") == desc_id
        assert svg.get("viewBox").startswith("0 0 ")
        assert "style" not in {a for el in svg.iter() for a in el.attrib}
    assert f'href="/trends?range={range_key}" aria-current="page"' in html
    assert "<script" not in html.split("</head>")[1]


def test_the_tables_match_the_chart_data(app, alice, as_alice):
    seed(app, alice.id)
    html = page(as_alice, "/trends")
    pain = marks(
        svg_by_title(html, "Pain before and after each session"), "label", "before", "after"
    )
    table = table_after(html, "Pain before and after (0 to 10)")
    assert len(pain) == 10
    assert [tuple(r[:3]) for r in table] == pain
    mood = marks(svg_by_title(html, "Mood over time"), "label", "value", "rolling")
    assert [tuple(r) for r in table_after(html, "Mood (1 to 5)")] == mood
    heat = marks(
        svg_by_title(html, "Session calendar, last 26 weeks"), "day", "professional", "self"
    )
    heat_table = table_after(html, "Days with a session, last 26 weeks")
    assert [(r[1], r[2]) for r in heat_table] == [(p, s) for _, p, s in heat] and len(heat) == 10
    bars = marks(svg_by_title(html, "Adherence per month: Weekly massage"), "label", "kept", "due")
    assert [
        tuple(r[:3]) for r in table_after(html, "Sessions kept vs due per month: Weekly massage")
    ] == bars
    # Sessions every other day since 23 May: weeks from 19 May on are kept, earlier ones not.
    assert bars == [
        ("Mar 2025", "0", "2"),
        ("Apr 2025", "0", "4"),
        ("May 2025", "2", "4"),
        ("Jun 2025", "2", "2"),
    ]
    assert "On average your pain was <strong>4.5 points lower</strong>" in html


@pytest.mark.parametrize("bad", ["", "2w", "ALL", "%00", "1y;drop", "x" * 5000])
def test_a_bad_range_falls_back_to_twelve_weeks(as_alice, bad):
    html = page(as_alice, f"/trends?range={bad}")
    assert "That range isn&#39;t available" in html
    assert 'href="/trends?range=12w" aria-current="page"' in html


def test_it_explains_empty_ranges(app, alice, as_alice):
    html = page(as_alice, "/trends?range=all")
    assert "No sessions yet" in html and "Set up a routine" in html
    assert len(svgs(html)) == 1  # the calendar still renders (empty)
    with app.app_context():
        add_session(alice.id, noon(TODAY - timedelta(days=60)))
        db.session.commit()
    html = page(as_alice, "/trends?range=4w")
    assert "No sessions in this range" in html and "Show all time" in html


def test_insights_say_what_is_missing_then_compare(app, alice, as_alice):
    with app.app_context():
        for i, after in enumerate((4, 3, 5, 4, 4)):
            add_session(
                alice.id, noon(TODAY - timedelta(days=1 + i)), 8, after, therapist_name="Anna"
            )
        for i, after in enumerate((5, 6, 5, 4)):
            add_session(
                alice.id, noon(TODAY - timedelta(days=10 + i)), 6, after, therapist_name="Ben"
            )
        db.session.commit()
    html = page(as_alice, "/trends")
    assert "Not enough data yet: 1 more session without Anna." in html
    with app.app_context():
        add_session(alice.id, noon(TODAY - timedelta(days=20)), 6, 5, therapist_name="Ben")
        db.session.commit()
    html = page(as_alice, "/trends")
    # Anna: relief 4, 5, 3, 4, 4 (mean 4.0); Ben: 1, 0, 1, 2, 1 (mean 1.0).
    assert "With Anna, pain dropped 3.0 points more than otherwise (5 sessions against 5;" in html
    assert 'Therapist <span class="strength">· a clear pattern</span>' in html
    assert "Anna: 4 (n = 5) · the rest: 1 (n = 5)" in html


def test_it_compares_sleep_after_massage_with_other_nights(app, alice, as_alice):
    with app.app_context():
        for i in range(5):
            add_session(alice.id, noon(TODAY - timedelta(days=2 + 2 * i)), sleep_quality=4)
            db.session.add(
                SleepLog(user_id=alice.id, night=TODAY - timedelta(days=3 + 2 * i), quality=2)
            )
        db.session.commit()
    html = page(as_alice, "/trends")
    # Constant ratings on each side: the difference (2.0) has no spread, so it is clear.
    assert (
        "On nights after a massage, sleep was rated 2.0 points higher than otherwise "
        "(5 nights against 5; 95% interval 2.0 to 2.0)."
    ) in html


def test_relief_groups_are_aggregated_in_sql_per_user(app, alice, bob):
    with app.app_context():
        add_session(alice.id, FROZEN, 8, 2, therapist_name="Anna", style="deep_tissue")
        add_session(alice.id, FROZEN, 6, 4, therapist_name="Anna", style="")
        add_session(alice.id, FROZEN, 9, 0, therapist_name="Anna", deleted_at=FROZEN)
        add_session(bob.id, FROZEN, 9, 0, therapist_name="Anna")
        db.session.commit()
        [anna] = queries.relief_groups(alice.id, "Therapist", None)
        assert (anna.label, anna.n, anna.mean) == ("Anna", 2, 4.0)
        assert [g.label for g in queries.relief_groups(alice.id, "Style", None)] == ["deep tissue"]
        assert queries.relief_groups(alice.id, "Therapist", FROZEN + timedelta(seconds=1)) == []


# --- therapist summary -----------------------------------------------------------------------------


def test_the_summary_lists_recent_sessions_with_tagged_notes(app, alice, as_alice):
    seed(app, alice.id, days=12)
    html = page(as_alice, "/trends/summary?n=3")
    assert html.count('class="summary-item"') == 3
    assert "Anna note 0" in html and "Anna note 2" in html and "Anna note 3" not in html
    assert "private 0" not in html
    html = page(as_alice, "/trends/summary?n=3&notes=all")
    assert "private 0" in html and "#therapist Anna note 0" in html
    assert html.count('class="summary-item"') == 3


@pytest.mark.parametrize("bad", ["0", "51", "abc", "", "-1", "²", "1.5", "9" * 5000])
def test_a_bad_summary_size_shows_the_default(app, alice, as_alice, bad):
    seed(app, alice.id, days=12)
    html = page(as_alice, f"/trends/summary?n={bad}")
    assert "Showing the last 10" in html
    assert html.count('class="summary-item"') == 10


def test_the_summary_has_print_styles_and_no_inline_script(as_alice):
    html = page(as_alice, "/trends/summary")
    assert "No sessions logged yet" in html
    assert "<script>" not in html and "style=" not in html


# --- isolation ------------------------------------------------------------------------------------


def test_bob_never_sees_alices_numbers(app, alice, bob, as_bob):
    seed(app, alice.id, therapist="Zelda")
    with app.app_context():
        db.session.add(WaterIntake(user_id=alice.id, client_id=str(uuid.uuid4()), drank_at=FROZEN))
        db.session.commit()
    for path in ("/", "/trends?range=all", "/trends/summary?n=50&notes=all"):
        html = page(as_bob, path)
        assert "Zelda" not in html and "Weekly massage" not in html and "private" not in html
    assert "Get started" in page(as_bob, "/")
    assert "0</strong> of 8 glasses" in page(as_bob, "/")
    html = page(as_bob, "/trends?range=all")
    assert "No sessions yet" in html
    heat = marks(svg_by_title(html, "Session calendar, last 26 weeks"), "day")
    assert heat == []
    assert "No sessions logged yet" in page(as_bob, "/trends/summary")


def test_deleted_sessions_never_count(app, alice, as_alice):
    with app.app_context():
        add_session(
            alice.id, noon(TODAY - timedelta(days=1)), therapist_name="Ghost", deleted_at=FROZEN
        )
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(MassageSession.id))) == 1
    for path in ("/", "/trends", "/trends/summary"):
        assert "Ghost" not in page(as_alice, path)
    assert "Get started" in page(as_alice, "/")


def test_a_long_streak_is_shown_as_at_least_the_window(app, alice, as_alice):
    with app.app_context():
        routine = add_routine(alice.id, TODAY - timedelta(days=60), 1, "days", name="Daily stretch")
        db.session.flush()
        for i in range(61):
            add_session(alice.id, noon(TODAY - timedelta(days=i)), routine_id=routine.id)
        db.session.commit()
        assert queries.routine_streak(alice.id, routine, "Europe/Berlin", TODAY) == (26, True)
    assert '<span class="streak-count">26+</span>' in page(as_alice, "/")
