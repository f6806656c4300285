"""Home, Step 1 and Step 2 in a real browser: each loads without an error box; screenshots for a person."""

from __future__ import annotations

import pytest
from conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

PAGES = {"home": "", "step1": "step1_network", "step2": "step2_loss"}
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def _open(page, app_url, path: str, width: int, height: int) -> None:
    # A tall viewport: Streamlit scrolls inside its own container, so a screenshot shows the viewport only.
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    if path:
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    if width < 640:  # on a phone the expanded sidebar covers the page: close it, as a student would
        collapse = page.locator('[data-testid="stSidebarCollapseButton"] button')
        if collapse.count() and collapse.first.is_visible():
            collapse.first.click()
    page.wait_for_timeout(800)  # let plotly and KaTeX finish drawing


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_without_errors_wide_and_narrow(browser_page, app_url, name):
    page = browser_page
    for width, height in ((1280, 4200), (420, 9000)):
        _open(page, app_url, PAGES[name], width, height)
        errors = page.locator(ERRORS)
        assert errors.count() == 0, errors.first.inner_text()
        assert page.locator("h1").first.is_visible()
        screenshot(page, f"{name}_{width}")


def test_step1_lecture_numbers_in_the_browser(browser_page, app_url):
    """The drawn lecture network shows the slide's first-layer outputs, and editing x1 updates them."""
    page = browser_page
    _open(page, app_url, "step1_network", 1280, 2000)
    text = page.locator(".js-plotly-plot").first.inner_text()
    assert "0.98" in text and "0.12" in text and "z=4.00" in text
    box = page.get_by_label("x1")
    box.fill("0")
    box.press("Enter")
    wait_for_app(page)
    page.wait_for_function(
        """() => document.querySelector('.js-plotly-plot').innerText.includes('z=3.00')""", timeout=15_000)


def test_home_links_open_the_steps(browser_page, app_url):
    page = browser_page
    _open(page, app_url, "", 1280, 1600)
    page.get_by_role("link", name="Open Step 2").click()
    page.wait_for_selector("text=Softmax, live", timeout=30_000)
    wait_for_app(page)
    assert page.locator(ERRORS).count() == 0
