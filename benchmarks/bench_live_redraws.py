"""How often Step 3's live charts redraw while training runs (issue 3: at least 5 times a second).

Starts ``streamlit run app.py`` (or uses ``--url``), opens Step 3 in headless Chromium
(/usr/bin/chromium), presses Start and watches the three live charts (the playground) for ``--seconds``:

* the loss curves (an SVG): a redraw is a change of the train loss line (looked at every 20 ms);
* the network with its neuron pictures and the decision boundary (canvases): a redraw is a render by Vega that
  draws different pictures from the render before (counted where Vega draws its images).

The
reference, in the same run, is the page's own timer (``TICK_S`` in ui/fragments.py):
the fastest the page asks for. Printed per round and chart: redraws per second and the ratio to
the timer's rate; then how long the last growth of the loss curve came after Pause.
The rounds run one after another on the same server (Reset, Start, watch, Pause).

Run:  python -m benchmarks.bench_live_redraws [--rounds 3] [--seconds 5]   (from the repository root)
It needs Chromium and takes about half a minute. Figures from a machine where the browser and
the server share two cores are lower bounds: a student's browser has a CPU of its own.
"""

from __future__ import annotations

import argparse
import re
import statistics

from benchmarks import _setup  # must come first: pins BLAS threads before numpy loads

# isort: split
from benchmarks.load_test import CHROMIUM, CHROMIUM_ARGS, start_server

# Counts, per canvas, the renders that drew different pictures from the render before. Vega's
# canvas renderer clears the canvas, then draws each image mark with drawImage.
COUNT_PICTURE_CHANGES = """
    window.__changes = new WeakMap();
    const state = new WeakMap();
    const finish = (canvas) => {
        const s = state.get(canvas);
        if (!s || s.drawn.length === 0) return;
        const signature = s.drawn.join('|');
        if (signature !== s.last) window.__changes.set(canvas, (window.__changes.get(canvas) || 0) + 1);
        s.last = signature;
        s.drawn = [];
    };
    const clear = CanvasRenderingContext2D.prototype.clearRect;
    CanvasRenderingContext2D.prototype.clearRect = function (...args) {
        if (!state.has(this.canvas)) state.set(this.canvas, {drawn: [], last: null});
        finish(this.canvas);
        return clear.apply(this, args);
    };
    const draw = CanvasRenderingContext2D.prototype.drawImage;
    CanvasRenderingContext2D.prototype.drawImage = function (image, ...args) {
        const s = state.get(this.canvas);
        if (s && image && image.src) s.drawn.push(image.src);
        return draw.call(this, image, ...args);
    };
"""

# Watch the live charts for `ms` milliseconds: {chart: redraws}. The curves (an SVG) count when
# the train loss line changes (looked at every 20 ms); the canvases count new pictures drawn.
WATCH = """async (ms) => {
    const canvases = () => [...document.querySelectorAll('canvas.marks')]
        .filter(c => c.getBoundingClientRect().width > 0);
    const renders = () => canvases().map(c => window.__changes.get(c) || 0);
    const line = () => {
        for (const path of document.querySelectorAll('svg.marks g.mark-line path')) {
            const label = path.getAttribute('aria-label') || '';
            if (label.includes('loss') && label.includes('set: train')) return path.getAttribute('d');
        }
        return null;
    };
    const before = renders();
    let last = line(), curves = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
        await new Promise(r => setTimeout(r, 20));
        const now = line();
        if (now !== null && last !== null && now !== last) curves += 1;
        last = now ?? last;
    }
    const after = renders();
    return {curves: curves, boundary: after[0] - before[0], neurons: after[1] - before[1]};
}"""

# After Pause: ms from the click to the last change of the loss curve, watched for 1.5 s.
AFTER_PAUSE = """async () => {
    const points = () => {
        for (const path of document.querySelectorAll('svg.marks g.mark-line path')) {
            const label = path.getAttribute('aria-label') || '';
            if (label.includes('loss') && label.includes('set: train')) return path.getAttribute('d');
        }
        return null;
    };
    let last = points(), lastChange = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1500) {
        await new Promise(r => setTimeout(r, 10));
        const now = points();
        if (now !== last) { lastChange = performance.now() - t0; last = now; }
    }
    return lastChange;
}"""


def timer_rate() -> float:
    """Redraws per second that the page's timer asks for (1 / TICK_S), read from ui/fragments.py."""
    source = (_setup.ROOT / "ui" / "fragments.py").read_text()
    return 1.0 / float(re.search(r"^TICK_S = ([0-9.]+)", source, re.M).group(1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--url", help="an app that is already running")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    print(_setup.load_note())
    proc, url = (None, args.url) if args.url else start_server()
    ceiling = timer_rate()
    rates = {"curves": [], "boundary": [], "neurons": []}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.add_init_script(COUNT_PICTURE_CHANGES)
            page.set_default_timeout(60_000)
            page.goto(url + "/pick-the-best-function")
            page.get_by_role("button", name="Start", exact=True).wait_for()
            page.wait_for_timeout(1500)
            print(f"timer: {ceiling:.1f} redraws/s asked for; watching {args.seconds:g} s per round\n")
            print(f"{'round':>5}  {'chart':<9} {'redraws/s':>9}  {'× timer':>7}")
            for r in range(1, args.rounds + 1):
                page.get_by_role("button", name="Reset", exact=True).click()
                page.get_by_role("button", name="Start", exact=True).click()
                page.wait_for_timeout(800)  # past the first redraw, which switches the curves from dots to lines
                changes = page.evaluate(WATCH, args.seconds * 1000)
                page.get_by_role("button", name="Pause", exact=True).click()
                after = page.evaluate(AFTER_PAUSE)
                for chart, n in changes.items():
                    rate = n / args.seconds
                    rates[chart].append(rate)
                    print(f"{r:>5}  {chart:<9} {rate:9.1f}  {rate / ceiling:7.2f}")
                print(f"{r:>5}  last loss-curve change {after:.0f} ms after Pause\n")
                page.wait_for_timeout(500)
            browser.close()
    finally:
        if proc is not None:
            proc.terminate()
    print("median over rounds: " + ", ".join(f"{k} {statistics.median(v):.1f}/s" for k, v in rates.items()))
    print(_setup.load_note())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
