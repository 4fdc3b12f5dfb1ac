"""The PWA shell in a phone-sized Chromium: manifest, service worker, offline outbox (installing:
test_install_browser.py)."""

from __future__ import annotations

import shutil
from datetime import timedelta

from tracker import timeutil
from tracker.extensions import db
from tracker.models import MassageSession, Reminder
from tracker.reminders.actions import make_token

from .conftest import eventually, login

CONTROLLED = "navigator.serviceWorker.controller !== null"
# Resolves once the worker has cached the dashboard and log form for a cold start offline.
WARMED = """async () => {
  const cache = await caches.open("pages");
  return !!(await cache.match("/")) && !!(await cache.match("/sessions/new"));
}"""


def account(page) -> str:
    """The signed-in account as the page has it (opaque), asserting there is one."""
    value = page.evaluate("document.body.dataset.account")
    assert value
    return value


def sessions(app, user) -> list[MassageSession]:
    with app.app_context():
        return list(
            db.session.scalars(db.select(MassageSession).where(MassageSession.user_id == user.id))
        )


def controlled(page) -> None:
    """Wait until the service worker controls the page and has the offline pages cached."""
    eventually(page, f"() => {CONTROLLED}", timeout=30)
    eventually(page, WARMED)


def tap_rating(page, name: str, value: int) -> None:
    page.locator(f'input[name="{name}"][value="{value}"]').tap()


def log_four_taps(page, before: int, after: int, mood: int) -> None:
    """The minimal log: pain before, pain after, mood, Save."""
    tap_rating(page, "pain_before", before)
    tap_rating(page, "pain_after", after)
    tap_rating(page, "mood", mood)
    page.get_by_role("button", name="Save").first.tap()


def test_the_manifest_is_linked_valid_and_the_worker_controls_the_page(page, live_server, alice):
    login(page)
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{live_server.url}/manifest.webmanifest"
    assert manifest["errors"] == []
    parsed = page.evaluate("u => fetch(u).then(r => r.json())", manifest["url"])
    assert parsed["name"] == "Back Relief" and parsed["display"] == "standalone"
    purposes = {icon["purpose"] for icon in parsed["icons"]}
    assert purposes == {"any", "maskable", "monochrome"}  # monochrome: themed icons
    for icon in parsed["icons"]:
        status = page.evaluate("u => fetch(u).then(r => r.status)", icon["src"])
        assert status == 200, icon["src"]
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{live_server.url}/"
    page.reload()
    assert page.evaluate(CONTROLLED)
    installability = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright contexts are incognito-like; everything else must be in order.
    assert [e["errorId"] for e in installability if e["errorId"] != "in-incognito"] == []


def test_a_session_logged_offline_syncs_exactly_once(page, context, app, alice):
    login(page)
    page.goto("/sessions/new")
    controlled(page)
    context.set_offline(True)
    log_four_taps(page, before=7, after=3, mood=4)
    page.get_by_text("Saved offline").wait_for()
    page.get_by_text("1 entry waiting to sync").wait_for()
    queued = page.evaluate("BR.outbox.all()")
    assert len(queued) == 1
    body = queued[0]["body"]
    # The one form serialiser (page and worker alike) keeps form values as strings.
    assert {k: body[k] for k in ("pain_before", "pain_after", "mood")} == {
        "pain_before": "7",
        "pain_after": "3",
        "mood": "4",
    }
    assert isinstance(body["id"], str) and "csrf_token" not in body
    assert "outbox_account" not in body  # whose entry it is lives beside the body
    assert queued[0]["account"] == account(page)

    page.reload()  # offline: the saved copy of the form, never the browser's error page
    page.get_by_text("1 entry waiting to sync").wait_for()
    page.get_by_text("this is the copy saved on this device").wait_for()
    assert sessions(app, alice) == []

    context.set_offline(False)
    page.wait_for_selector("[data-outbox-status]", state="hidden")
    page.get_by_text("Synced").wait_for()
    assert page.locator("[data-offline-copy]").is_hidden()
    saved = sessions(app, alice)
    assert [(s.client_id, s.pain_before, s.pain_after, s.mood) for s in saved] == [
        (body["id"], 7, 3, 4)
    ]

    # Replaying the same entry (twice) changes nothing: the server dedupes on its UUID.
    page.evaluate(
        """async (body) => {
          await BR.outbox.add("session", body);
          await BR.outbox.flush();
          await BR.outbox.add("session", body);
          return BR.outbox.flush();
        }""",
        body,
    )
    assert page.evaluate("BR.outbox.all()") == []
    assert len(sessions(app, alice)) == 1


