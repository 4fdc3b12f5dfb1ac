"""The fewest taps on a 390x844 touch phone: Done on a self-massage card, a professional
session logged from its notification, and +1 glass. Every tap is a real touch tap."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from playwright.sync_api import expect

from tracker import timeutil
from tracker.extensions import db
from tracker.models import Appointment, MassageSession, Routine, Therapist, WaterIntake

from .conftest import login


class Taps:
    """Counts the person's taps (page.tap is a touch event on the has_touch context)."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, locator):
        locator.tap()
        self.count += 1


def rows(app, model, user_id):
    with app.app_context():
        found = db.session.scalars(db.select(model).where(model.user_id == user_id)).all()
        for row in found:
            db.session.expunge(row)
        return found


def test_done_on_a_self_massage_card_is_one_tap(page, app, alice):
    with app.app_context():
        db.session.add(
            Routine(
                user_id=alice.id,
                name="Foam roller",
                kind="self",
                duration_minutes=15,
                tools=["foam_roller"],
                anchor_date=date(2020, 1, 1),
            )  # fmt: skip
        )
        db.session.commit()
    login(page)
    taps = Taps(page)
    taps.tap(page.get_by_role("button", name="Done: Foam roller"))
    page.wait_for_url("**/?done=*")
    assert page.get_by_text("Self-massage logged").is_visible()
    (saved,) = rows(app, MassageSession, alice.id)
    assert (saved.kind, saved.therapist_name, saved.tools) == ("self", "", ["foam_roller"])
    assert taps.count == 1
    # Undo is one more tap and leaves the page where it was.
    page.get_by_role("button", name="Undo").tap()
    page.wait_for_url("**/")
    assert rows(app, MassageSession, alice.id)[0].deleted_at is not None


def test_a_professional_session_from_its_notification_in_five_taps(page, app, alice):
    with app.app_context():
        dana = Therapist(user_id=alice.id, name="Dana")
        db.session.add(dana)
        db.session.flush()
        pro = Routine(user_id=alice.id, name="Fortnightly", kind="professional",
                      therapist_id=dana.id, style="swedish", anchor_date=date(2020, 1, 1))  # fmt: skip
        roller = Routine(user_id=alice.id, name="Foam roller", kind="self",
                         anchor_date=date(2020, 1, 1))  # fmt: skip
        db.session.add_all([pro, roller])
        db.session.flush()
        appt = Appointment(
            user_id=alice.id, client_id=str(uuid.uuid4()), routine_id=pro.id,
            therapist_id=dana.id, therapist_name="Dana", style="swedish", duration_minutes=60,
            starts_at=timeutil.now().replace(microsecond=0) - timedelta(hours=2),
        )  # fmt: skip
        db.session.add(appt)
        db.session.commit()
        appt_id, pro_id = appt.id, pro.id
    login(page)
    taps = Taps(page)
    # Tap 1: the "Log now" notification opens its URL (the log prompt's url).
    page.goto(f"/sessions/new?appointment={appt_id}")
    taps.count += 1
    taps.tap(page.locator("label.segment:has(input[name=pain_before][value='6'])"))
    taps.tap(page.locator("label.segment:has(input[name=pain_after][value='3'])"))
    taps.tap(page.locator("label.segment:has(input[name=mood][value='4'])"))
    taps.tap(page.get_by_role("button", name="Save").first)
    page.wait_for_url("**done=*")
    assert taps.count <= 5
    assert page.get_by_text("Pain 6 → 3 logged.").is_visible()
    (saved,) = rows(app, MassageSession, alice.id)
    assert (saved.kind, saved.therapist_name, saved.style, saved.routine_id) == (
        "professional",
        "Dana",
        "swedish",
        pro_id,
    )


def test_the_log_form_replaces_defaults_when_the_routine_changes(page, app, alice):
    with app.app_context():
        dana = Therapist(user_id=alice.id, name="Dana")
        db.session.add(dana)
        db.session.flush()
        db.session.add_all([
            Routine(user_id=alice.id, name="Fortnightly", kind="professional",
                    therapist_id=dana.id, style="swedish", duration_minutes=60,
                    anchor_date=date(2020, 1, 1)),
            Routine(user_id=alice.id, name="Foam roller", kind="self", duration_minutes=15,
                    tools=["foam_roller"], anchor_date=date(2099, 1, 1)),
        ])  # fmt: skip
        db.session.commit()
    login(page)
    page.goto("/sessions/new")
    summary = page.locator("[data-log-summary]")
    assert "Professional with Dana" in summary.inner_text()  # due soonest
    page.select_option("#f-routine_id", label="Foam roller (self-massage)")
    assert "Self-massage · 15 min · for Foam roller" in summary.inner_text()
    page.locator("label.segment:has(input[name=pain_before][value='6'])").tap()
    page.locator("label.segment:has(input[name=pain_after][value='3'])").tap()
    page.locator("label.segment:has(input[name=mood][value='4'])").tap()
    page.get_by_role("button", name="Save").first.tap()
    page.wait_for_url("**done=*")
    (saved,) = rows(app, MassageSession, alice.id)
    assert (saved.kind, saved.therapist_name, saved.style, saved.duration_minutes) == (
        "self",
        "",
        "",
        15,
    )
    assert saved.tools == ["foam_roller"]


def test_plus_one_glass_is_one_tap(page, app, alice):
    login(page)
    taps = Taps(page)
    taps.tap(page.get_by_role("button", name="+1 glass"))
    expect(page.get_by_role("button", name=re.compile("Undo the glass"))).to_be_visible()
    assert len(rows(app, WaterIntake, alice.id)) == 1
    assert taps.count == 1
