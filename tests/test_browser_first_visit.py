"""The first visitor of a freshly started server: a quick click on the menu, an old file-name link, and
the digits page on a fresh replica whose cache folder is empty (ready without training).

While a folder called pages/ exists, Streamlit runs a new server's first session in its legacy
multipage mode until some session has run st.navigation: it sends the browser a page list made of
pages/'s file names, and a click on one (or a URL naming a file) runs that file without app.py.
These tests start a fresh server each time (not the shared, warmed one), so that first session is
theirs, and record everything the sidebar ever showed, across reloads, in sessionStorage.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from conftest import running_app, wait_for_app

pytestmark = pytest.mark.browser

# Streamlit's legacy list names each page after its file, in lower case: "step1 network", "digits", ...
RAW_NAMES = {"app", "home", "step1 network", "step2 loss", "step3 training", "digits", "deep or fat"}

# Runs in every document before the app's own scripts: records every link text in the sidebar, and
# whether a "Page not found" dialog or an exception box was ever on screen (kept across reloads).
RECORDER = """(() => {
    const read = (k) => JSON.parse(sessionStorage.getItem(k) || '[]');
    const add = (k, v) => {
        const a = read(k);
        if (!a.includes(v)) { a.push(v); sessionStorage.setItem(k, JSON.stringify(a)); }
    };
    const look = () => {
        for (const a of document.querySelectorAll('[data-testid="stSidebar"] a')) add('seenLinks', a.innerText.trim());
        for (const d of document.querySelectorAll('[role="dialog"]'))
            if (/page not found/i.test(d.innerText)) add('seenProblems', 'Dialog: ' + d.innerText.slice(0, 200));
        for (const e of document.querySelectorAll('[data-testid="stException"]'))
            add('seenProblems', 'Exception: ' + e.innerText.slice(0, 300));
    };
    new MutationObserver(look).observe(document, {childList: true, subtree: true, characterData: true});
})()"""

# Records whether the spinner of a first-time training ("Training the digit network once ...") was ever shown.
TRAINING_SPINNER = """(() => {
    const look = () => {
        for (const s of document.querySelectorAll('[data-testid="stSpinner"]'))
            if (/training/i.test(s.innerText)) sessionStorage.setItem('trainingSpinner', s.innerText.slice(0, 200));
    };
    new MutationObserver(look).observe(document, {childList: true, subtree: true, characterData: true});
})()"""

# Click the first link in the sidebar whose text matches, the moment one is there (polls every 5 ms).
QUICK_CLICK = """async (pattern) => {
    const re = new RegExp(pattern, 'i'), t0 = performance.now();
    while (performance.now() - t0 < 60000) {
        const a = [...document.querySelectorAll('[data-testid="stSidebar"] a')].find(a => re.test(a.innerText));
        if (a) { a.click(); return a.innerText.trim(); }
        await new Promise(r => setTimeout(r, 5));
    }
    return null;
}"""


def _seen(page, key):
    return page.evaluate(f"JSON.parse(sessionStorage.getItem('{key}') || '[]')")


def _assert_clean(page):
    links = _seen(page, "seenLinks")
    raw = [text for text in links if text.split("\n")[-1].strip() in RAW_NAMES]  # the label, after any icon name
    assert not raw, f"the legacy file-name list was shown: {links}"
    assert _seen(page, "seenProblems") == []
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("attempt", range(3))
def test_first_visitor_clicks_a_page_at_once(browser_page, attempt):
    """Open the home page of a fresh server and click Step 1 in the sidebar as soon as a link is there."""
    page = browser_page
    page.add_init_script(RECORDER)
    with running_app() as url:
        page.goto(url, wait_until="commit")
        clicked = page.evaluate(QUICK_CLICK, r"step\s*1")
        assert clicked is not None, "no Step 1 link appeared in the sidebar"
        page.wait_for_selector('h1:has-text("Step 1")', timeout=60_000)
        wait_for_app(page, timeout_ms=60_000)
        page.wait_for_timeout(1500)  # a late dialog or exception would show up by now
        _assert_clean(page)
        page.wait_for_selector('h1:has-text("Step 1")', timeout=5_000)
        assert urlsplit(page.url).path == "/define-the-network"


@pytest.mark.parametrize("path,heading,url_path", [
    ("digits", "Draw a digit", "draw-a-digit"),
    ("step3_training", "Step 3", "pick-the-best-function"),
])
def test_first_visitor_by_a_file_name_link_lands_on_the_page(browser_page, path, heading, url_path):
    """An old link that names a file in pages/ runs that file alone on a fresh server: it must hand over to app.py."""
    page = browser_page
    page.add_init_script(RECORDER)
    with running_app() as url:
        page.goto(f"{url}/{path}?seed=3")
        page.wait_for_selector(f'h1:has-text("{heading}")', timeout=60_000)
        wait_for_app(page, timeout_ms=60_000)
        page.wait_for_timeout(1500)
        _assert_clean(page)
        assert urlsplit(page.url).path == f"/{url_path}" and "seed=3" in urlsplit(page.url).query
        page.get_by_text("Computing on").wait_for(timeout=5_000)  # app.py's frame is there


def test_a_fresh_replica_with_an_empty_cache_opens_the_digits_page_without_training(browser_page, tmp_path,
                                                                                      monkeypatch):
    """A new replica (empty NNLIB_CACHE_DIR) serves the digits page from the weights shipped in nnlib/data:
    no training spinner, and no trained model appears in the cache. (The time from the click to the ready
    page is printed, not asserted: scripts/first_visit_timing.py measures it.)"""
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(cache))  # running_app passes the environment to the server
    page = browser_page
    page.add_init_script(RECORDER)
    page.add_init_script(TRAINING_SPINNER)
    with running_app() as url:
        page.goto(url)
        link = page.locator('[data-testid="stSidebar"] a:has-text("Draw a digit")').first
        link.wait_for(timeout=60_000)
        wait_for_app(page, timeout_ms=60_000)
        clicked = time.perf_counter()
        link.click()
        page.wait_for_selector("canvas.upper-canvas", timeout=60_000)
        wait_for_app(page, timeout_ms=60_000)
        print(f"fresh replica, empty cache: click to a ready digits page in {time.perf_counter() - clicked:.2f} s")
        page.wait_for_selector('h1:has-text("Draw a digit")', timeout=5_000)
        _assert_clean(page)
        assert page.evaluate("sessionStorage.getItem('trainingSpinner')") is None, "the default model was trained"
    trained = [p.name for p in cache.iterdir() if p.name.startswith("digits16_model_")]
    assert trained == [], f"a model was trained into the empty cache: {trained}"
