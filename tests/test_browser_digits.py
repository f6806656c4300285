"""The digit page in headless Chromium: draw digits with the mouse, read each Prediction, then Clear.

The strokes are tests.drawn_digits's pen paths, replayed with page.mouse on the canvas's
upper layer (streamlit-drawable-canvas 0.13 lives in an open shadow root). The time from
releasing the mouse to the Prediction appearing is printed and saved to
artifacts/digits_browser_latency.json (the bar is 1.5 s; speed is reported, not asserted).
"""

from __future__ import annotations

import json
import math
import os
import time

import pytest
from conftest import ROOT, screenshot, wait_for_app

from nnlib.digits import default_model
from tests.drawn_digits import pen_paths

pytestmark = pytest.mark.browser

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
PREDICTION = '[data-testid="stMetric"]:has-text("Prediction") [data-testid="stMetricValue"]'


def replay(page, paths, box, scale):
    """Draw each stroke: move to its start, press, glide through its points, release.

    The pen rests over the canvas for 0.3 s before pressing, as a hand does: the canvas's
    toolbar is invisible but still catches clicks on the top ~1.5 rem of the canvas until
    hovering slides it up (0.2 s CSS transition in streamlit-drawable-canvas 0.13), so a
    stroke that starts there at once is lost. (A finger on a touch screen has no hover.)
    """
    for path in paths:
        pts = [(box["x"] + x * scale, box["y"] + y * scale) for x, y in path]
        page.mouse.move(*pts[0])
        page.wait_for_timeout(300)
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            steps = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / 8))  # ~8 px per mouse event
            page.mouse.move(x1, y1, steps=steps)
        page.mouse.up()


def current_prediction(page):
    loc = page.locator(PREDICTION)
    return loc.first.inner_text().strip() if loc.count() else None


def crop_image(page):
    """The src of the "cropped to the ink" image: it changes whenever a new drawing is read."""
    img = page.locator('[data-testid="stImage"] img')
    return img.first.get_attribute("src") if img.count() else None


