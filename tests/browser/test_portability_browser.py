"""The import wizard end to end on a 390x844 touch phone: Daylio file to saved sessions."""

from __future__ import annotations

from pathlib import Path

from tracker.extensions import db
from tracker.models import MassageSession

from .conftest import login

DAYLIO = Path(__file__).parent.parent / "portability" / "fixtures" / "daylio_custom_moods.csv"


def saved(app, user_id: int) -> list[MassageSession]:
    with app.app_context():
        rows = list(
            db.session.scalars(db.select(MassageSession).where(MassageSession.user_id == user_id))
        )
        db.session.expunge_all()
        return rows


def fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_daylio_through_the_wizard_on_a_phone(page, app, alice):
    login(page)
    page.goto("/settings")
    page.locator("[data-settings-page=data]").tap()
    page.get_by_role("link", name="Restore a backup or import sessions").tap()
    page.set_input_files("#import-file", str(DAYLIO))
    page.get_by_role("button", name="Check the file").tap()
    page.get_by_text("Detected: Daylio CSV export").wait_for()
    assert fits(page)
    page.get_by_label("massage", exact=True).tap()
    page.get_by_label("foam roller", exact=True).tap()
    page.get_by_label("ecstatic").fill("5")
    page.get_by_label("sore").fill("2")
    page.get_by_role("button", name="Check").tap()
    page.get_by_text("3 new sessions").wait_for()
    assert fits(page)
    assert saved(app, alice.id) == []  # nothing before confirming
    page.get_by_role("button", name="Import").tap()
    page.wait_for_url("**/settings/data")
    assert page.get_by_text("adds 3 sessions").is_visible()
    assert sorted(s.mood for s in saved(app, alice.id)) == [1, 2, 5]
