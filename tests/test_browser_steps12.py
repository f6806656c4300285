"""Home, Step 1 and Step 2 in a real browser: each loads without an error box and reacts to a widget.

Screenshots at 1280 px and 420 px wide go to artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import math

import pytest
from conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def _open(page, url: str, width: int, height: int, charts: bool = True) -> None:
    # A tall viewport: Streamlit scrolls inside its own container, so a screenshot shows the viewport only.
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    wait_for_app(page)
    if charts:
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    page.wait_for_selector(".katex", timeout=30_000)  # every page has formulas; wait until KaTeX drew them
    if width < 640:  # on a phone the expanded sidebar covers the page: close it, as a student would
        collapse = page.locator('[data-testid="stSidebarCollapseButton"] button')
        if collapse.count() and collapse.first.is_visible():
            collapse.first.click()
    page.wait_for_timeout(600)  # let plotly and KaTeX finish drawing


def _no_errors(page) -> None:
    errors = page.locator(ERRORS)
    assert errors.count() == 0, errors.first.inner_text()


def _narrow_screenshot(page, url: str, name: str, charts: bool = True) -> None:
    _open(page, url, 420, 8000, charts)
    _no_errors(page)
    screenshot(page, f"{name}_420")


def test_home_loads_and_links_to_the_steps(browser_page, app_url):
    page = browser_page
    _open(page, app_url, 1280, 1400, charts=False)
    page.get_by_role("link", name="Open Step 3").wait_for()
    _no_errors(page)
    screenshot(page, "home_1280")
    _narrow_screenshot(page, app_url, "home", charts=False)
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.get_by_role("link", name="Open Step 2").click()
    page.wait_for_selector("text=Softmax, live", timeout=30_000)
    wait_for_app(page)
    _no_errors(page)


def test_step1_loads_and_shows_the_lecture_numbers(browser_page, app_url):
    page = browser_page
    url = f"{app_url}/define-the-network"
    _open(page, url, 1280, 4300)
    _no_errors(page)
    screenshot(page, "step1_1280")
    text = page.locator(".js-plotly-plot").first.inner_text()
    assert "0.98" in text and "0.12" in text and "z=4.00" in text  # the slide's first layer
    box = page.get_by_label("x1")
    box.fill("0")
    box.press("Enter")
    page.wait_for_function(
        """() => document.querySelector('.js-plotly-plot').innerText.includes('z=3.00')""", timeout=15_000)
    _no_errors(page)
    _narrow_screenshot(page, url, "step1")


def test_step2_loads_and_softmax_reacts(browser_page, app_url):
    page = browser_page
    url = f"{app_url}/goodness-of-a-function"
    _open(page, url, 1280, 3400)
    _no_errors(page)
    assert page.get_by_text("y ≈ (0.88, 0.12, 0.00)").count() == 1
    screenshot(page, "step2_1280")

    # Move z1 with the keyboard, as a student can: Home puts it at the slider's minimum, −8.
    page.locator('input[type="range"][aria-label="z1"]').focus()
    page.keyboard.press("Home")
    z = (-8.0, 1.0, -3.0)
    exps = [math.exp(v) for v in z]
    y = [e / sum(exps) for e in exps]                        # (0.0001, 0.9819, 0.0180)
    shown = f"y ≈ ({', '.join(f'{v:.2f}' for v in y)}). Σ e^z = {sum(exps):.3f}."
    assert shown == "y ≈ (0.00, 0.98, 0.02). Σ e^z = 2.768."  # the formula above, worked by hand
    page.get_by_text(shown).wait_for(timeout=15_000)
    assert page.get_by_text("y ≈ (0.88, 0.12, 0.00)").count() == 0
    z1 = page.locator('[data-testid="stSlider"]').filter(has_text="z1")
    assert z1.locator('[data-testid="stSliderThumbValue"]').inner_text() == "-8.00"
    bars = page.locator(".js-plotly-plot").filter(has_text="Output y = softmax(z)").inner_text().split()
    assert bars[:3] == ["0.00", "0.98", "0.02"]  # the bar labels of y
    _no_errors(page)
    _narrow_screenshot(page, url, "step2")
