"""The next-day check-in ("How is your back today?", 0-10): planned the morning after a
session at wake time, merged with the sleep check-in into one notification, answered with
one tap per question on the page the notification opens, stored on the session."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import time_machine

from tracker.extensions import db
from tracker.models import MassageSession, User
from tracker.reminders import actions, morning
from tracker.reminders.dispatcher import dispatch_due

from .conftest import edit_session, log_session, reminders, subscribe
from .declarative import parse
from .test_planner import U, utc  # the planner's user stand-in and UTC helper


def sess(occurred_at, *, id=3, client_id="c0ffee", sleep=None, pain=None, deleted=None):
    return SimpleNamespace(
        id=id, client_id=client_id, occurred_at=occurred_at, sleep_quality=sleep,
        pain_next_day=pain, deleted_at=deleted,
    )  # fmt: skip


EARLY = utc(2026, 1, 1)
NIGHT = date(2026, 3, 10)
EVENING = utc(2026, 3, 10, 18)  # 19:00 in Berlin
BACK_ONLY = {"sleep_checkin": False}


# --- pure planning ---------------------------------------------------------------------------


def test_the_next_day_checkin_is_the_next_morning_at_wake_time_in_the_users_zone():
    [spec] = morning.plan_checkin(
        U(wake_time=time(9, 15), prefs=BACK_ONLY), 1, NIGHT, [sess(EVENING)], EARLY
    )
    assert (spec.kind, spec.subject_id, spec.slot) == ("next_day", 1, "night:2026-03-10")
    assert (spec.due_at, spec.stale_at) == (utc(2026, 3, 11, 8, 15), utc(2026, 3, 11, 14, 15))
    assert spec.title == "How is your back today?"
    assert spec.payload()["asks"] == ["next_day"] and spec.payload()["answer"] == "checkin"
    ny = U(timezone="America/New_York", wake_time=time(9, 15), prefs=BACK_ONLY)
    [spec] = morning.plan_checkin(ny, 1, NIGHT, [sess(utc(2026, 3, 10, 23))], EARLY)
    assert spec.due_at == utc(2026, 3, 11, 13, 15)  # 09:15 EDT (New York moved on 8 March)


def test_with_sleep_on_both_questions_are_one_reminder():
    [spec] = morning.plan_checkin(U(), 1, NIGHT, [sess(EVENING)], EARLY)
    assert spec.kind == "sleep_checkin" and spec.slot == "night:2026-03-10"
    assert spec.title == "How did you sleep, and how is your back today?"
    assert spec.payload()["asks"] == ["sleep", "next_day"]
    assert spec.due_at == utc(2026, 3, 11, 7)  # 08:00 Berlin


def test_what_is_answered_is_not_asked_again():
    day = [sess(EVENING, id=3), sess(EVENING + timedelta(minutes=1), id=4, client_id="later")]
    [spec] = morning.plan_checkin(U(), 1, NIGHT, day, EARLY)
    assert spec.url == "/sessions/later/edit#sleep-h"  # the day's latest session
    day[0].pain_next_day = 2  # answered on either session of the day
    [spec] = morning.plan_checkin(U(), 1, NIGHT, day, EARLY)
    assert (spec.kind, spec.payload()["asks"]) == ("sleep_checkin", ["sleep"])
    assert spec.title == "How did you sleep after your massage?"
    day[0].pain_next_day, day[1].sleep_quality = None, 4
    [spec] = morning.plan_checkin(U(), 1, NIGHT, day, EARLY)
    assert (spec.kind, spec.payload()["asks"]) == ("next_day", ["next_day"])
    day[0].pain_next_day = 2
    assert morning.plan_checkin(U(), 1, NIGHT, day, EARLY) == []


def test_the_setting_off_leaves_the_sleep_checkin_alone():
    [spec] = morning.plan_checkin(U(prefs={"next_day": False}), 1, NIGHT, [sess(EVENING)], EARLY)
    assert (spec.kind, spec.payload()["asks"]) == ("sleep_checkin", ["sleep"])
    both_off = U(prefs={"next_day": False, "sleep_checkin": False})
    assert morning.plan_checkin(both_off, 1, NIGHT, [sess(EVENING)], EARLY) == []


@pytest.mark.parametrize(
    ("zone", "evening", "due"),
    [
        # Spring forward: Berlin 29 March 2026 (08:00 CEST = 06:00 UTC).
        ("Europe/Berlin", utc(2026, 3, 28, 19), utc(2026, 3, 29, 6)),
        # Fall back: Berlin 25 October 2026 (08:00 CET = 07:00 UTC).
        ("Europe/Berlin", utc(2026, 10, 24, 18), utc(2026, 10, 25, 7)),
        # New York 8 March 2026 (08:00 EDT = 12:00 UTC) and 1 November (08:00 EST = 13:00 UTC).
        ("America/New_York", utc(2026, 3, 8, 1), utc(2026, 3, 8, 12)),
        ("America/New_York", utc(2026, 11, 1, 0), utc(2026, 11, 1, 13)),
    ],
)
def test_dst_mornings_keep_the_local_wake_time(zone, evening, due):
    user = U(timezone=zone, prefs=BACK_ONLY)
    night = (evening - timedelta(hours=6)).date()  # the local evening before
    [spec] = morning.plan_checkin(user, 1, night, [sess(evening)], EARLY)
    assert spec.due_at == due
    assert spec.stale_at - spec.due_at == timedelta(hours=6)


def test_a_wake_time_in_the_spring_gap_moves_forward_by_the_gap():
    user = U(wake_time=time(2, 30), quiet_start=time(0), quiet_end=time(0), prefs=BACK_ONLY)
    [spec] = morning.plan_checkin(user, 1, date(2026, 3, 28), [sess(utc(2026, 3, 28, 19))], EARLY)
    assert spec.due_at == utc(2026, 3, 29, 1, 30)  # 03:30 CEST


def test_quiet_hours_follow_the_sleep_rule():
    # Waking at 06:30 inside quiet hours (until 08:00): at their end, stale 6 h after waking.
    [spec] = morning.plan_checkin(
        U(wake_time=time(6, 30), prefs=BACK_ONLY), 1, NIGHT, [sess(EVENING)], EARLY
    )
    assert (spec.due_at, spec.stale_at) == (utc(2026, 3, 11, 7), utc(2026, 3, 11, 11, 30))
    # Quiet until 13:00 is past the 6 hours: no check-in rather than one at lunch.
    late = U(wake_time=time(6, 30), quiet_end=time(13, 0), prefs=BACK_ONLY)
    assert morning.plan_checkin(late, 1, NIGHT, [sess(EVENING)], EARLY) == []


# --- re-planning through the real signals -----------------------------------------------------

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
BASE = "https://tracker.example.org"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "APP_URL": BASE}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def checkins(user_id):
    return [r for r in reminders(user_id) if r.kind in ("sleep_checkin", "next_day")]


def set_prefs(user_id, **prefs):
    user = db.session.get(User, user_id)
    user.reminder_prefs = {**(user.reminder_prefs or {}), **prefs}
    db.session.commit()


def test_two_sessions_one_morning_one_notification_replanned_on_edit_and_delete(app, alice, clock):
    with app.app_context():
        first = log_session(alice.id, utc(2026, 3, 10, 16))
        second = log_session(alice.id, utc(2026, 3, 10, 19))
        [row] = checkins(alice.id)
        assert (row.kind, row.slot, row.status) == ("sleep_checkin", "night:2026-03-10", "pending")
        assert row.payload["asks"] == ["sleep", "next_day"]
        assert row.due_at == utc(2026, 3, 11, 7)
        edit_session(first, sleep_quality=4)  # sleep answered in the log: the back is left
        rows = checkins(alice.id)
        assert [(r.kind, r.status, r.last_error) for r in rows] == [
            ("sleep_checkin", "cancelled", "Sleep logged"),
            ("next_day", "pending", ""),
        ]
        edit_session(second, pain_next_day=3)
        assert [(r.kind, r.status) for r in checkins(alice.id)] == [
            ("sleep_checkin", "cancelled"),
            ("next_day", "cancelled"),
        ]
        assert checkins(alice.id)[1].last_error == "Back pain logged"
        edit_session(second, pain_next_day=None)
        edit_session(first, deleted_at=NOW)
        edit_session(second, deleted_at=NOW)
        rows = checkins(alice.id)
        assert {r.status for r in rows} == {"cancelled"}
        assert "Session deleted" in {r.last_error for r in rows}


def test_turning_the_setting_off_keeps_the_sleep_checkin(app, alice, clock):
    with app.app_context():
        set_prefs(alice.id, next_day=False)
        log_session(alice.id, EVENING)
        [row] = checkins(alice.id)
        assert (row.kind, row.payload["asks"]) == ("sleep_checkin", ["sleep"])
        assert row.payload["title"] == "How did you sleep after your massage?"


def test_an_existing_user_without_the_setting_follows_the_sleep_checkin(app, alice, clock):
    with app.app_context():
        user = db.session.get(User, alice.id)
        user.reminder_prefs = {"sleep_checkin": False}  # saved before next_day existed
        db.session.commit()
        assert db.session.get(User, alice.id).pref("next_day") is False
        log_session(alice.id, EVENING)
        assert checkins(alice.id) == []
        user = db.session.get(User, alice.id)
        user.reminder_prefs = {"sleep_checkin": True}
        db.session.commit()
        assert user.pref("next_day") is True


# --- the push, the one-tap page, and who may answer --------------------------------------------


def logged(user_id, at, **values) -> SimpleNamespace:
    """Log a session (inside an app context); its ids outlive the context."""
    row = log_session(user_id, at, **values)
    return SimpleNamespace(id=row.id, client_id=row.client_id)


def deliver(app, fakepush, clock, user_id, at=EVENING) -> tuple[dict, SimpleNamespace]:
    with app.app_context():
        subscribe(user_id, fakepush.subscribe())
        session = logged(user_id, at)
        [row] = checkins(user_id)
        clock.move_to(row.due_at)
        fakepush.deliveries.clear()
        assert dispatch_due().sent == 1
        return fakepush.deliveries[-1].payload, session


def test_one_push_asks_both_and_opens_the_one_tap_page(app, alice, fakepush, clock):
    message, session = deliver(app, fakepush, clock, alice.id)
    assert fakepush.errors == []
    n = parse(message)["notification"]
    assert n["title"] == "How did you sleep, and how is your back today?"
    assert "sleep" in n["body"] and "back pain (0 to 10)" in n["body"]
    target = urlsplit(n["navigate"])
    assert target.path.startswith("/act/") and target.query == "do=checkin"
    # The token is only in the page's URL, so the worker opens the page instead of POSTing.
    assert "action_token" not in n["data"]
    assert [(a["action"], a["navigate"]) for a in n["actions"]] == [("rate", n["navigate"])]
    with app.app_context():
        assert len(reminders(alice.id, status="sent")) == 1  # one notification for both


def stored(app, session_id):
    with app.app_context():
        row = db.session.get(MassageSession, session_id)
        return row.sleep_quality, row.pain_next_day


def test_answering_both_questions_with_one_tap_each(app, client, alice, fakepush, clock):
    message, session = deliver(app, fakepush, clock, alice.id)
    url = urlsplit(message["notification"]["navigate"])
    page = client.get(f"{url.path}?{url.query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "How did you sleep?" in html and "How is your back today?" in html
    assert 'name="pain_next_day" value="10"' in html and 'name="sleep_quality" value="5"' in html
    assert stored(app, session.id) == (None, None)  # a GET changes nothing

    done = client.post(url.path, data={"action": "checkin", "pain_next_day": "3"})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Back pain saved: 3 of 10." in html
    assert 'name="sleep_quality"' in html and 'name="pain_next_day"' not in html
    assert stored(app, session.id) == (None, 3)

    done = client.post(url.path, data={"action": "checkin", "sleep_quality": "4"})
    assert done.status_code == 200 and "Sleep saved: 4 of 5." in done.get_data(as_text=True)
    assert stored(app, session.id) == (4, 3)

    again = client.post(url.path, data={"action": "checkin", "pain_next_day": "9"})
    assert again.status_code == 409 and stored(app, session.id) == (4, 3)
    assert "Already answered" in client.get(f"{url.path}?{url.query}").get_data(as_text=True)
    with app.app_context():  # answering never plans another notification for that morning
        assert [r.status for r in checkins(alice.id)] == ["sent"]
        assert reminders(alice.id, status="pending", kind="next_day") == []


def test_the_json_action_endpoint_answers_too_and_checks_values(
    app, client, alice, fakepush, clock
):
    message, session = deliver(app, fakepush, clock, alice.id)
    token = urlsplit(message["notification"]["navigate"]).path.removeprefix("/act/")
    path = f"/api/v1/actions/{token}"
    bad = client.post(path, json={"action": "checkin", "pain_next_day": 11})
    assert bad.status_code == 422 and "pain_next_day" in bad.get_json()["errors"]
    assert client.post(path, json={"action": "checkin"}).status_code == 422
    assert (
        client.post(path, json={"action": "checkin", "pain_next_day": "seven"}).status_code == 422
    )
    ok = client.post(path, json={"action": "checkin", "pain_next_day": 2})
    assert ok.status_code == 200
    assert ok.get_json()["pain_next_day"] == 2 and ok.get_json()["session_id"] == session.client_id
    assert stored(app, session.id) == (None, 2)


def test_a_back_only_checkin_does_not_take_a_sleep_answer(app, client, alice, fakepush, clock):
    with app.app_context():
        set_prefs(alice.id, sleep_checkin=False)
    message, session = deliver(app, fakepush, clock, alice.id)
    assert message["notification"]["title"] == "How is your back today?"
    path = urlsplit(message["notification"]["navigate"]).path
    refused = client.post(path, data={"action": "checkin", "sleep_quality": "5"})
    assert refused.status_code == 422 and stored(app, session.id) == (None, None)


def test_action_tokens_are_bound_to_their_user(app, client, alice, bob, fakepush, clock):
    message, session = deliver(app, fakepush, clock, alice.id)
    with app.app_context():
        [alices] = checkins(alice.id)
        bob_session = logged(bob.id, NOW - timedelta(hours=2))
        [bobs] = checkins(bob.id)
        # Bob signs a token with his own id for Alice's reminder: refused, nothing stored.
        forged = actions.make_token(bob.id, alices.id)
        # Bob's genuine token answers only his own morning.
        own = actions.make_token(bob.id, bobs.id)
    for form in ({"action": "checkin", "pain_next_day": "7"},):
        assert client.post(f"/act/{forged}", data=form).status_code == 404
        assert client.get(f"/act/{forged}?do=checkin").status_code == 404
        tampered = urlsplit(message["notification"]["navigate"]).path[:-3] + "abc"
        assert client.post(tampered, data=form).status_code == 404
        assert client.post(f"/act/{own}", data=form).status_code == 200
    assert stored(app, session.id) == (None, None)
    assert stored(app, bob_session.id) == (None, 7)


def test_an_open_next_day_checkin_counts_on_the_badge_until_answered(
    app, client, alice, fakepush, clock
):
    from tracker import timeutil
    from tracker.reminders import badge

    with app.app_context():
        set_prefs(alice.id, sleep_checkin=False)
    message, session = deliver(app, fakepush, clock, alice.id)
    assert message["app_badge"] == 0  # counted from the next push on, and on every app open
    with app.app_context():
        assert badge.counts([alice.id], timeutil.now()) == {alice.id: 1}
    path = urlsplit(message["notification"]["navigate"]).path
    assert client.post(path, data={"action": "checkin", "pain_next_day": "1"}).status_code == 200
    with app.app_context():
        assert badge.counts([alice.id], timeutil.now()) == {alice.id: 0}
