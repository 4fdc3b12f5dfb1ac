"""Trends with real data on a phone: fits 360 px, tables open, no serious axe problems."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from axe_playwright_python.sync_playwright import Axe

from tracker.extensions import db

from ..trends.helpers import add_routine, add_session
from .conftest import login

axe = Axe()


def seed(app, user_id: int) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        routine = add_routine(user_id, (now - timedelta(days=90)).date())
        db.session.flush()
        for i in range(30):
            add_session(
                user_id,
                now - timedelta(days=3 * i + 1),
                before=7,
                after=2 + i % 3,
                routine_id=routine.id,
                therapist_name="Anna" if i % 2 else "Ben",
                kind="professional" if i % 3 else "self",
                relaxation=3,
                sleep_quality=4,
                mood=1 + i % 5,
                notes="#therapist tight left shoulder",
            )
        db.session.commit()


def serious(page) -> list[str]:
    page.evaluate(axe.axe_script)
    found = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found += [
            f"[{scheme}] {v['id']}: {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    return found


def test_trends_fit_a_phone_and_read_without_sight(make_context, app, alice):
    seed(app, alice.id)
    page = make_context(viewport={"width": 360, "height": 740}).new_page()
    login(page)
    for path in ("/", "/trends", "/trends?range=all", "/trends/summary"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        assert serious(page) == [], path
    page.goto("/trends")
    chart = page.get_by_role("img", name="Pain before and after each session")
    assert chart.is_visible()
    page.locator("details.as-table summary").first.click()
    assert page.get_by_role("table").first.is_visible()
    assert page.locator("li.finding").filter(has_text="pain dropped").first.is_visible()
