"""Deep or fat? and shareable links in headless Chromium, against the live app.

The universality slider changes the fit, a small deep-vs-fat run shows its progress bar and its
findings, and a shared link sets up a session, is repaired when hostile, and follows the
session's changes in the address bar and the "Share this setup" box. Screenshots of the page at
1280 and 420 pixels wide go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import screenshot, wait_for_app

from lessons import deep_or_fat as experiments

pytestmark = pytest.mark.browser

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
WATCH_PROGRESS = """() => {
    window.__sawProgress = false;
    new MutationObserver(() => {
        if (document.querySelector('[data-testid="stProgress"]')) window.__sawProgress = true;
    }).observe(document.body, {childList: true, subtree: true});
}"""


def open_app(page, url):
    # The front door first: on a fresh server a deep link runs before st.navigation is registered.
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebarNav"] >> text=Deep or fat?', timeout=60_000)
    wait_for_app(page)


def go_to(page, title):
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=re.compile(re.escape(title))).click()
    wait_for_app(page)


def metric(page, label):
    return page.locator('[data-testid="stMetric"]', has_text=label).locator('[data-testid="stMetricValue"]') \
        .inner_text().strip()


def small_experiment(page):
    """Keep one budget and one seed at the default epochs (the defaults train 24 networks), then run it.

    The two networks take over a second, so the progress bar is on screen long enough to be seen;
    with fewer epochs a quiet machine finishes before the browser draws it."""
    for budget in ("20,000", "60,000", "150,000"):
        page.get_by_role("button", name=budget, exact=True).click()
        wait_for_app(page)
    for label in ("Seeds per network",):
        thumb = page.get_by_role("slider", name=label)
        thumb.focus()
        thumb.press("Home")
        wait_for_app(page)
    page.evaluate(WATCH_PROGRESS)
    page.get_by_role("button", name="Run the experiment").click()
    page.wait_for_function("() => document.body.innerText.includes('networks trained in')", timeout=120_000)
    wait_for_app(page)


def test_deep_or_fat_page_fits_curves_and_runs_the_experiment(app_url, browser_page):
    page = browser_page
    open_app(page, app_url)
    go_to(page, "Deep or fat?")
    page.wait_for_selector('[data-testid="stMetric"]:has-text("Mean squared error")', timeout=60_000)
    assert metric(page, "Mean squared error") == f"{experiments.fit_curve('wave', 4).mse:.2g}"
    thumb = page.get_by_role("slider", name="Hidden neurons N")
    thumb.focus()
    thumb.press("ArrowRight")                       # N: 4 → 6
    wait_for_app(page)
    assert metric(page, "Mean squared error") == f"{experiments.fit_curve('wave', 6).mse:.2g}"

    small_experiment(page)
    assert page.evaluate("window.__sawProgress"), "a progress bar must show while networks train"
    assert page.locator(ERRORS).count() == 0
    body = page.inner_text("body")
    assert "2 networks trained in" in body
    assert "On these digits" in body and "On speech, Seide et al." in body
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)   # the per-budget table
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.wait_for_timeout(800)
    screenshot(page, "deep_or_fat_1280")


def test_deep_or_fat_on_a_narrow_screen(app_url, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 420, "height": 900})
    open_app(page, app_url)
    sidebar_open = page.locator('[data-testid="stSidebar"][aria-expanded="true"]')
    assert sidebar_open.count() == 0, "on a phone the sidebar starts closed"
    page.goto(f"{app_url}/deep-or-fat")
    wait_for_app(page, 60_000)
    page.wait_for_selector('[data-testid="stMetric"]:has-text("Mean squared error")', timeout=60_000)
    small_experiment(page)
    page.set_viewport_size({"width": 420, "height": 4200})
    page.wait_for_timeout(800)
    for chart in page.locator(".js-plotly-plot").all():
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 420
    screenshot(page, "deep_or_fat_420")


def test_a_shared_link_sets_up_the_session_and_the_url_follows_it(app_url, browser_page):
    page = browser_page
    open_app(page, app_url)
    page.goto(f"{app_url}/pick-the-best-function?layers=6,3&act=tanh&data=xor&opt=sgd&lr=abc&seed=5")
    wait_for_app(page, 60_000)
    warning = page.locator('[data-testid="stAlert"]', has_text="value 'abc' was ignored")
    warning.wait_for(timeout=30_000)
    page.get_by_text("Network from Step 1:").wait_for(timeout=60_000)
    wait_for_app(page)
    assert "x1, x2 → 6 → 3 (tanh)" in page.inner_text("body")
    query = parse_qs(urlsplit(page.url).query)
    assert query["lr"] == ["0.03"] and query["seed"] == ["5"] and query["layers"] == ["6,3"]

    go_to(page, "Step 1")                            # notices show once; the URL keeps the setup
    assert page.locator('[data-testid="stAlert"]', has_text="was ignored").count() == 0
    assert parse_qs(urlsplit(page.url).query)["seed"] == ["5"]

    go_to(page, "Step 3")
    seed_box = page.get_by_role("spinbutton", name="Seed")
    seed_box.fill("12")
    seed_box.press("Enter")
    wait_for_app(page)
    page.wait_for_function("() => location.search.includes('seed=12')", timeout=15_000)
    page.get_by_text("Share this setup").click()
    link = page.locator('[data-testid="stSidebar"] [data-testid="stCode"]').inner_text().strip()
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == app_url and parts.path == "/pick-the-best-function"
    shared = parse_qs(parts.query)
    assert shared["seed"] == ["12"] and shared["layers"] == ["6,3"] and shared["act"] == ["tanh"]
    assert shared["data"] == ["xor"] and shared["opt"] == ["sgd"]