def test_reconnecting_syncs_and_replaces_the_offline_notices(page, context, app, alice):
    login(page)
    page.goto("/sessions/new")
    controlled(page)
    context.set_offline(True)
    log_four_taps(page, before=5, after=2, mood=4)
    saved = page.locator("[data-outbox-saved]")
    saved.wait_for()
    assert page.locator("[data-outbox-synced]").is_hidden()
    context.set_offline(False)
    page.get_by_text("Synced: your offline entries have been sent.").wait_for()
    assert saved.is_hidden()
    assert page.locator("[data-outbox-status]").is_hidden()
    assert len(sessions(app, alice)) == 1


def test_an_offline_entry_on_a_shared_device_waits_for_its_own_account(
    page, context, app, alice, bob
):
    login(page)
    alices = account(page)
    page.goto("/sessions/new")
    controlled(page)
    context.set_offline(True)
    log_four_taps(page, before=7, after=3, mood=4)
    page.get_by_text("Saved offline").wait_for()
    [entry] = page.evaluate("BR.outbox.all()")
    assert entry["account"] == alices

    # Her session ends while offline; back online, her open page can't send it to anyone.
    context.clear_cookies()
    context.set_offline(False)
    page.get_by_text("1 entry waiting to sync — log in to send").wait_for()

    # Bob signs in on this browser in another tab: the entry waits, and says whose it is not.
    bobs_tab = context.new_page()
    login(bobs_tab, "bob")
    assert account(bobs_tab) != alices
    bobs_tab.get_by_text("1 entry saved by another account is waiting for it to sign in").wait_for()
    # Alice's old tab still says she is signed in; the flush asks the server, not the page.
    assert account(page) == alices
    summary = page.evaluate("BR.outbox.flush()")
    assert (summary["sent"], summary["elsewhere"]) == (0, 1)
    assert bobs_tab.evaluate("BR.outbox.flush()")["elsewhere"] == 1
    assert sessions(app, bob) == [] and sessions(app, alice) == []
    bobs_tab.goto("/outbox")
    bobs_tab.get_by_text("Saved by another account", exact=True).wait_for()
    listed = bobs_tab.locator("[data-outbox-list]").inner_text()
    assert "pain" not in listed and "Discard" not in listed, "someone else's entry stays private"

    # Bob logs out, Alice signs in again: it is sent into her account.
    bobs_tab.get_by_role("button", name="Log out").tap()
    bobs_tab.wait_for_url("**/login*")
    login(bobs_tab, "alice")
    bobs_tab.get_by_text("Synced").wait_for()
    assert [(s.client_id, s.pain_before, s.pain_after) for s in sessions(app, alice)] == [
        (entry["id"], 7, 3)
    ]
    assert sessions(app, bob) == []
    assert bobs_tab.evaluate("BR.outbox.all()") == []


SYNC_EVENT = """async () => {
  // What the browser does for Background Sync, with the waitUntil promise kept: a rejection
  // tells the browser to try again later.
  const event = new SyncEvent("sync", { tag: "outbox" });
  let done = null;
  event.waitUntil = (promise) => { done = promise; };
  self.dispatchEvent(event);
  try { await done; return "resolved"; } catch (error) { return "rejected"; }
}"""


def test_background_sync_rejects_until_the_entry_is_sent(page, context, app, alice):
    login(page)
    controlled(page)
    [worker] = context.service_workers
    # The server can't be reached from the worker, then answers 503, then works.
    worker.evaluate(
        """() => {
          self.__realFetch = self.fetch;
          self.__mode = "offline";
          self.fetch = (request, init) => {
            if (self.__mode === "offline") return Promise.reject(new TypeError("offline"));
            if (self.__mode === "503" && (request.method || (init && init.method)) === "POST") {
              return Promise.resolve(new Response("{}", { status: 503 }));
            }
            return self.__realFetch(request, init);
          };
        }"""
    )
    body = {"id": "3c9e1f4a-7b2d-4e8f-9a1b-2c3d4e5f6a7b", "occurred_at_local": "2024-05-01T18:30",
            "kind": "professional", "pain_before": 6, "pain_after": 2, "mood": 4}  # fmt: skip
    page.evaluate("(body) => BR.outbox.add('session', body)", body)
    assert worker.evaluate(SYNC_EVENT) == "rejected"
    worker.evaluate("() => { self.__mode = '503'; }")
    assert worker.evaluate(SYNC_EVENT) == "rejected"
    assert sessions(app, alice) == []
    assert [e["id"] for e in page.evaluate("BR.outbox.all()")] == [body["id"]]
    worker.evaluate("() => { self.__mode = 'online'; }")
    assert worker.evaluate(SYNC_EVENT) == "resolved"
    assert [s.client_id for s in sessions(app, alice)] == [body["id"]]
    page.get_by_text("Synced").wait_for()  # the page hears of the worker's flush


