"""中文 / English in headless Chromium: the first visit follows the browser, a shared ``lang`` link wins,
the switch changes the texts and keeps the work (a training run, a drawn digit), and 汉字 render.

Screenshots of every page in Chinese, at 1280 and 420 px, go to artifacts/screenshots/ (zh_*.png).
"""

from __future__ import annotations

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, screenshot, wait_for_app

import i18n
from tests.drawn_digits import DRAWING_LAYER, INK_PIXELS
from tests.test_browser_digits import draw_and_read, open_digits
from ui import navigation

pytestmark = pytest.mark.browser

STEP3 = "Step 3 · Pick the best function"
STEP1 = "Step 1 · Define a set of functions"
DIGITS = "Draw a digit"
SWITCH = ".st-key-lang_switch"
TITLE = "h1"
PAGES = [url for entries in navigation.SECTIONS.values() for _, _, _, url in entries]


@pytest.fixture
def open_browser(_playwright, tmp_path):
    """A factory of fresh Chromium pages with a given browser language (``locale``) and width."""
    contexts = []

    def launch(locale: str, width: int = 1280, height: int = 1100):
        ctx = _playwright.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(contexts)}"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": width, "height": height}, locale=locale)
        contexts.append(ctx)
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        page.set_default_timeout(30_000)
        return page

    yield launch
    for ctx in contexts:
        ctx.close()


def title(page) -> str:
    return page.locator(TITLE).first.inner_text().strip()


def choose(page, language: str) -> None:
    """Click 中文 or English in the switch, and wait for the page to be drawn in that language."""
    page.locator(f"{SWITCH} button", has_text=i18n.LANGUAGES[language]).first.click()
    page.wait_for_function("lang => new URLSearchParams(location.search).get('lang') === lang", arg=language)
    wait_for_app(page)


def query(page) -> dict:
    return page.evaluate("() => Object.fromEntries(new URLSearchParams(location.search))")


def test_a_chinese_browser_opens_in_chinese_and_the_switch_keeps_the_training_run(app_url, open_browser):
    page = open_browser("zh-CN")
    page.goto(f"{app_url}/pick-the-best-function?layers=3,2")
    wait_for_app(page, timeout_ms=60_000)
    assert title(page) == i18n.in_language("zh", STEP3) != STEP3
    assert query(page)["lang"] == "zh"
    for _ in range(3):  # three training steps, paused: the run must survive the language change
        page.locator(".st-key-train_step button").first.click()
        wait_for_app(page)
    epoch = page.locator(".st-key-train_epoch").inner_text()
    assert "3" in epoch
    screenshot(page, "zh_step3_before_switch")

    choose(page, "en")
    assert title(page) == STEP3
    assert page.locator(".st-key-train_epoch").inner_text().replace("\n", " ").split()[-1] == epoch.split()[-1]
    assert query(page)["layers"] == "3,2"
    choose(page, "zh")
    assert title(page) == i18n.in_language("zh", STEP3)
    assert page.locator(".st-key-train_epoch").inner_text() == epoch


def test_a_shared_chinese_link_opens_in_chinese_in_an_english_browser(app_url, open_browser):
    page = open_browser("en-US")
    page.goto(f"{app_url}/define-the-network?lang=zh&layers=3,2")
    wait_for_app(page, timeout_ms=60_000)
    assert title(page) == i18n.in_language("zh", STEP1) != STEP1
    page.locator(f".st-key-{navigation.MENU_KEY} a").first.wait_for()
    menu = page.locator(f".st-key-{navigation.MENU_KEY} a").all_text_contents()
    assert any(i18n.in_language("zh", DIGITS) in link for link in menu), menu
    assert not any(DIGITS in link for link in menu), menu
    assert query(page)["layers"] == "3,2" and query(page)["lang"] == "zh"
    # and an English browser with no link gets English
    other = open_browser("en-US")
    other.goto(f"{app_url}/define-the-network")
    wait_for_app(other, timeout_ms=60_000)
    assert title(other) == STEP1
    # both at once on one server: the Chinese session stays Chinese on its next run
    page.locator(f".st-key-{navigation.MENU_KEY} a").nth(1).click()
    wait_for_app(page)
    assert title(page) == i18n.in_language("zh", "Glossary · 术语表") and query(page)["lang"] == "zh"


def _ink(page) -> int:
    """How many pixels of the canvas's drawing layer hold ink."""
    return page.locator(DRAWING_LAYER).first.evaluate(INK_PIXELS)


def test_switching_keeps_a_drawn_digit_and_its_reading(app_url, open_browser):
    page = open_browser("en-US")
    open_digits(page, app_url)
    prediction, _ = draw_and_read(page, 7)
    ink = _ink(page)
    assert prediction is not None and ink > 500
    choose(page, "zh")
    assert title(page) == i18n.in_language("zh", DIGITS)
    page.wait_for_selector('[data-testid="stMetricValue"]')
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == prediction
    assert _ink(page) == ink
    screenshot(page, "zh_digits_after_switch")


GLYPHS = """() => {
    const canvas = document.createElement('canvas');
    canvas.width = 240; canvas.height = 60;
    const g = canvas.getContext('2d');
    const family = getComputedStyle(document.querySelector('h1')).fontFamily;
    const draw = (text) => {
        g.clearRect(0, 0, 240, 60); g.font = `40px ${family}`; g.fillText(text, 0, 45);
        return g.getImageData(0, 0, 240, 60).data.join(',');
    };
    return {cjk: draw('神经元'), other: draw('梯度下'), missing: draw('\\u{10FFFD}\\u{10FFFD}\\u{10FFFD}')};
}"""


def test_chinese_glyphs_render_in_the_pages_font(app_url, open_browser):
    """A missing font draws every 汉字 as the same empty box: two different words would look alike."""
    page = open_browser("zh-CN")
    page.goto(app_url)
    wait_for_app(page, timeout_ms=60_000)
    drawn = page.evaluate(GLYPHS)
    assert drawn["cjk"] != drawn["missing"] and drawn["cjk"] != drawn["other"]


@pytest.mark.parametrize("width", [1280, 420])
def test_every_page_in_chinese_fits_the_screen(app_url, open_browser, width):
    """Screenshots to look at; no page is wider than the screen (text wraps, nothing is clipped)."""
    page = open_browser("zh-CN", width=width, height=900)
    for url in PAGES:
        page.goto(f"{app_url}/{url}")
        wait_for_app(page, timeout_ms=60_000)
        page.wait_for_timeout(1500)  # charts draw after the script has finished
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"/{url} is {overflow} px wider than the {width} px screen"
        assert query(page)["lang"] == "zh"
        # Streamlit scrolls inside its main container: a screen as tall as the page shows all of it.
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        page.set_viewport_size({"width": width, "height": min(max(height, 900), 9000)})
        page.wait_for_timeout(1500)
        screenshot(page, f"zh_{url or 'home'}_{width}")
        page.set_viewport_size({"width": width, "height": 900})
