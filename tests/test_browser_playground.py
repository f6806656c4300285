"""Step 3's playground (issue 12) in headless Chromium, at 1280 × 800 and at 420 × 900.

* 1280 × 800: the toolbar, the network and the decision boundary are on the first screen, unscrolled;
* 420 × 900: Start and the boundary come before the folded prose, and nothing is wider than the screen;
* + above layer 1 draws one more neuron there (its tiles are counted on the network's canvas);
* a click on a link opens a box for its weight; Enter sets it (the tooltip, the picture and the loss follow),
  and a weight out of range is refused with a message and changes nothing;
* while training, a sequence of frames never shows a blank or coarse boundary or a blank neuron, and the
  page's own animation frames never catch a blank canvas in between (frames where Streamlit shows the
  pictures faded as stale are reported as a warning: that depends on the load);
* the 16×16 digits warn about the 4-neuron layers, and "Use the digits preset" makes the network 64 → 32.

Screenshots go to artifacts/screenshots/playground_*.png, for a person to look at.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from conftest import PAUSE_IF_RUNNING, SCREENSHOTS, screenshot, wait_for_app

from services.training import DIGITS_PRESET
from ui.state import DEFAULT_SPEC
from ui.views.playground_network import MAX_SHOWN, ROW_PX, TILE_PX, shown_neurons

pytestmark = pytest.mark.browser

NETWORK = ".st-key-train_network_view"  # the network's own canvas (ui/components/playground_canvas)
BOUNDARY = ".st-key-train_plane_view"  # the output over the plane, on its own canvas too
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
MAIN = '[data-testid="stMain"]'

# Pixels of a canvas that carry ink: drawn (alpha > 0) and darker than near-white (min channel < 245).
# The neuron pictures' middle colour (#e8eaeb) counts as ink; the page's white does not.
INK = """(sel) => {
    const c = document.querySelector(sel + ' canvas');
    if (!c || c.width === 0) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4)
        if (d[i + 3] > 0 && Math.min(d[i], d[i + 1], d[i + 2]) < 245) n += 1;
    return n;
}"""

HASH = """(sel) => {
    const c = document.querySelector(sel + ' canvas');
    if (!c || c.width === 0) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2] + 17 * d[i + 3]) | 0;
    return h;
}"""

# The neuron tiles drawn in each column of the network's canvas: the runs of ink down the column's
# centre line that are about a tile high (the layer titles above are shorter runs). Column c of C is
# centred at (c + ½)/C of the width (playground_network: the x axis spans the whole width).
TILES_PER_COLUMN = """([sel, columns, tile]) => {
    const c = document.querySelector(sel + ' canvas');
    if (!c || c.width === 0) return [];
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const out = [];
    for (let col = 0; col < columns; col++) {
        const x = Math.round((col + 0.5) * c.width / columns);
        let runs = 0, run = 0;
        for (let y = 0; y <= c.height; y++) {
            const i = 4 * (y * c.width + x);
            const ink = y < c.height && d[i + 3] > 0 && Math.min(d[i], d[i + 1], d[i + 2]) < 245;
            if (ink) { run += 1; continue; }
            if (run >= 0.8 * tile && run <= 1.3 * tile) runs += 1;
            run = 0;
        }
        out.push(runs);
    }
    return out;
}"""

# Watch both canvases on every animation frame: count the frames where either is missing or blank, and
# those where Streamlit shows either faded (an element left stale by a slow rerun fades to 33 % opacity).
WATCH_BLANK = """([net, bd]) => {
    const ink = (sel) => {
        const c = document.querySelector(sel + ' canvas');
        if (!c || c.width === 0 || c.getBoundingClientRect().width === 0) return 0;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 16)
            if (d[i + 3] > 0 && Math.min(d[i], d[i + 1], d[i + 2]) < 245) n += 1;
        return n;
    };
    const opacity = (sel) => {
        let o = 1;
        for (let e = document.querySelector(sel); e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity);
        return o;
    };
    window.__watch = {frames: 0, blank: 0, faded: 0, lowest_opacity: 1};
    const tick = () => {
        const w = window.__watch;
        if (w.stopped) return;
        const n = ink(net), b = ink(bd), o = Math.min(opacity(net), opacity(bd));
        w.frames += 1;
        if (n < 50 || b < 500) w.blank += 1;
        if (o < 0.95) w.faded += 1;
        w.lowest_opacity = Math.min(w.lowest_opacity, o);
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
}"""


def open_playground(page, app_url: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(app_url + "/pick-the-best-function")
    page.locator(".st-key-train_start button").wait_for()
    page.wait_for_function(f"([a, b]) => ({INK})(a) > 50 && ({INK})(b) > 500", arg=[NETWORK, BOUNDARY])
    wait_for_app(page)


def button(page, key: str):
    """The button of widget ``key`` (a button with help also has a hidden copy for its tooltip)."""
    return page.locator(f".st-key-{key} button").filter(visible=True).first


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def tiles(page, hidden) -> list[int]:
    return page.evaluate(TILES_PER_COLUMN, [NETWORK, len(hidden) + 2, TILE_PX])


def parameters(sizes) -> int:
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def caption_says(page, n_params: int) -> None:
    page.locator(f"text={n_params:,} parameters").first.wait_for()


def test_1280x800_toolbar_network_and_boundary_on_the_first_screen(browser_page, app_url):
    page = browser_page
    open_playground(page, app_url, 1280, 800)
    screenshot(page, "playground_1280x800")
    assert page.evaluate(f"() => document.querySelector('{MAIN}').scrollTop") == 0
    outside = {}
    for name, selector in (("toolbar", ".st-key-train_toolbar"), ("network", NETWORK), ("boundary", BOUNDARY)):
        b = box(page, selector)
        if not (b["y"] >= 0 and b["y"] + b["height"] <= 800 and b["x"] >= 0 and b["x"] + b["width"] <= 1280):
            outside[name] = {k: round(v) for k, v in b.items()}
    assert not outside, f"not inside the 1280 × 800 screen (x, y, width, height in px): {outside}"
    assert page.locator(ERRORS).count() == 0


def test_420x900_start_and_boundary_before_the_prose_and_nothing_overflows(browser_page, app_url):
    page = browser_page
    open_playground(page, app_url, 420, 900)
    expander = page.locator('[data-testid="stExpander"] summary', has_text="Each training step").first
    prose_y = expander.bounding_box()["y"]
    start_y = box(page, ".st-key-train_start button")["y"]
    boundary = box(page, BOUNDARY)
    assert start_y < 900, f"Start is {start_y:.0f} px down, below the first screen"
    assert start_y < boundary["y"] < prose_y, (start_y, boundary["y"], prose_y)
    widths = page.evaluate(f"""() => [document.documentElement.scrollWidth,
                                      document.querySelector('{MAIN}').scrollWidth]""")
    assert max(widths) <= 420, f"wider than the 420 px screen: {widths}"
    screenshot(page, "playground_420x900_top")
    for name, target in (("boundary", page.locator(BOUNDARY)), ("network", page.locator(NETWORK))):
        target.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        screenshot(page, f"playground_420x900_{name}")
    assert page.locator(ERRORS).count() == 0


@pytest.mark.parametrize("width, height", [(1280, 800), (420, 900)])
def test_each_plus_and_minus_sits_over_its_own_layer(browser_page, app_url, width, height):
    """The layers' + and − over the inputs' column, layer k's over layer k's column of the network's canvas
    (on a phone the page reorders the playground's columns; the buttons' row must keep its order)."""
    page = browser_page
    open_playground(page, app_url, width, height)
    sizes = (DEFAULT_SPEC.n_in, *DEFAULT_SPEC.hidden, DEFAULT_SPEC.n_out)
    page.locator(NETWORK).scroll_into_view_if_needed()
    canvas = box(page, NETWORK + " canvas")
    column = canvas["width"] / len(sizes)
    keys = ["net_add_layer", "net_remove_layer"] + [f"net_{kind}_{k}" for k in range(len(sizes) - 2)
                                                    for kind in ("add", "remove")]
    for key in keys:
        b = button(page, key).bounding_box()
        over = int((b["x"] + b["width"] / 2 - canvas["x"]) // column)
        want = 0 if key.endswith("layer") else int(key.rsplit("_", 1)[1]) + 1
        assert over == want, f"{key} is over column {over} of the network, not {want}"
    caption = page.locator(".st-key-train_layers_caption").bounding_box()
    assert int((caption["x"] + caption["width"] / 2 - canvas["x"]) // column) == 0  # "layers", under its pair


def test_plus_on_layer_1_draws_one_more_neuron_there(browser_page, app_url):
    page = browser_page
    open_playground(page, app_url, 1280, 800)
    hidden = DEFAULT_SPEC.hidden
    sizes = (DEFAULT_SPEC.n_in, *hidden, DEFAULT_SPEC.n_out)
    caption_says(page, parameters(sizes))
    assert tiles(page, hidden) == [shown_neurons(n) for n in sizes]
    before = page.evaluate(HASH, NETWORK)
    button(page, "net_add_0").click()
    wider = (hidden[0] + 1, *hidden[1:])
    sizes = (DEFAULT_SPEC.n_in, *wider, DEFAULT_SPEC.n_out)
    caption_says(page, parameters(sizes))
    page.wait_for_function(f"([s, h]) => ({HASH})(s) !== h", arg=[NETWORK, before])
    page.wait_for_function(f"([s, n, t, want]) => JSON.stringify(({TILES_PER_COLUMN})([s, n, t])) === want",
                           arg=[NETWORK, len(wider) + 2, TILE_PX, str([shown_neurons(n) for n in sizes])
                                .replace(" ", "")], timeout=10_000)
    wait_for_app(page)
    screenshot(page, "playground_1280x800_layer1_plus")
    assert page.locator(ERRORS).count() == 0


TOOLTIP = NETWORK + " .dl3-canvas-tip"
EDITOR = NETWORK + " .dl3-canvas-editor"


def first_link_middle(page, sizes) -> tuple[float, float]:
    """Where the link from input 1 to neuron 1 of layer 1 is on the screen: halfway between their centres
    (column c of C at (c + ½)/C of the width; neuron k of n at row (n − 1)/2 − k, ROW_PX apart)."""
    b = box(page, NETWORK + " canvas")
    rows = min(max(sizes), MAX_SHOWN)

    def centre(c, k):
        shown = shown_neurons(sizes[c])
        return (b["x"] + (c + 0.5) * b["width"] / len(sizes),
                b["y"] + (rows / 2 + 0.5 - ((shown - 1) / 2 - k)) * ROW_PX)

    (x0, y0), (x1, y1) = centre(0, 0), centre(1, 0)
    return (x0 + x1) / 2, (y0 + y1) / 2


def tooltip_at(page, x: float, y: float) -> str:
    page.mouse.move(x, y + 30)
    page.mouse.move(x, y)
    page.locator(TOOLTIP).wait_for(state="visible")
    return page.locator(TOOLTIP).inner_text()


def loss_line(page) -> str:
    return page.locator(".st-key-train_curves", has_text="Test loss").first.inner_text()


@pytest.mark.parametrize("width, height", [(1280, 800), (420, 900)])
def test_a_click_on_a_link_sets_its_weight(browser_page, app_url, width, height):
    page = browser_page
    open_playground(page, app_url, width, height)
    sizes = (DEFAULT_SPEC.n_in, *DEFAULT_SPEC.hidden, DEFAULT_SPEC.n_out)
    page.locator(NETWORK).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    x, y = first_link_middle(page, sizes)
    tip = tooltip_at(page, x, y)
    assert "x₁ → layer 1·1" in tip and "Click to change this weight." in tip, tip
    old = tip.split("w = ")[1].split()[0].replace("−", "-")  # the tooltip writes a true minus sign
    loss_before, picture_before = loss_line(page), page.evaluate(HASH, NETWORK)
    page.mouse.click(x, y)
    editor = page.locator(EDITOR)
    editor.wait_for(state="visible")
    assert editor.input_value() == old
    new = "-2.5" if float(old) > 0 else "2.5"
    editor.fill(new)
    screenshot(page, f"playground_{width}x{height}_weight_editor")
    editor.press("Enter")
    assert editor.is_hidden()
    page.wait_for_function(f"([s, h]) => ({HASH})(s) !== h", arg=[NETWORK, picture_before])
    wait_for_app(page)
    shown = f"w = {float(new):.3f}".replace("-", "−")
    assert shown in tooltip_at(page, x, y)
    assert loss_line(page) != loss_before  # the loss of the edited network, reported at once
    screenshot(page, f"playground_{width}x{height}_weight_set")
    # Out of range: refused with a message; the weight stays.
    page.mouse.click(x, y)
    editor.wait_for(state="visible")
    editor.fill("5000")
    editor.press("Enter")
    page.locator('[data-testid="stToast"]', has_text="between −1,000 and 1,000").wait_for()
    wait_for_app(page)
    assert shown in tooltip_at(page, x, y)
    # Escape closes the box and sends nothing.
    page.mouse.click(x, y)
    editor.wait_for(state="visible")
    editor.fill("7")
    editor.press("Escape")
    assert editor.is_hidden()
    page.wait_for_timeout(500)
    assert shown in tooltip_at(page, x, y)
    assert page.locator(ERRORS).count() == 0


def test_hover_on_the_plane_shows_a_point_or_the_networks_value(browser_page, app_url):
    """Over a data point: its set, class and coordinates; elsewhere on the plane: P(class 1) there."""
    page = browser_page
    open_playground(page, app_url, 1280, 800)
    plane, tip = box(page, BOUNDARY + " canvas"), page.locator(BOUNDARY + " .dl3-canvas-tip")
    seen = {}
    for fx in range(40, 240, 7):
        for fy in range(12, 215, 7):
            page.mouse.move(plane["x"] + fx, plane["y"] + fy)
            if tip.is_visible():
                text = tip.inner_text()
                seen["point" if text.startswith("set: ") else "plane"] = text
        if len(seen) == 2:
            break
    point, value = seen.get("point", ""), seen.get("plane", "")
    assert point.split("\n")[:2] in (["set: training", "class: class 0"], ["set: training", "class: class 1"]), seen
    assert "x₁: " in point and "x₂: " in point
    lines = value.split("\n")
    assert lines[0].startswith("x₁: ") and lines[2].startswith("P(class 1): "), seen
    assert 0.0 <= float(lines[2].split(": ")[1]) <= 1.0


def gradient_ratio(region: np.ndarray) -> float:
    """Small steps between neighbouring pixels per large step: the boundary's smooth picture changes colour
    gradually (about 0.75 or more), a coarse picture of flat squares in jumps (about 0.25; the data points'
    edges are large steps in both)."""
    d = np.abs(np.diff(region.astype(np.int16), axis=1)).sum(axis=2)
    return float(((d > 0) & (d < 12)).sum() / max(1, (d >= 12).sum()))


def _frame_checks(png: bytes, net: dict, bd: dict) -> tuple[list[str], np.ndarray]:
    """What is wrong with one frame (an empty list: nothing); the frame as an array."""
    from PIL import Image

    frame = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)
    problems = []
    region = frame[bd["y0"]:bd["y1"], bd["x0"]:bd["x1"]]
    grey = region.mean(axis=2)
    r, g, b = region[..., 0], region[..., 1], region[..., 2]
    # Orange (#f59322) and blue (#0877bd) by hue, so that a frame Streamlit shows faded still counts.
    orange = int(((r > g) & (g > b) & (r - b > 40)).sum())
    blue = int(((b > g) & (g > r) & (b - r > 40)).sum())
    if grey.std() < 15 or orange < 30 or blue < 30:
        problems.append(f"boundary: std {grey.std():.1f}, {orange} orange and {blue} blue pixels")
    half = 5
    for name, (x, y) in net["tiles"].items():
        patch = frame[y - half:y + half, x - half:x + half]
        if patch.size == 0 or (patch.min(axis=2) >= 245).mean() > 0.5:
            problems.append(f"network: the tile of {name} is white")
    return problems, frame


def test_training_frames_are_never_blank(browser_page, app_url):
    page = browser_page
    open_playground(page, app_url, 1280, 800)
    hidden = DEFAULT_SPEC.hidden
    sizes = (DEFAULT_SPEC.n_in, *hidden, DEFAULT_SPEC.n_out)
    page.locator(".st-key-train_start button").click()
    page.locator(".st-key-train_pause button:enabled").wait_for()
    page.wait_for_timeout(600)  # past the full rerun that Start asks for
    # Where the neurons' tiles are on the screen: column c of C at (c + ½)/C of the chart's width,
    # neuron k of n at row (n − 1)/2 − k, rows ROW_PX apart from the top row's centre.
    n_box, b_box = box(page, NETWORK + " canvas"), box(page, BOUNDARY + " canvas")
    rows = min(max(sizes), MAX_SHOWN)
    centres = {}
    for c, n in enumerate(sizes):
        shown = shown_neurons(n)
        for k in range(shown):
            row = (shown - 1) / 2 - k
            centres[f"column {c}, neuron {k + 1}"] = (
                round(n_box["x"] + (c + 0.5) * n_box["width"] / len(sizes)),
                round(n_box["y"] + (rows / 2 + 0.5 - row) * ROW_PX))
    # The boundary's canvas, as far as it is on the screen (its legend may be below the fold).
    bd = {"x0": round(b_box["x"]), "x1": round(b_box["x"] + b_box["width"]),
          "y0": round(b_box["y"]), "y1": round(min(b_box["y"] + b_box["height"], 800))}
    page.evaluate(WATCH_BLANK, [NETWORK, BOUNDARY])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems, hashes, coarse = {}, set(), []
    for i in range(14):
        png = page.screenshot()
        found, frame = _frame_checks(png, {"tiles": centres}, bd)
        (SCREENSHOTS / f"playground_frame_{i:02d}.png").write_bytes(png)
        hashes.add(hash(frame[bd["y0"]:bd["y1"], bd["x0"]:bd["x1"]].tobytes()))
        if gradient_ratio(frame[bd["y0"]:bd["y1"], bd["x0"]:bd["x1"]]) < 0.45:
            coarse.append(i)
        if found:
            problems[i] = found
        page.wait_for_timeout(120)
    watch = page.evaluate("() => { window.__watch.stopped = true; return window.__watch; }")
    # A run is spread over at least 60 ticks (about 7 s): a quick machine may have finished it by now.
    page.evaluate(PAUSE_IF_RUNNING)
    assert not problems, f"blank frames (saved as artifacts/screenshots/playground_frame_NN.png): {problems}"
    assert len(hashes) >= 3, "the boundary must change while training runs"
    assert watch["blank"] == 0, f"a canvas was blank in {watch['blank']} of {watch['frames']} animation frames: {watch}"
    # Each redraw is painted in one pass: never a coarse stand-in for the picture.
    assert not coarse, (f"the boundary showed a coarse stand-in instead of its picture in frames {coarse} of 14 "
                        "(artifacts/screenshots/playground_frame_NN.png)")
    # Not blank, but faded: said, not failed (it depends on the machine's load).
    if watch["faded"]:
        warnings.warn(f"Streamlit showed the network or the boundary faded (stale, opacity down to "
                      f"{watch['lowest_opacity']:.2f}) in {watch['faded']} of {watch['frames']} animation frames",
                      stacklevel=1)
    assert page.locator(ERRORS).count() == 0


def test_digits_warn_and_the_preset_makes_the_network_64_32(browser_page, app_url):
    page = browser_page
    open_playground(page, app_url, 1280, 800)
    page.locator(".st-key-step3_dataset input").click()
    page.get_by_role("option", name="16×16 digits").click()
    preset = page.locator(".st-key-train_digits_preset button")
    preset.wait_for(timeout=60_000)
    assert "Use the digits preset" in preset.inner_text()
    assert page.locator('[data-testid="stAlertContentWarning"]').count() >= 1
    wait_for_app(page)
    screenshot(page, "playground_1280x800_digits_warning")
    preset.click()
    hidden = DIGITS_PRESET["hidden"]
    assert hidden == (64, 32)
    sizes = (256, *hidden, 10)
    caption_says(page, parameters(sizes))
    page.locator(".st-key-train_digits_preset").wait_for(state="detached")
    # The digits' inputs have no pictures; every other column shows its first MAX_SHOWN neurons.
    want = [0] + [shown_neurons(n) for n in sizes[1:]]
    page.wait_for_function(f"([s, n, t, want]) => JSON.stringify(({TILES_PER_COLUMN})([s, n, t])) === want",
                           arg=[NETWORK, len(sizes), TILE_PX, str(want).replace(" ", "")], timeout=20_000)
    wait_for_app(page)
    screenshot(page, "playground_1280x800_digits_preset")
    assert page.locator(ERRORS).count() == 0