def action_token(app, user) -> str:
    """The signed token of a due water reminder, as a push would carry it."""
    now = timeutil.now()
    with app.app_context():
        row = Reminder(
            user_id=user.id, kind="hydration", subject_id=0, slot="a1", due_at=now,
            stale_at=now + timedelta(hours=1), next_attempt_at=now, payload={},
        )  # fmt: skip
        db.session.add(row)
        db.session.commit()
        return make_token(user.id, row.id)


def test_queued_reminder_taps_are_listed_as_such_and_a_replay_is_no_conflict(
    page, context, app, alice
):
    url = f"/api/v1/actions/{action_token(app, alice)}"
    login(page)
    controlled(page)
    # "Snooze" reached the server but its answer was lost, so the worker queued it as well.
    assert (
        page.evaluate(
            "(url) => BR.api('POST', url, {action: 'snooze'}, null).then(r => r.status)", url
        )
        == 200
    )
    context.set_offline(True)
    page.evaluate("(url) => BR.outbox.add('action:' + url, {action: 'snooze'}, null)", url)
    page.goto("/outbox")
    page.get_by_text("Water reminder: “Snooze 30 min”").wait_for()
    assert "undefined" not in page.locator("[data-outbox-list]").inner_text()

    context.set_offline(False)  # the replay gets 409 "already done": sent, not a conflict
    page.get_by_text("Synced").wait_for()
    page.get_by_text("Nothing is waiting").wait_for()
    assert page.get_by_text("already saved with different details").count() == 0


def test_offline_navigation_shows_saved_pages_or_the_offline_page(page, context, alice):
    login(page)
    controlled(page)
    context.set_offline(True)
    page.goto("/")
    page.get_by_text("this is the copy saved on this device").wait_for()
    assert page.get_by_role("navigation", name="Main").is_visible()
    page.goto("/trends?never=visited")
    page.get_by_role("heading", name="You're offline").wait_for()
    page.goto("/sessions/new?source=shortcut")  # the manifest shortcut works offline too
    page.locator("form[data-outbox]").wait_for()


def test_the_log_path_takes_four_taps_online(page, app, alice):
    login(page)
    page.goto("/sessions/new")
    log_four_taps(page, before=6, after=2, mood=5)
    page.wait_for_url("**/sessions*")
    [saved] = sessions(app, alice)
    assert (saved.pain_before, saved.pain_after, saved.mood) == (6, 2, 5)
    assert page.evaluate("BR.outbox.all()") == []


def test_rejected_entries_need_a_fix_and_a_401_waits_for_login(page, context, app, alice):
    page.goto("/login")
    eventually(page, "() => self.BR !== undefined && self.BR.outbox !== undefined")
    good = {"id": "6f1d2c1e-8a55-4c1a-9d7e-1b2c3d4e5f60", "occurred_at_local": "2024-05-01T18:30",
            "kind": "professional", "pain_before": 5, "pain_after": 2, "mood": 4}  # fmt: skip
    bad = {**good, "id": "0b5a3a7e-2f4b-4d0e-8f7c-7e6d5c4b3a21", "pain_before": 42}
    summary = page.evaluate(
        """async ([good, bad]) => {
          await BR.outbox.add("session", good);
          await BR.outbox.add("session", bad);
          return BR.outbox.flush();
        }""",
        [good, bad],
    )
    assert summary["auth"] is True  # logged out: kept, not dropped
    assert {e["status"] for e in page.evaluate("BR.outbox.all()")} == {"auth"}
    page.get_by_text("log in to send").wait_for()

    login(page)  # the next page load flushes
    page.get_by_text("1 entry needs a fix").wait_for()
    [entry] = page.evaluate("BR.outbox.all()")
    assert entry["id"] == bad["id"] and entry["status"] == "needs_fix"
    assert "pain_before" in entry["errors"]
    assert [s.client_id for s in sessions(app, alice)] == [good["id"]]
    page.evaluate("BR.outbox.flush()")  # not retried forever
    assert page.evaluate("BR.outbox.all()")[0]["status"] == "needs_fix"

    page.goto("/outbox")
    page.get_by_text("Needs a fix: pain before").wait_for()
    page.get_by_role("button", name="Discard").tap()
    page.get_by_text("Nothing is waiting").wait_for()


