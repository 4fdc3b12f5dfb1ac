"""Layout on every signed-in page with data, at phone and desktop widths: nothing scrolls
sideways, the main navigation is on screen without scrolling, the header stays on one line,
and no rating label is clipped."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from tracker import timeutil
from tracker.extensions import db
from tracker.models import Appointment, MassageSession, Routine

from ..seed import seed
from .conftest import login

WIDTHS = (320, 360, 390, 1280)
# GET pages that are not HTML pages of the app (files, feeds) or not for a signed-in person.
SKIP = {"static", "healthz", "accounts.login", "accounts.register", "accounts.forgot_password"}

CHECK = """(width) => {
  // `width` is the device's: on a phone the layout viewport (innerWidth) grows to fit
  // content that sticks out, so innerWidth alone would hide the very overflow we look for.
  const problems = [];
  const doc = document.documentElement;
  // Also element by element, so an `overflow-x: hidden` on the page can't hide a stray box;
  // content inside its own scroll container (wide tables) is fine.
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX !== "visible" || style.position === "fixed") return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll("body *")].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.right > width + 1 && !clipped(el) && getComputedStyle(el).position !== "fixed";
  }).slice(-3).map((el) => el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? "." + el.className : ""));
  if (innerWidth > width || doc.scrollWidth > width || wide.length) {
    problems.push(`scrolls sideways: ${doc.scrollWidth}px (viewport ${innerWidth}px) in ${width}px (${wide.join(", ")})`);
  }
  const nav = document.querySelector('nav[aria-label="Main"]');
  const box = nav && nav.getBoundingClientRect();
  if (!box || box.width === 0 || box.bottom <= 0 || box.top >= innerHeight || box.right <= 0 || box.left >= width) {
    problems.push("main navigation not visible in the first viewport");
  }
  for (const el of document.querySelectorAll("header.top > *, header.top button, nav[aria-label=Main] a")) {
    if (el.offsetParent === null) continue;
    const lines = el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight || 20);
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`header/nav item clipped: ${el.textContent.trim()}`);
    if (el.matches("header.top > a") && el.getBoundingClientRect().height > 56) problems.push(`header item wraps: ${el.textContent.trim()} (${lines})`);
  }
  // Actions are buttons of a role, never underlined words beside pill buttons.
  for (const el of document.querySelectorAll("main button, main .button")) {
    if (el.offsetParent === null) continue;
    const style = getComputedStyle(el);
    if (style.textDecorationLine.includes("underline") || style.borderStyle === "none") {
      problems.push(`button looks like a link: ${el.textContent.trim()}`);
    }
  }
  for (const el of document.querySelectorAll(".subnav, .range-switch ul")) {
    if (el.getBoundingClientRect().height > 50) problems.push(`switcher on two lines: ${el.textContent.trim()}`);
  }
  const header = document.querySelector("header.top");
  if (header && header.getBoundingClientRect().height > 64) problems.push(`header wraps: ${header.getBoundingClientRect().height}px`);
  for (const el of document.querySelectorAll(".segment span, .segment small:not(.visually-hidden), .scale-ends span")) {
    if (el.offsetParent === null) continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
      problems.push(`rating label clipped: "${el.textContent.trim()}" ${el.scrollWidth}>${el.clientWidth}`);
    }
  }
  for (const set of document.querySelectorAll("fieldset.rating:not(.choice)")) {
    if (set.offsetParent === null) continue;
    const cells = [...set.querySelectorAll(".segment")].map((c) => c.getBoundingClientRect());
    const tops = new Set(cells.map((c) => Math.round(c.top)));
    const widths = cells.map((c) => c.width);
    if (tops.size !== 1) problems.push(`rating ${set.querySelector("legend").textContent} in ${tops.size} rows`);
    if (Math.max(...widths) - Math.min(...widths) > 1) problems.push(`rating ${set.querySelector("legend").textContent}: unequal cells`);
    if (Math.min(...widths) < 24) problems.push(`rating ${set.querySelector("legend").textContent}: cells ${Math.min(...widths)}px wide`);
  }
  for (const input of document.querySelectorAll("label.check > input")) {
    if (input.offsetParent === null) continue;
    const r = input.getBoundingClientRect();
    if (Math.round(r.width) !== 24 || Math.round(r.height) !== 24) problems.push(`checkbox ${input.name} is ${r.width}x${r.height}`);
  }
  return problems;
}"""


def with_data(app, alice) -> dict:
    """The seeded rows plus a self-massage routine, a past appointment and rated sessions,
    so every list, chart and form has something to lay out."""
    rows = seed(app, alice)
    now = timeutil.now().replace(microsecond=0)
    with app.app_context():
        roller = Routine(
            user_id=alice.id, name="Foam roller at home", kind="self", duration_minutes=15,
            tools=["foam_roller", "ball"], focus_areas=["hips_glutes", "lower_back"],
            anchor_date=date(2026, 1, 1),
        )  # fmt: skip
        db.session.add(roller)
        db.session.flush()
        past = Appointment(
            user_id=alice.id, client_id=str(uuid.uuid4()), routine_id=rows.routine,
            therapist_id=rows.therapist, therapist_name="Dana", style="deep_tissue",
            duration_minutes=60, starts_at=now - timedelta(days=3), location="Long Street 12",
        )  # fmt: skip
        db.session.add(past)
        for day in range(1, 15):
            db.session.add(
                MassageSession(
                    user_id=alice.id,
                    client_id=str(uuid.uuid4()),
                    occurred_at=now - timedelta(days=day * 2),
                    kind="self" if day % 2 else "professional",
                    style="" if day % 2 else "swedish",
                    routine_id=roller.id if day % 2 else rows.routine,
                    focus_areas=["hips_glutes"],
                    pressure="firm",
                    tools=["ball"] if day % 2 else [],
                    pain_before=7,
                    pain_after=3 + day % 3,
                    mood=1 + day % 5,
                    relaxation=1 + day % 5,
                    sleep_quality=1 + day % 5,
                )  # fmt: skip
            )
        db.session.commit()
        return {"rows": rows, "roller": roller.id, "past": past.id}


def page_urls(app, data) -> list[str]:
    """Every argument-free GET page, plus the pages that need an id, from the seeded rows."""
    rows = data["rows"]
    with app.test_request_context():
        from flask import url_for

        found = []
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.arguments or rule.endpoint in SKIP:
                continue
            last = rule.rule.rsplit("/", 1)[-1]
            if rule.rule.startswith("/api/") or "." in last:  # JSON, CSV, iCal, worker, icons
                continue
            found.append(url_for(rule.endpoint))
        found += [
            url_for(
                "logbook.history", kind="professional", therapist="Dana", **{"from": "2026-01-01"}
            ),
            url_for("logbook.edit_session", raw_id=rows.session_uuid),
            url_for("routines.appointment", appointment_id=rows.appointment),
            url_for("routines.appointment", appointment_id=data["past"]),
            url_for("routines.edit_appointment", appointment_id=rows.appointment),
            url_for("routines.reschedule_appointment", appointment_id=data["past"]),
            url_for("routines.confirm_cancel", appointment_id=data["past"]),
            url_for("routines.edit_routine", routine_id=rows.routine),
            url_for("routines.edit_routine", routine_id=data["roller"]),
            url_for("routines.edit_therapist", therapist_id=rows.therapist),
            url_for("logbook.new_session", routine=data["roller"]),
            url_for("trends.trends", range="all"),
        ]
    return sorted(set(found))


def test_every_page_fits_every_width_with_the_navigation_on_screen(
    make_context, live_server, app, alice
):
    data = with_data(app, alice)
    urls = page_urls(app, data)
    assert len(urls) >= 30, urls
    first = make_context(service_workers="block")
    login(first.new_page())
    state = first.storage_state()
    problems = []
    for width in WIDTHS:
        ctx = make_context(
            service_workers="block",
            storage_state=state,
            viewport={"width": width, "height": 800 if width > 400 else 700},
            is_mobile=width < 400,
            has_touch=width < 400,
        )
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        for url in urls:
            response = page.goto(url)
            assert response.ok, f"{url}: {response.status}"
            # As when the browser offers installation: the header's fullest state.
            page.evaluate("document.querySelector('[data-install]')?.removeAttribute('hidden')")
            problems += [f"{width}px {url}: {p}" for p in page.evaluate(CHECK, width)]
            # The log form, with More details open: its 1-5 scales and checkboxes too.
            if page.locator("details.more").count():
                page.locator("details.more > summary").click()
                problems += [f"{width}px {url} (open): {p}" for p in page.evaluate(CHECK, width)]
        ctx.close()
    assert problems == [], "\n".join(problems)


def test_the_navigation_sits_at_the_bottom_on_phones_and_at_the_side_on_desktop(
    make_context, live_server, app, alice
):
    phone = make_context(service_workers="block")
    page = phone.new_page()
    login(page)
    page.goto("/sessions")
    nav = page.get_by_role("navigation", name="Main").bounding_box()
    assert nav["y"] + nav["height"] == 844  # fixed to the bottom edge of the screen
    desktop = make_context(
        service_workers="block", storage_state=phone.storage_state(),
        viewport={"width": 1280, "height": 800}, is_mobile=False, has_touch=False,
    )  # fmt: skip
    page = desktop.new_page()
    page.goto("/sessions")
    nav = page.get_by_role("navigation", name="Main").bounding_box()
    main = page.locator("main").bounding_box()
    assert nav["x"] == 0 and nav["height"] == 800  # a full-height rail on the left
    assert main["x"] >= nav["width"] and main["width"] <= 40 * 17 + 1  # a reading width
    # Every link has a visible text label next to its icon.
    names = page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()
    assert [n.strip() for n in names] == ["Home", "Log", "Routine", "Trends", "Settings"]


def test_tools_show_only_for_self_massage_on_the_log_form(page, app, alice):
    login(page)
    page.goto("/sessions/new")
    page.locator("details.more > summary").click()
    tools = page.get_by_role("group", name="Tools used (self-massage)")
    page.get_by_role("radio", name="Professional").check()
    assert tools.is_hidden()
    page.get_by_role("radio", name="Self-massage").check()
    assert tools.is_visible()
    # "More details" is the group's name and its summary has no stray separator first.
    more = page.get_by_role("group", name="More details")
    assert more.count() == 1
    assert not page.locator("[data-log-summary]").inner_text().startswith("·")


def test_the_pain_scale_is_one_row_of_equal_buttons_at_320px(make_context, live_server, alice):
    ctx = make_context(service_workers="block", viewport={"width": 320, "height": 700})
    page = ctx.new_page()
    login(page)
    page.goto("/sessions/new")
    scale = page.get_by_role("group", name="Pain after (0 = none, 10 = worst)")
    boxes = [scale.get_by_role("radio").nth(i).locator("..").bounding_box() for i in range(11)]
    assert len({round(b["y"]) for b in boxes}) == 1
    assert max(b["width"] for b in boxes) - min(b["width"] for b in boxes) < 1
    assert min(b["width"] for b in boxes) >= 24 and min(b["height"] for b in boxes) >= 44
    # The words sit at the ends of the scale, and each number still has its word for a screen reader.
    assert scale.locator(".scale-ends").inner_text().split("\n")[0].startswith("0 none")
    assert scale.get_by_role("radio", name="10 worst").count() == 1


def test_the_icon_sprite_is_cached_like_every_static_file(client):
    worker = client.get("/sw.js").get_data(as_text=True)
    assert "/static/icons/sprite." in worker  # precached: the icons work offline
    sprite = client.get("/static/icons/sprite.svg")
    assert sprite.mimetype == "image/svg+xml"
    for name in ("home", "log", "routine", "trends", "settings", "trash", "archive", "check"):
        assert f'<symbol id="{name}"' in sprite.get_data(as_text=True)
