"""Home-screen data, its partial, and the last-done lookup other capabilities rely on."""

from datetime import UTC, date, datetime, timedelta

from flask import render_template_string
from flask_login import login_user

from tracker.extensions import db
from tracker.models import User
from tracker.routines.queries import last_done_dates

from .conftest import NOW


def test_last_done_dates_uses_sessions_and_done_appointments_in_local_time(app, alice, bob, make):
    weekly = make.routine(alice, name="Weekly")
    monthly = make.routine(alice, name="Monthly")
    via_appt = make.routine(alice, name="Via appointment")
    never = make.routine(alice, name="Never")
    # 23:30 UTC on 1 May is already 2 May in Berlin.
    make.session(alice, occurred_at=datetime(2026, 5, 1, 23, 30, tzinfo=UTC), routine_id=weekly.id)
    make.session(alice, occurred_at=datetime(2026, 4, 1, 9, tzinfo=UTC), routine_id=weekly.id)
    make.session(
        alice, occurred_at=datetime(2026, 5, 5, 9, tzinfo=UTC), routine_id=weekly.id, deleted_at=NOW
    )  # soft-deleted: ignored
    make.appointment(
        alice, starts_at=datetime(2026, 4, 20, 9, tzinfo=UTC), routine_id=monthly.id, status="done"
    )
    make.appointment(
        alice,
        starts_at=datetime(2026, 4, 28, 9, tzinfo=UTC),
        routine_id=monthly.id,
        status="cancelled",
    )  # not done: ignored
    appt = make.appointment(
        alice, starts_at=datetime(2026, 4, 25, 9, tzinfo=UTC), routine_id=via_appt.id
    )
    make.session(alice, occurred_at=datetime(2026, 4, 25, 10, tzinfo=UTC), appointment_id=appt.id)
    bobs = make.routine(bob)
    make.session(bob, occurred_at=NOW, routine_id=bobs.id)
    with app.app_context():
        done = last_done_dates(alice.id)
        assert done == {
            weekly.id: date(2026, 5, 2),
            monthly.id: date(2026, 4, 20),
            via_appt.id: date(2026, 4, 25),
        }
        assert never.id not in done
        assert last_done_dates(alice.id, "America/New_York")[weekly.id] == date(2026, 5, 1)
        assert last_done_dates(bob.id) == {bobs.id: date(2026, 5, 6)}


def render_home(app, user_id: int) -> str:
    with app.test_request_context("/"):
        login_user(db.session.get(User, user_id))
        return render_template_string('{% include "routines/_home.html" %}')


def test_home_shows_next_appointment_countdown_and_each_routine(app, alice, bob, make):
    weekly = make.routine(
        alice,
        name="Foam roller",
        kind="self",
        cadence_count=1,
        cadence_unit="weeks",
        anchor_date=date(2026, 5, 3),
    )
    fortnightly = make.routine(alice, name="Fortnightly", anchor_date=date(2026, 5, 20))
    make.routine(alice, name="Paused one", paused_at=NOW)
    make.routine(alice, name="Archived one", archived_at=NOW)
    make.appointment(alice, starts_at=NOW + timedelta(days=2, hours=3), therapist_name="Dana")
    make.appointment(alice, starts_at=NOW + timedelta(days=9))
    make.appointment(alice, starts_at=NOW + timedelta(hours=1), status="cancelled")
    make.appointment(bob, starts_at=NOW + timedelta(minutes=30))
    with app.test_request_context("/"):
        login_user(db.session.get(User, alice.id))
        data = app.jinja_env.globals["routine_home"]()
        assert data["countdown"] == "in 2 days"
        assert [r["routine"].name for r in data["routines"]] == [
            "Foam roller",
            "Fortnightly",
            "Paused one",
        ]
        assert [r["status"].label for r in data["routines"]] == [
            "overdue by 3 days",
            "on track",
            "paused",
        ]
    html = render_home(app, alice.id)
    assert "Fri 08 May 2026, 15:00" in html and "in 2 days" in html and "with Dana" in html
    # A self-massage is done at home, not booked: Done instead of "Book next".
    assert f"/appointments/new?routine={weekly.id}" not in html
    assert f'action="/sessions/done/{weekly.id}"' in html
    assert f"/appointments/new?routine={fortnightly.id}" in html and "Book next" in html
    assert "overdue by 3 days" in html and "Archived one" not in html


def test_home_without_anything_prompts_to_set_up(app, alice):
    html = render_home(app, alice.id)
    assert "No appointment booked." in html and "/routine/new" in html


def test_home_is_empty_when_logged_out(app):
    with app.test_request_context("/"):
        assert render_template_string('{% include "routines/_home.html" %}').strip() == ""