def draw_and_read(page, digit, style=0, seed=None, **kwargs):
    """Draw one digit on an empty canvas; return (prediction shown, seconds from the last mouse-up
    until the page showed the reading of the whole drawing)."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    paths, _ = pen_paths(digit, style, seed=digit if seed is None else seed, canvas=280, **kwargs)
    replay(page, paths[:-1], box, box["width"] / 280)
    if len(paths) > 1:  # each stroke is sent on mouse-up: wait for the partial drawing's reading
        page.wait_for_selector(PREDICTION, timeout=15_000)
        wait_for_app(page)
    before = crop_image(page)
    replay(page, paths[-1:], box, box["width"] / 280)
    released = time.perf_counter()
    page.wait_for_function(
        """(before) => {
            const shown = [...document.querySelectorAll('[data-testid="stMetric"]')]
                .some(m => m.innerText.includes('Prediction'));
            const img = document.querySelector('[data-testid="stImage"] img');
            return shown && img && img.getAttribute('src') !== before;
        }""", arg=before, timeout=15_000)
    waited = time.perf_counter() - released
    wait_for_app(page)
    return current_prediction(page), waited


def open_digits(page, app_url):
    # (A first visit by a direct link on a fresh server is covered in test_browser_deep_links.py.)
    page.goto(f"{app_url}/draw-a-digit")  # the page's url_path in app.py
    wait_for_app(page, timeout_ms=60_000)
    page.wait_for_selector("canvas.upper-canvas", timeout=30_000)
    if page.viewport_size["width"] < 640:  # on a phone the open sidebar covers the page: close it
        collapse = page.locator('[data-testid="stSidebarCollapseButton"] button')
        if collapse.count() and collapse.first.is_visible():
            collapse.first.click()
            page.wait_for_timeout(500)


def clear(page):
    """Press Clear and wait for the fresh canvas: the page gives the canvas a new key, so the old
    element leaves the page; drawing before the new one is in place would draw on nothing."""
    old = page.locator("canvas.upper-canvas").first.element_handle()
    page.get_by_role("button", name="Clear").click()
    page.wait_for_selector(PREDICTION, state="detached", timeout=15_000)
    page.wait_for_function("el => !el.isConnected", arg=old, timeout=15_000)
    page.wait_for_selector("canvas.upper-canvas", timeout=15_000)
    wait_for_app(page)


@pytest.fixture(scope="module")
def model():
    return default_model()  # cached before the server starts, so its first page load is quick


def teach_and_judge(page):
    """Teach the drawing as a 1 (one gradient step), open the evaluation, take the wide screenshot."""
    page.get_by_role("radiogroup", name="The correct digit").get_by_role("radio", name="1", exact=True).click()
    wait_for_app(page)
    page.get_by_role("button", name="Take one gradient step towards 1").click()
    page.wait_for_selector('[data-testid="stMetric"]:has-text("Loss after")', timeout=15_000)
    wait_for_app(page)
    page.get_by_text("How good is this model?").click()
    page.wait_for_selector('[data-testid="stExpander"] .js-plotly-plot', timeout=15_000)
    page.set_viewport_size({"width": 1280, "height": 3400})  # Streamlit scrolls inside its container
    page.wait_for_timeout(800)
    assert page.locator(ERRORS).count() == 0
    screenshot(page, "digits_1280_taught")
    page.get_by_role("button", name="Forget what I taught").click()
    wait_for_app(page)
    page.set_viewport_size({"width": 1280, "height": 1100})


def test_draw_three_digits_with_the_mouse_then_clear(model, app_url, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1100})
    open_digits(page, app_url)
    assert current_prediction(page) is None  # an empty canvas predicts nothing
    assert page.get_by_text("Draw a digit", exact=False).count() > 0

    drawings = [(7, 0, dict(height=0.7, slant=0.0, rotation=0.0, aspect=1.0, centre=(140, 140))),
                (3, 0, dict(height=0.45, slant=0.15, rotation=0.0, aspect=1.0, centre=(95, 110))),  # small, off-centre
                (4, 2, dict(height=0.6, slant=0.0, rotation=0.0, aspect=1.0, centre=(160, 150)))]
    latencies = []
    for i, (digit, style, kwargs) in enumerate(drawings):
        shown, waited = draw_and_read(page, digit, style, **kwargs)
        latencies.append({"digit": digit, "shown": shown, "seconds": round(waited, 3)})
        assert shown == str(digit), latencies
        if i == 0:
            teach_and_judge(page)
        clear(page)
    assert current_prediction(page) is None

    out = ROOT / "artifacts" / "digits_browser_latency.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(latencies, indent=2))
    print("mouse-up → Prediction shown:", ", ".join(f"{d['digit']}: {d['seconds']:.2f} s" for d in latencies))


def test_narrow_screen_layout(model, app_url, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 420, "height": 4000})
    open_digits(page, app_url)
    shown, _ = draw_and_read(page, 2, 0, height=0.65, slant=0.0, rotation=0.0, aspect=1.0, centre=(140, 140))
    assert shown == "2"
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 420  # the canvas fits the phone's width
    page.get_by_text("How good is this model?").click()
    page.wait_for_selector('[data-testid="stExpander"] .js-plotly-plot', timeout=15_000)
    page.wait_for_timeout(800)
    assert page.locator(ERRORS).count() == 0
    screenshot(page, "digits_420_drawn")


def test_digits_drawn_the_way_people_draw_are_read_in_the_browser(model, app_url, browser_page):
    """Digits in a random style, size, position, slant and rotation, drawn with the mouse.

    By default the six digits the other tests do not draw (so the file covers all ten and stays
    short); DIGITS_BROWSER_PER_DIGIT=n draws every digit n times instead. The results go to
    artifacts/digits_browser_accuracy.json.
    """
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1100})
    open_digits(page, app_url)
    per_digit = int(os.environ.get("DIGITS_BROWSER_PER_DIGIT", "0"))
    digits = range(10) if per_digit else (0, 1, 5, 6, 8, 9)
    results = []
    for k in range(max(per_digit, 1)):
        for digit in digits:
            seed = 1000 + 10 * k + digit
            shown, waited = draw_and_read(page, digit, style=seed % 3, seed=seed)
            results.append({"digit": digit, "style": seed % 3, "seed": seed, "shown": shown,
                            "seconds": round(waited, 3)})
            clear(page)
    accuracy = sum(r["shown"] == str(r["digit"]) for r in results) / len(results)
    seconds = sorted(r["seconds"] for r in results)
    out = ROOT / "artifacts" / "digits_browser_accuracy.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"accuracy": accuracy, "drawings": results}, indent=2))
    print(f"browser drawings read correctly: {accuracy:.0%} of {len(results)}; mouse-up → Prediction "
          f"median {seconds[len(seconds) // 2]:.2f} s, max {seconds[-1]:.2f} s")
    assert accuracy >= 0.9, [r for r in results if r["shown"] != str(r["digit"])]


def test_the_lectures_notes_on_input_and_training_are_shown(model, app_url, browser_page):
    """The ink-bits view of the student's own drawing, and how the default model was trained (issue 10)."""
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1100})
    open_digits(page, app_url)
    page.get_by_text("How this network was trained, and where that goes beyond the lecture").click()
    page.wait_for_selector("text=A cosine learning-rate schedule", timeout=15_000)
    assert page.get_by_text("Adam", exact=False).count() > 0
    shown, _ = draw_and_read(page, 7, height=0.7, slant=0.0, rotation=0.0, aspect=1.0, centre=(140, 140))
    assert shown == "7"
    page.get_by_text("Ink = 1, no ink = 0? The lecture's input next to the grey levels fed here").click()
    page.wait_for_selector("text=grey levels: read as 7", timeout=15_000)
    bits = page.get_by_text("ink bits (grey ≥ 0.5 → 1): read as", exact=False)
    bits.scroll_into_view_if_needed()
    assert bits.count() == 1
    assert page.get_by_text("from ink bits", exact=False).count() == 1
    assert page.locator(ERRORS).count() == 0
    page.set_viewport_size({"width": 1280, "height": 2600})
    page.wait_for_timeout(800)
    screenshot(page, "digits_1280_ink_bits")
    page.set_viewport_size({"width": 1280, "height": 1100})


def test_inside_the_network_for_the_drawing(model, app_url, browser_page):
    """Issue 12: the hidden layer as a strip of neurons and layer 1's most active neurons, at 1280 and 420 px."""
    page = browser_page
    for width in (1280, 420):
        page.set_viewport_size({"width": width, "height": 1100})
        open_digits(page, app_url)
        shown, _ = draw_and_read(page, 3, height=0.7, slant=0.0, rotation=0.0, aspect=1.0, centre=(140, 140))
        assert shown == "3"
        page.get_by_text("Inside the network", exact=True).scroll_into_view_if_needed()
        page.wait_for_selector('[data-testid="stVegaLiteChart"] canvas', timeout=15_000)
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        assert charts.count() == 2  # the default model's one hidden layer, and the top neurons
        for i in range(2):
            box = charts.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width  # no sideways scrolling on a phone
        assert page.get_by_text("Why neuron", exact=False).count() == 1
        assert page.locator(ERRORS).count() == 0
        page.set_viewport_size({"width": width, "height": 3400 if width > 640 else 4400})
        page.wait_for_timeout(800)
        screenshot(page, f"digits_{width}_insides")
