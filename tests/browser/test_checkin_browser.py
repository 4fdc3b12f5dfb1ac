"""The morning check-in on a 390x844 touch phone: the notification opens its page, and each
question ("How did you sleep?", "How is your back today?") is one tap."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import time_machine
from playwright.sync_api import expect

from tracker import timeutil
from tracker.extensions import db
from tracker.models import MassageSession, Reminder
from tracker.reminders import actions
from tracker.signals import session_changed


def last_evening_session(app, user_id: int) -> tuple[int, str]:
    """A session logged in the evening, and the URL its morning notification opens (planned
    that evening; answered later, as people do)."""
    today = timeutil.now().date()
    evening = datetime(today.year, today.month, today.day, 18, tzinfo=UTC) - timedelta(days=1)
    with time_machine.travel(evening + timedelta(hours=1), tick=False), app.app_context():
        session = MassageSession(
            user_id=user_id, client_id=str(uuid.uuid4()), pain_before=6, pain_after=3, mood=4,
            occurred_at=evening,
        )  # fmt: skip
        db.session.add(session)
        db.session.flush()
        session_changed.send(session)  # plans the morning check-in, as the log form does
        db.session.commit()
        (checkin,) = db.session.scalars(
            db.select(Reminder.id).where(
                Reminder.user_id == user_id, Reminder.kind.in_(("sleep_checkin", "next_day"))
            )
        ).all()
        session_id = session.id
    with app.app_context():  # signed now: the notification arrives this morning
        return session_id, f"/act/{actions.make_token(user_id, checkin)}?do=checkin"


def answers(app, session_id: int) -> tuple[int | None, int | None]:
    with app.app_context():
        row = db.session.get(MassageSession, session_id)
        return row.sleep_quality, row.pain_next_day


def test_both_morning_questions_are_one_tap_each(page, app, alice):
    session_id, url = last_evening_session(app, alice.id)
    page.goto(url)  # tap 1: the notification opens its page (no sign-in needed)
    back = page.get_by_role("group", name="How is your back today?")
    expect(back).to_be_visible()
    for button in back.get_by_role("button").all():  # thumb-sized on a 390 px phone
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 24 and box["x"] + box["width"] <= 390
    back.get_by_role("button", name="3", exact=True).tap()
    expect(page.get_by_text("Back pain saved: 3 of 10.")).to_be_visible()
    assert answers(app, session_id) == (None, 3)
    # The sleep question is still there, and is one more tap; the answered one is gone.
    expect(page.get_by_role("group", name="How is your back today?")).to_have_count(0)
    sleep = page.get_by_role("group", name="How did you sleep?")
    sleep.get_by_role("button").filter(has_text="4").first.tap()
    expect(page.get_by_text("Sleep saved: 4 of 5.")).to_be_visible()
    assert answers(app, session_id) == (4, 3)
    # Opening the notification again says so rather than asking twice.
    page.goto(url)
    expect(page.get_by_text("Already answered")).to_be_visible()