def test_fix_and_save_sends_the_entry_and_takes_it_off_the_queue(page, app, alice):
    login(page)
    bad = {"id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", "occurred_at_local": "2024-05-01T18:30",
           "kind": "professional", "pain_before": 42, "pain_after": 2, "mood": 4}  # fmt: skip
    page.evaluate(
        "async (bad) => { await BR.outbox.add('session', bad); return BR.outbox.flush(); }", bad
    )
    page.goto("/outbox")
    page.get_by_role("link", name="Fix and save").tap()
    page.wait_for_url("**/sessions/new?outbox=*")
    # The form is refilled from the stored entry (same UUID), except the value it refused.
    eventually(page, "() => document.querySelector('input[name=pain_after]:checked') !== null")
    assert page.input_value('input[name="id"]') == bad["id"]
    tap_rating(page, "pain_before", 6)
    with page.expect_navigation():
        page.get_by_role("button", name="Save").first.tap()
    # Back where the form was opened from, naming the saved session (?done=<uuid>).
    page.wait_for_url(f"**done={bad['id']}*")
    assert page.get_by_text("Pain 6 → 2 logged.").is_visible()  # the recap, with its Undo
    assert page.get_by_role("button", name="Undo").is_visible()
    [saved] = sessions(app, alice)
    assert (saved.client_id, saved.pain_before, saved.pain_after) == (bad["id"], 6, 2)
    assert page.evaluate("BR.outbox.all()") == []
    assert page.locator("[data-outbox-status]").is_hidden()


def test_a_new_version_offers_an_update_and_reloads_into_it(page, app, tmp_path, alice):
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    app.static_folder = str(static)
    login(page)
    controlled(page)
    old = page.evaluate("caches.keys()")
    (static / "css" / "app.css").write_text(
        (static / "css" / "app.css").read_text() + "\n/* v2 */\n"
    )
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    banner = page.get_by_text("Update available")
    banner.wait_for()
    with page.expect_navigation():
        page.get_by_role("button", name="reload").tap()
    eventually(page, f"() => {CONTROLLED}", timeout=30)
    new = page.evaluate("caches.keys()")
    shells = [k for k in new if k.startswith("shell-")]
    assert len(shells) == 1 and shells[0] not in old, "the old shell cache is removed on activate"
    assert page.get_by_text("Update available").is_hidden()


# Makes the page's outbox flush fail (as with no network) while localStorage "hold-sync" is set.
HOLD_SYNC = """
const realFetch = window.fetch;
window.fetch = (url, init) => localStorage.getItem("hold-sync") && String(url).includes("/api/")
  ? Promise.reject(new TypeError("held by the test")) : realFetch(url, init);
"""


def test_a_form_post_lost_on_a_flaky_connection_is_queued_not_lost(page, context, app, alice):
    """navigator.onLine says yes but the POST fails: the worker keeps it in the outbox."""
    context.add_init_script(HOLD_SYNC)
    login(page)
    page.goto("/sessions/new")
    controlled(page)
    [worker] = context.service_workers
    worker.evaluate(
        """() => {
          const real = self.fetch;
          self.fetch = (request, init) => request.method === "POST"
            ? Promise.reject(new TypeError("connection reset")) : real(request, init);
        }"""
    )
    mine = account(page)
    # Hold every flush until the queued entry has been looked at: the page's (a flag checked by
    # an init script on each page) and the worker's Background Sync (its fetch fails for /api/).
    page.evaluate("localStorage.setItem('hold-sync', '1')")
    worker.evaluate(
        """() => {
          const real = self.fetch;
          self.fetch = (request, init) => {
            const url = typeof request === "string" ? request : request.url;
            return request.method === "POST" || url.includes("/api/")
              ? Promise.reject(new TypeError("connection reset")) : real(request, init);
          };
        }"""
    )
    log_four_taps(page, before=8, after=4, mood=2)
    page.wait_for_url("**/outbox?saved=1")  # only the worker's queueing redirects here
    page.get_by_text("Saved offline").wait_for()
    [entry] = page.evaluate("BR.outbox.all()")
    assert entry["account"] == mine, "the worker knows whose form it queued"
    assert entry["body"]["pain_before"] == "8" and "outbox_account" not in entry["body"]
    # Back online for real: "Try sending now" sends it, exactly one stored.
    page.evaluate("localStorage.removeItem('hold-sync')")
    page.get_by_role("button", name="Try sending now").tap()
    page.get_by_text("Nothing is waiting").wait_for()
    page.get_by_text("Synced").wait_for()
    assert page.get_by_text("Saved offline").is_hidden()
    [saved] = sessions(app, alice)
    assert (saved.pain_before, saved.pain_after, saved.mood) == (8, 4, 2)
