"""Direct links on a freshly started server: the first visitor may arrive by a shared link.

While a folder called pages/ exists, Streamlit serves a new server's first session in its legacy
multipage mode; app.py gives every page a url_path of its own and reloads that first session once,
so a shared link works from the very first visit. Each test here starts its own server.
"""

from __future__ import annotations

import pytest
from conftest import running_app, wait_for_app
from test_browser_digits import PREDICTION, draw_and_read

pytestmark = pytest.mark.browser

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
PAGES = {
    "define-the-network": "Step 1",
    "goodness-of-a-function": "Step 2",
    "pick-the-best-function": "Step 3",
    "deep-or-fat": "Deep or fat",
}


def test_first_visitor_by_a_direct_link_can_draw_a_digit(browser_page):
    with running_app() as url:
        page = browser_page
        page.goto(f"{url}/draw-a-digit?seed=3")
        wait_for_app(page, timeout_ms=60_000)
        page.wait_for_selector("canvas.upper-canvas", timeout=60_000)
        assert page.locator(PREDICTION).count() == 0
        shown, _ = draw_and_read(page, 7, 0, height=0.7, slant=0.0, rotation=0.0, aspect=1.0,
                                 centre=(140, 140))
        assert shown == "7"
        assert "seed=3" in page.url  # the shared link's setup survived the one-time reload
        nav = page.locator(".st-key-app_menu").inner_text()  # the app's menu (ui/navigation.py)
        assert "Step 1 · Define the network" in nav  # the app's own navigation, not the legacy list


@pytest.mark.parametrize("path,heading", PAGES.items())
def test_first_visitor_by_a_direct_link_sees_the_page(browser_page, path, heading):
    with running_app() as url:
        page = browser_page
        page.goto(f"{url}/{path}")
        wait_for_app(page, timeout_ms=60_000)
        page.wait_for_selector(f'h1:has-text("{heading}")', timeout=60_000)
        assert page.locator(ERRORS).count() == 0
