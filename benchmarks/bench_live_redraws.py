"""How often Step 3's live charts redraw while training runs (issue 3: at least 5 times a second).

Starts ``streamlit run app.py`` (or uses ``--url``), opens Step 3 in headless Chromium
(/usr/bin/chromium), presses Start and watches the three live charts (the playground) for ``--seconds``:

* the loss curves (an SVG): a redraw is a change of the train loss line;
* the network with its neuron pictures and the output over the plane (the playground's own canvases): a
  redraw is an animation frame whose pixels differ from the frame before.

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

# Watch the live views for `ms` milliseconds: {chart: redraws}. The curves (an SVG) count when the train
# loss line changes; the network and the output over the plane (the playground's own canvases) when their
# pixels differ from the frame before (a hash of every 4th pixel, once per animation frame): a redraw the
# student sees.
WATCH = """async (ms) => {
    const hash = (sel) => {
        const c = document.querySelector(sel + ' canvas');
        if (!c || c.width === 0) return null;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let h = 0;
        for (let i = 0; i < d.length; i += 16) h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) | 0;
        return h;
    };
    const line = () => {
        for (const path of document.querySelectorAll('svg.marks g.mark-line path')) {
            const label = path.getAttribute('aria-label') || '';
            if (label.includes('loss') && label.includes('set: train')) return path.getAttribute('d');
        }
        return null;
    };
    const views = {curves: line, boundary: () => hash('.st-key-train_plane_view'),
                   neurons: () => hash('.st-key-train_network_view')};
    const last = {}, out = {};
    for (const k in views) { last[k] = views[k](); out[k] = 0; }
    const t0 = performance.now();
    await new Promise((resolve) => {
        const tick = () => {
            for (const k in views) {
                const now = views[k]();
                if (now !== null && last[k] !== null && now !== last[k]) out[k] += 1;
                last[k] = now ?? last[k];
            }
            if (performance.now() - t0 >= ms) resolve(); else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
    });
    return out;
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
