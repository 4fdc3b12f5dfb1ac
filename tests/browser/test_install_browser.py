"""Installing the app: Chromium's install button, the iOS Add to Home Screen guide once, and
no install prompts inside the installed app."""

from __future__ import annotations

from .conftest import login

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def test_chromium_offers_an_install_button_from_beforeinstallprompt(page, alice):
    login(page)
    button = page.get_by_role("button", name="Install app")
    assert button.is_hidden()
    page.evaluate(
        """() => {
          const event = new Event("beforeinstallprompt", { cancelable: true });
          event.prompt = () => { window.__prompted = true; return Promise.resolve(); };
          event.userChoice = Promise.resolve({ outcome: "accepted" });
          window.dispatchEvent(event);
        }"""
    )
    button.tap()
    assert page.evaluate("window.__prompted") is True
    button.wait_for(state="hidden")
    assert page.get_by_text("Add Back Relief to your Home Screen").is_hidden()


def test_ios_safari_gets_the_add_to_home_screen_guide_once(make_context, alice):
    page = make_context(user_agent=IPHONE_SAFARI).new_page()
    login(page)
    guide = page.get_by_role("complementary", name="Add Back Relief to your Home Screen")
    guide.wait_for()
    assert "Add to Home Screen" in guide.inner_text()
    guide.get_by_role("button", name="Got it").tap()
    page.reload()
    page.locator("[data-ios-guide]").wait_for(state="hidden")
    assert page.get_by_role("button", name="Install app").is_hidden()


# Playwright cannot launch an installed app, so report `display-mode: standalone` the way an
# installed app's page sees it (matchMedia, and navigator.standalone on iOS).
STANDALONE = """
const realMatchMedia = window.matchMedia.bind(window);
window.matchMedia = (query) => query.includes("display-mode: standalone")
  ? { matches: true, media: query, addEventListener() {}, removeEventListener() {},
      addListener() {}, removeListener() {} }
  : realMatchMedia(query);
Object.defineProperty(navigator, "standalone", { get: () => true });
"""


def test_installed_app_shows_no_install_prompts(make_context, alice):
    context = make_context(user_agent=IPHONE_SAFARI)
    context.add_init_script(STANDALONE)
    page = context.new_page()
    login(page)
    page.evaluate(
        """() => {
          const event = new Event("beforeinstallprompt", { cancelable: true });
          event.prompt = () => Promise.resolve();
          event.userChoice = Promise.resolve({ outcome: "accepted" });
          window.dispatchEvent(event);
        }"""
    )
    assert page.evaluate("document.documentElement.classList.contains('standalone')")
    assert page.get_by_role("button", name="Install app").is_hidden()
    assert page.locator("[data-ios-guide]").is_hidden()
