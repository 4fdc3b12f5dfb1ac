"""Declarative Web Push payloads (W3C Push API), decrypted by the strict fake push service and
checked with an independent parser (declarative.py); the 4 KB limit at the longest therapist
name and place; the icon badge count; the one-tap page behind data-changing actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from sqlalchemy import insert

from tracker.extensions import db
from tracker.models import Reminder, WaterIntake
from tracker.reminders import actions, planner
from tracker.reminders.dispatcher import dispatch_due
from tracker.reminders.push import MAX_PLAINTEXT

from .conftest import book, log_session, reminders, subscribe
from .declarative import flat, parse

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
BASE = "https://tracker.example.org"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "APP_URL": BASE}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def insert_every_kind(user_id: int) -> list[str]:
    kinds = sorted(planner.ACTIONS)
    db.session.execute(
        insert(Reminder),
        [
            {
                "user_id": user_id,
                "kind": kind,
                "subject_id": 1,
                "slot": "x",
                "due_at": NOW,
                "next_attempt_at": NOW,
                "stale_at": NOW + timedelta(hours=2),
                "status": "pending",
                "payload": {
                    "title": f"{kind} title",
                    "body": "body",
                    "url": "/reminders",
                    "actions": planner.ACTIONS[kind],
                },
            }
            for kind in kinds
        ],
    )
    db.session.commit()
    return kinds


def test_every_kind_is_a_declarative_push_message(app, alice, fakepush, clock):
    with app.app_context():
        sub = fakepush.subscribe()
        subscribe(alice.id, sub)
        kinds = insert_every_kind(alice.id)
        assert dispatch_due().sent == len(kinds)
        ids = {r.kind: r.id for r in reminders(alice.id)}
    assert fakepush.errors == []
    seen = set()
    for delivery in fakepush.deliveries:
        message = delivery.payload
        parsed = parse(message)  # raises where a browser's parser would fail
        n = parsed["notification"]
        kind = n["data"]["kind"]
        seen.add(kind)
        assert message["web_push"] == 8030 and parsed["mutable"] is True
        assert parsed["app_badge"] == 0
        assert n["title"] == f"{kind} title" and n["body"] == "body"
        assert (n["lang"], n["dir"], n["tag"]) == ("en", "ltr", f"reminder-{ids[kind]}")
        assert n["navigate"] == f"{BASE}/reminders"
        assert n["data"]["id"] == ids[kind]
        data_actions = actions.ALLOWED.get(kind, set())
        assert [a["action"] for a in n["actions"]] == [a["action"] for a in planner.ACTIONS[kind]]
        for action in n["actions"]:
            target = urlsplit(action["navigate"])
            assert f"{target.scheme}://{target.netloc}" == BASE
            if action["action"] in data_actions:
                # Never a GET that changes data: the page behind it asks for one tap.
                assert target.path.startswith("/act/") and target.query == f"do={action['action']}"
            else:
                assert action["navigate"] == n["navigate"]
        assert ("action_token" in n["data"]) == bool(data_actions)
    assert seen == set(kinds)


def test_the_longest_therapist_name_and_place_stay_inside_4_kb(app, alice, fakepush, clock):
    """Four-byte characters at every column's maximum length: the planner's caps keep the
    message under the 4096 bytes of ciphertext a push service accepts, text intact."""
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        book(alice.id, NOW + timedelta(days=3), therapist="💆" * 120, location="🏯" * 200)
        for due in sorted({r.due_at for r in reminders(alice.id)}):
            clock.move_to(due)
            dispatch_due()
        planned = {r.id: r.payload for r in reminders(alice.id, status="sent")}
    assert fakepush.errors == []
    assert len(fakepush.deliveries) == len(planned) >= 2
    for delivery in fakepush.deliveries:
        assert int(delivery.headers["content-length"]) <= 4096
        got = flat(delivery.payload)
        assert (got["title"], got["body"]) == (
            planned[got["id"]]["title"],
            planned[got["id"]]["body"],
        )


def test_the_plaintext_limit_shortens_the_text_not_the_envelope(app):
    from tracker.reminders import payload

    long = {
        "title": "T" * 3000,
        "body": "B" * 3000,
        "url": "/",
        "actions": planner.ACTIONS["hydration"],
    }
    message = payload.build(
        long,
        reminder_id=1,
        kind="hydration",
        base=BASE,
        token="tok",
        data_actions={"drank", "snooze"},
        badge=3,
        limit=MAX_PLAINTEXT,
    )
    assert len(payload._encode(message)) <= MAX_PLAINTEXT
    parsed = parse(message)
    assert len(parsed["notification"]["actions"]) == 2 and parsed["app_badge"] == 3
    assert parsed["notification"]["body"].endswith("…")


def test_app_badge_counts_unlogged_appointments_and_open_sleep_check_ins(
    app, alice, fakepush, clock
):
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        past = book(alice.id, NOW - timedelta(hours=3))
        book(alice.id, NOW - timedelta(days=20))  # history, not a to-do
        book(alice.id, NOW + timedelta(days=1, hours=1))  # ahead: nothing to log yet
        checkin = {
            "user_id": alice.id,
            "kind": "sleep_checkin",
            "subject_id": alice.id,
            "due_at": NOW - timedelta(hours=1),
            "next_attempt_at": NOW - timedelta(hours=1),
            "stale_at": NOW + timedelta(hours=5),
            "payload": {"title": "How did you sleep?", "url": "/"},
        }
        db.session.execute(insert(Reminder), [{**checkin, "slot": "night:a", "status": "sent"}])
        db.session.commit()
        insert_every_kind(alice.id)
        dispatch_due()
        assert {p["app_badge"] for p in fakepush.payloads()} == {2}

        # Logging the appointment and rating the night clear both.
        log_session(
            alice.id, past.starts_at, appointment_id=past.id, sleep_quality=4, pain_next_day=2,
            kind="professional",
        )  # fmt: skip
        fakepush.deliveries.clear()
        db.session.execute(insert(Reminder), [{**checkin, "slot": "night:b", "status": "pending"}])
        db.session.commit()
        dispatch_due()
        assert [p["app_badge"] for p in fakepush.payloads()] == [0]


@pytest.fixture
def water_token(app, alice, fakepush, clock):
    with app.app_context():
        subscribe(alice.id, fakepush.subscribe())
        log_session(alice.id, NOW - timedelta(minutes=30), kind="self", duration_minutes=30)
        clock.move_to(NOW + timedelta(minutes=15))
        assert dispatch_due().sent == 1
    [payload] = fakepush.payloads()
    return payload


def glasses(app, user_id):
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(WaterIntake)
            .where(WaterIntake.user_id == user_id)
        )


def test_the_action_page_asks_first_and_acts_only_on_post(app, client, alice, water_token):
    [drank] = [a for a in water_token["actions"] if a["action"] == "drank"]
    target = urlsplit(drank["navigate"])
    page = client.get(f"{target.path}?{target.query}")
    assert page.status_code == 200
    assert b"Drank</button>" in page.data and b'value="drank"' in page.data
    assert glasses(app, alice.id) == 0  # the GET changed nothing
    done = client.post(target.path, data={"action": "drank"})
    assert done.status_code == 200 and b"Glass counted: 1 glass today." in done.data
    assert glasses(app, alice.id) == 1
    again = client.post(target.path, data={"action": "drank"})
    assert again.status_code == 409 and b"already done" in again.data
    assert glasses(app, alice.id) == 1


def test_snooze_from_the_action_page(app, client, alice, water_token):
    [snooze] = [a for a in water_token["actions"] if a["action"] == "snooze"]
    path = urlsplit(snooze["navigate"]).path
    assert client.post(path, data={"action": "snooze"}).status_code == 200
    with app.app_context():
        [row] = reminders(alice.id, id=water_token["id"])
        assert row.status == "pending" and row.snoozed_until == NOW + timedelta(minutes=45)


@pytest.mark.parametrize(
    ("mangle", "action", "status"),
    [
        (lambda t: t[:-2] + "xx", "drank", 404),
        (lambda t: "garbage", "drank", 404),
        (lambda t: t, "delete-everything", 422),
        (lambda t: t, "", 422),
    ],
)
def test_bad_action_links_change_nothing(app, client, alice, water_token, mangle, action, status):
    path = f"/act/{mangle(water_token['action_token'])}"
    assert client.get(path, query_string={"do": action}).status_code == status
    assert client.post(path, data={"action": action}).status_code == status
    assert glasses(app, alice.id) == 0
