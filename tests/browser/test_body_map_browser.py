"""The body map on a 390 px phone (#17): taps, keyboard, no JavaScript, axe."""

from __future__ import annotations

from datetime import date, timedelta

from tracker import timeutil
from tracker.extensions import db
from tracker.models import MassageSession, Routine

from .conftest import login
from .test_a11y_browser import problems

REGIONS = ("neck", "left_shoulder", "right_shoulder", "upper_back", "mid_back", "lower_back",
           "left_hip", "right_hip")  # fmt: skip


def region(page, key: str):
    return page.locator(f'.bm-region input[value="{key}"] + svg path')


def box(page, key: str):
    return page.locator(f'input[name="focus_areas"][value="{key}"]')


def stroke(page, key: str) -> str:
    return region(page, key).evaluate(
        "p => getComputedStyle(p).stroke + ' ' + getComputedStyle(p).strokeWidth"
    )


def fill(page, key: str) -> str:
    return region(page, key).evaluate("p => getComputedStyle(p).fill")


def rate_and_open(page) -> None:
    """The three required ratings, then "More details", where the focus areas are."""
    for name, value in (("pain_before", 6), ("pain_after", 2), ("mood", 4)):
        radio = page.locator(f'input[name="{name}"][value="{value}"]')
        page.locator("label").filter(has=radio).click()
    page.locator("details.more > summary").click()


def saved_areas(app) -> list[list[str]]:
    with app.app_context():
        return [list(r) for r in db.session.scalars(db.select(MassageSession.focus_areas))]


def test_tapping_two_regions_saves_them_and_the_entry_shows_them(page, app, alice):
    login(page)
    page.goto("/sessions/new")
    rate_and_open(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for key in REGIONS:  # every region is a comfortable tap target on a phone
        size = region(page, key).bounding_box()
        assert size["width"] >= 44 and size["height"] >= 44, (key, size)
    plain = fill(page, "left_shoulder")
    region(page, "left_shoulder").tap()
    region(page, "lower_back").tap()
    assert box(page, "left_shoulder").is_checked() and box(page, "lower_back").is_checked()
    assert not box(page, "right_shoulder").is_checked()  # the neighbour didn't take the tap
    assert fill(page, "left_shoulder") != plain  # ticked regions are highlighted
    page.get_by_role("button", name="Save").first.tap()
    page.wait_for_url("**/sessions?done=*")
    assert saved_areas(app) == [["lower_back", "left_shoulder"]]  # stored in canonical order
    with app.app_context():
        client_id = db.session.scalar(db.select(MassageSession.client_id))
    page.goto(f"/sessions/{client_id}/edit")
    ticked = [k for k in REGIONS if box(page, k).is_checked()]
    assert ticked == ["left_shoulder", "lower_back"]
    assert fill(page, "lower_back") != fill(page, "mid_back")


def test_tab_reaches_a_region_space_toggles_it_and_focus_shows(page, app, alice):
    login(page)
    page.goto("/sessions/new")
    page.locator("details.more > summary").click()
    page.locator("#f-therapist").focus()  # the field just before the map
    resting = stroke(page, "neck")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "neck"
    assert stroke(page, "neck") != resting  # the focused region is outlined
    page.keyboard.press("Space")
    assert box(page, "neck").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "left_shoulder"
    page.keyboard.press("Space")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")  # untick the neck again
    assert not box(page, "neck").is_checked() and box(page, "left_shoulder").is_checked()


def test_without_javascript_the_map_posts_the_same_values(make_context, app, alice):
    page = make_context(java_script_enabled=False).new_page()
    login(page)
    page.goto("/sessions/new")
    rate_and_open(page)
    region(page, "right_hip").click()
    region(page, "left_hip").click()
    region(page, "neck").click()
    page.get_by_label("Feet").check()
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url("**/sessions?done=*")
    # Both hips ticked are stored as the two-sided value sessions always had.
    assert saved_areas(app) == [["neck", "hips_glutes", "feet"]]


def test_the_form_and_the_heat_map_have_no_serious_accessibility_problems(page, app, alice):
    with app.app_context():
        now = timeutil.now()
        for days, areas, before, after in ((1, ["lower_back"], 7, 3), (2, ["shoulders"], 6, 5),
                                           (3, ["left_hip", "neck"], 5, 5)):  # fmt: skip
            db.session.add(
                MassageSession(user_id=alice.id, client_id=f"00000000-0000-4000-8000-00000000000{days}",
                               occurred_at=now - timedelta(days=days), pain_before=before,
                               pain_after=after, mood=3, focus_areas=areas)
            )  # fmt: skip
        db.session.commit()
    login(page)
    page.goto("/sessions/new")
    page.locator("details.more > summary").click()
    region(page, "mid_back").tap()
    found = problems(page)
    page.goto("/trends")
    heat = page.locator("svg.body-heat")
    assert heat.get_attribute("role") == "img"
    assert page.locator('svg.body-heat [data-area="lower_back"]').get_attribute("data-mean") == "4"
    page.locator("section[aria-labelledby=body-h] details.as-table > summary").click()
    assert page.get_by_role("row", name="Mid back No data 0").is_visible()
    found += problems(page)
    assert found == [], "\n".join(found)


def test_choosing_a_routine_ticks_its_areas_on_the_map(page, app, alice):
    with app.app_context():
        db.session.add(Routine(user_id=alice.id, name="Weekly massage", kind="professional",
                               anchor_date=date(2026, 1, 1), duration_minutes=60))  # fmt: skip
        db.session.add(Routine(user_id=alice.id, name="Shoulder roll", kind="self",
                               anchor_date=date(2026, 1, 1), duration_minutes=15,
                               focus_areas=["shoulders", "neck"]))  # fmt: skip
        db.session.commit()
    login(page)
    page.goto("/sessions/new")
    page.locator("[data-routine-select]").select_option(label="Weekly massage (professional)")
    assert not any(box(page, k).is_checked() for k in REGIONS)
    page.locator("[data-routine-select]").select_option(label="Shoulder roll (self-massage)")
    ticked = [k for k in REGIONS if box(page, k).is_checked()]
    assert ticked == ["neck", "left_shoulder", "right_shoulder"]
