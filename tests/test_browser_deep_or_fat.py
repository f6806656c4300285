"""Deep or fat? and shareable links in headless Chromium, against the live app.

The universality slider changes the fit, a small deep-vs-fat run shows its progress bar and its
findings, "where depth wins" at k = 3 draws its three fits with the lesson's numbers, and a shared
link sets up a session, is repaired when hostile, and follows the session's changes in the address
bar and the "Share this setup" box. Screenshots of the page at 1280 and 420 pixels wide go to
artifacts/screenshots/.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import screenshot, wait_for_app

from lessons import deep_or_fat as experiments
from services import links
from ui.state import DEFAULTS

pytestmark = pytest.mark.browser

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
WATCH_PROGRESS = """() => {
    window.__sawProgress = false;
    new MutationObserver(() => {
        if (document.querySelector('[data-testid="stProgress"]')) window.__sawProgress = true;
    }).observe(document.body, {childList: true, subtree: true});
}"""


MENU_LINKS = '[data-testid="stSidebar"] a'   # the app's menu (ui/navigation.py) lives in the sidebar


def open_app(page, url):
    # The front door first: on a fresh server a deep link runs before st.navigation is registered.
    page.goto(url)
    page.locator(MENU_LINKS, has_text="Deep or fat?").first.wait_for(state="attached", timeout=60_000)
    wait_for_app(page)


def go_to(page, title):
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=re.compile(re.escape(title))).click()
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
    # The findings are drawn last, after the chart's caption, in the rerun that follows the last network.
    page.wait_for_function("() => document.body.innerText.includes('networks trained in')"
                           " && document.body.innerText.includes('On these digits')", timeout=120_000)
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


def test_where_depth_wins_runs_and_shows_its_figures_and_numbers(app_url, browser_page):
    from lessons import depth_wins

    page = browser_page
    open_app(page, app_url)
    go_to(page, "Deep or fat?")
    page.get_by_text("3 · Where depth wins").wait_for(timeout=60_000)
    thumb = page.get_by_role("slider", name=re.compile("Folds k"))
    thumb.focus()
    thumb.press("Home")                             # k = 3: the quickest run
    wait_for_app(page)
    charts_before = page.locator(".js-plotly-plot").count()
    page.evaluate(WATCH_PROGRESS)
    page.get_by_role("button", name="Build and train").click()
    page.wait_for_function("() => document.body.innerText.includes('Gradient descent does not find')"
                           " || document.body.innerText.includes('This time gradient descent found')",
                           timeout=120_000)
    wait_for_app(page)
    assert page.evaluate("window.__sawProgress"), "a progress bar must show while the networks train"
    assert page.locator(ERRORS).count() == 0
    # deep built, fat, deep trained side by side; every training run's curve in the expander below
    assert page.locator(".js-plotly-plot").count() == charts_before + 4
    expected = depth_wins.depth_wins(k=3, seed=0)                # what the page computed, from the seed shown
    body = page.inner_text("body")
    assert "With 3 hidden layers of 2 ReLUs (19 parameters) the deep network draws all 4 teeth" in body
    assert f"the best fat network found ends at {expected.fat_trained.mse:.3g}" in body
    assert f"ends at mean squared error {expected.deep_trained.mse:.3g}" in body
    assert "Seed 0; computed in" in body
    titles = " ".join(page.locator(".js-plotly-plot .gtitle").all_text_contents())
    assert "Deep, built by hand: 3 layers × 2 ReLUs" in titles and "mean squared error 0 · 19 parameters" in titles
    assert f"mean squared error {expected.fat_trained.mse:.3g} · 19 parameters" in titles


def test_a_shared_link_sets_up_the_session_and_the_url_follows_it(app_url, browser_page):
    page = browser_page
    open_app(page, app_url)
    page.goto(f"{app_url}/pick-the-best-function?layers=6,3&act=tanh&data=xor&opt=sgd&lr=abc&seed=5")
    wait_for_app(page, 60_000)
    warning = page.locator('[data-testid="stAlert"]', has_text="value 'abc' was ignored")
    warning.wait_for(timeout=30_000)
    page.get_by_text("2 hidden layers").wait_for(timeout=60_000)
    wait_for_app(page)
    assert "47 parameters" in page.inner_text("body")  # 2 → 6 → 3 → 2: 18 + 21 + 8 weights and biases
    query = parse_qs(urlsplit(page.url).query)
    # lr=abc is refused: the session keeps the default learning rate, and the link says which.
    assert query["lr"] == [links.encode(DEFAULTS)["lr"]] and query["seed"] == ["5"] and query["layers"] == ["6,3"]

    go_to(page, "Step 1")                            # notices show once; the URL keeps the setup
    assert page.locator('[data-testid="stAlert"]', has_text="was ignored").count() == 0
    assert parse_qs(urlsplit(page.url).query)["seed"] == ["5"]

    go_to(page, "Step 3")
    page.locator("[data-testid=\"stPopover\"] button", has_text="More").first.click()  # the seed is in "More"
    seed_box = page.get_by_role("spinbutton", name="Seed")
    seed_box.fill("12")
    seed_box.press("Enter")
    wait_for_app(page)
    page.wait_for_function("() => location.search.includes('seed=12')", timeout=15_000)
    page.get_by_text("Share this setup").click()  # opening it reruns the app, which draws the link
    code = page.locator('[data-testid="stSidebar"] [data-testid="stCode"]')
    code.wait_for()
    link = code.inner_text().strip()
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == app_url and parts.path == "/pick-the-best-function"
    shared = parse_qs(parts.query)
    assert shared["seed"] == ["12"] and shared["layers"] == ["6,3"] and shared["act"] == ["tanh"]
    assert shared["data"] == ["xor"] and shared["opt"] == ["sgd"]

    # With the box open, a change in the playground (a rerun of its fragment alone) redraws the link too.
    page.keyboard.press("Escape")  # close the "More" popover
    page.locator(".st-key-step3_learning_rate input").click()
    page.get_by_role("option", name="0.01", exact=True).click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('lr') === '0.01'", timeout=15_000)
    page.wait_for_function("""() => {
        const code = document.querySelector('[data-testid="stSidebar"] [data-testid="stCode"]');
        return code && new URL(code.innerText.trim()).searchParams.get('lr') === '0.01';
    }""", timeout=15_000)
