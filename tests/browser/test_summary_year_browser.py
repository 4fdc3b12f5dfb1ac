"""The therapist summary prints on one page, its share link copies and opens in a fresh browser,
and the summary, share and year pages have no serious axe problems."""

from __future__ import annotations

import re

from tracker.extensions import db
from tracker.models import User

from .conftest import eventually, login
from .test_trends_browser import seed, serious


def pages_in(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_the_summary_prints_on_one_page_and_its_link_copies(make_context, app, alice):
    seed(app, alice.id)
    with app.app_context():
        db.session.get(User, alice.id).safety_conditions = ["arthritis", "migraines", "other"]
        db.session.commit()
    context = make_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    login(page)
    found = []
    for path in ("/trends/summary?notes=all", "/trends/year", "/trends/year?by=mood"):
        page.goto(path)
        found += serious(page)
    page.goto("/trends/summary?n=10&notes=all")
    page.emulate_media(media="print", color_scheme="light")
    assert pages_in(page.pdf(format="A4")) == 1
    page.emulate_media(media="screen")
    page.click("text=Create a share link")
    page.wait_for_selector("#share-url")
    found += serious(page)
    url = page.input_value("#share-url")
    page.click("[data-copy]")
    eventually(page, "() => document.querySelector('[data-copied]').textContent === 'Copied.'")
    assert page.evaluate("navigator.clipboard.readText()") == url
    page.goto("/settings/share-links")
    assert page.locator("#share-h + p + ul li").count() == 1
    found += serious(page)
    stranger = make_context().new_page()
    stranger.goto(url)
    assert stranger.locator("h1").inner_text() == "Massage summary"
    assert "Arthritis" in stranger.content()
    found += serious(stranger)
    assert found == [], "\n".join(found)
