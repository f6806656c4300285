"""Draw a digit, then go straight to Step 3: Step 3 must open, every time, and stay.

The digit canvas sends a stroke to the server up to 0.2 s after the pen is lifted, as a rerun of the
digits page's fragment. A click on Step 3 in that moment makes the browser ask for Step 3 and, right
behind it, for that fragment's rerun on the digits page. Streamlit ran it after Step 3 with the digits
page's hash, and the browser then removed all of Step 3 ("Couldn't find fragment with id …" in the
server's log; the main area stayed empty). ui.fragments.keep_fragment_reruns_on_their_page, installed
by app.py, redraws the page shown instead.

The first test plays the student's sequence with clicks 0-0.3 s after the pen is lifted, which hits
the late stroke now and then. The second makes the late stroke certain: it sends the canvas's last
message again, right behind the click, as the browser does when the stroke comes late.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from conftest import wait_for_app
from test_browser_digits import PREDICTION, replay

from tests.drawn_digits import pen_paths

pytestmark = pytest.mark.browser

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
STEP3_LINK = '.st-key-app_menu a:has-text("Step 3")'

# Keeps the last message the browser sent with the digit canvas's value in it, and the socket it went by.
KEEP_CANVAS_MESSAGES = """(() => {
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
        window.__socket = this;
        try {
            const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
                                                   : new Uint8Array(data);
            const text = new TextDecoder('latin1').decode(bytes);
            if (text.includes('digits_canvas')) window.__canvasMessage = bytes.slice();
        } catch (e) { /* not a binary message */ }
        return send.call(this, data);
    };
})()"""


def _open_digits(page, app_url):
    page.goto(f"{app_url}/draw-a-digit")
    wait_for_app(page, timeout_ms=60_000)
    page.wait_for_selector("canvas.upper-canvas", timeout=30_000)
    wait_for_app(page)


def _draw(page, digit):
    canvas = page.locator("canvas.upper-canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    paths, _ = pen_paths(digit, 0, seed=digit, canvas=280)
    replay(page, paths, box, box["width"] / 280)


def _assert_step3_opens_and_stays(page, attempt):
    started = time.perf_counter()
    page.wait_for_selector('h1:has-text("Step 3")', timeout=10_000)
    page.get_by_role("button", name="Start").wait_for(timeout=10_000)
    opened = time.perf_counter() - started
    wait_for_app(page)
    page.wait_for_timeout(1500)  # a late rerun of the digits fragment would have emptied the page by now
    assert page.locator('h1:has-text("Step 3")').count() == 1, f"attempt {attempt}: Step 3 vanished"
    assert page.get_by_role("button", name="Start").is_visible(), f"attempt {attempt}: Step 3's controls vanished"
    assert page.get_by_role("tab", name="Train a network").is_visible()
    assert page.locator(ERRORS).count() == 0
    assert urlsplit(page.url).path == "/pick-the-best-function"
    assert opened < 10


@pytest.mark.parametrize("pause_ms", [0, 60, 120, 180, 300])
def test_draw_then_step3_at_once(browser_page, app_url, pause_ms):
    """Draw a digit, then click Step 3 in the sidebar `pause_ms` after lifting the pen (twice)."""
    page = browser_page
    for attempt in range(2):
        _open_digits(page, app_url)
        link = page.locator(STEP3_LINK).first.bounding_box()
        _draw(page, 3 + attempt)
        page.wait_for_timeout(pause_ms)
        page.mouse.click(link["x"] + 40, link["y"] + link["height"] / 2)  # no waiting: a quick hand
        _assert_step3_opens_and_stays(page, attempt)


def test_step3_survives_a_stroke_that_arrives_after_the_click(browser_page, app_url):
    """Click Step 3 and, right behind it, let the canvas's last message arrive again (three times)."""
    page = browser_page
    page.add_init_script(KEEP_CANVAS_MESSAGES)
    for attempt in range(3):
        _open_digits(page, app_url)
        _draw(page, 7 - attempt)
        page.wait_for_selector(PREDICTION, timeout=15_000)  # the stroke arrived and was read
        wait_for_app(page)
        assert page.evaluate("!!window.__canvasMessage && !!window.__socket")
        page.evaluate("""() => {
            const link = [...document.querySelectorAll('.st-key-app_menu a')].find(a => a.innerText.includes('Step 3'));
            link.click();                                      // the request for Step 3 ...
            window.__socket.send(window.__canvasMessage);      // ... and the stroke, right behind it
        }""")
        _assert_step3_opens_and_stays(page, attempt)
