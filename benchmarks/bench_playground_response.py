"""Step 3's playground: the time from a control change to the updated picture (issue 12: p95 ≤ 300 ms on a
quiet 2-core machine), and the network's redraws a second while training runs (issue 12: at least 8).

Starts ``streamlit run app.py`` (or uses ``--url``), opens Step 3 in headless Chromium (/usr/bin/chromium)
and changes, ``--repeats`` times each (default 20), one control at a time, with training paused:

* the learning rate η (the toolbar's selectbox, 1 ↔ 0.3): watched is the text of the opened expander
  "Each training step", whose rule writes out η = …, drawn by the rerun;
* one neuron more, then one fewer, in layer 1 (the + and − above the network, ``net_add_0`` and
  ``net_remove_0``): watched are the pixels of the network's canvas;
* one weight (a click on the link x₁ → layer 1·1 opens its box; 2 or −2, then Enter): watched are the
  pixels of the network's canvas;
* "Discretize output": watched are the pixels of the decision boundary's canvas.

The page times itself, so Playwright's own delays do not count: the clock starts at the click's
``pointerup`` (for the weight, at the Enter that sends it) and a ``requestAnimationFrame`` loop reads the
watched text, or hashes the canvas's pixels, on every frame. "first" is the first frame that differs from
before the change (and is not blank); "settled" the last frame that changed before 400 ms passed without a
change. Frames where the watched canvas was missing or blank are counted too: there should be none.

Then it trains ``--rounds`` times (default 3: Reset, Start, watch for ``--seconds`` or until the run ends) and
watches both canvases on every animation frame: new frames a second (frames whose pixels differ from the
frame before: a redraw the student sees), paints a second (the canvas's own redraws), blank frames, and
frames where Streamlit showed the picture faded (an element that a slow rerun left stale fades to 33 %
opacity after 0.5 s). The page's timer asks for 1 / TICK_S (ui/fragments.py) redraws a second.

Run:  python -m benchmarks.bench_playground_response [--repeats 20] [--rounds 3]   (from the repository root)
It needs Chromium and takes two to four minutes. The browser, the server and the training share the
machine's cores; the load average is printed with every table: above half the core count, every time
is inflated by other work.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time

from benchmarks import _setup  # must come first: pins BLAS threads before numpy loads

# isort: split
from benchmarks.bench_live_redraws import timer_rate
from benchmarks.load_test import CHROMIUM, CHROMIUM_ARGS, start_server

TARGET_MS = 300.0
TARGET_REDRAWS = 8.0
SETTLE_MS = 400
# Pause, unless the run has ended: one step in the page, as a check and then a click could straddle its end.
PAUSE_IF_RUNNING = """() => {
    const b = document.querySelector('.st-key-train_pause button');
    if (b && !b.disabled) b.click();
}"""
NETWORK = ".st-key-train_network_view"  # the network's own canvas (ui/components/playground_canvas)
BOUNDARY = ".st-key-train_plane_view"  # the output over the plane, on its own canvas too
EDITOR = NETWORK + " .dl3-canvas-editor"  # the box a click on a link opens for its weight
RULE = "Each training step"  # the expander whose text is watched (found by its title)

# Before any page script: the click clock, and per canvas the renders Vega makes (it clears the canvas,
# then draws each image mark with drawImage; a render that drew no image shows only the coarse preview).
INSTRUMENT = """
    window.__t0 = null;
    document.addEventListener('pointerup', () => { window.__t0 = performance.now(); }, true);
    // The websocket's traffic after the click: when the browser sent the change, what came back and when.
    window.__sent = null;
    window.__msgs = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (...args) {
        if (window.__t0 !== null && window.__sent === null) window.__sent = performance.now();
        return send.apply(this, args);
    };
    const note = (ev) => {
        if (window.__t0 === null) return;
        const d = ev.data;
        window.__msgs.push([performance.now(), d ? (d.byteLength ?? d.size ?? d.length ?? 0) : 0]);
    };
    const listen = WebSocket.prototype.addEventListener;
    WebSocket.prototype.addEventListener = function (type, fn, ...rest) {
        if (type === 'message') listen.call(this, 'message', note);
        return listen.call(this, type, fn, ...rest);
    };
    const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
    Object.defineProperty(WebSocket.prototype, 'onmessage', {
        configurable: true, get() { return onmessage.get.call(this); },
        set(fn) { onmessage.set.call(this, fn && function (ev) { note(ev); return fn.call(this, ev); }); },
    });
    // Paints per canvas: the playground's canvases clear themselves once at the start of every paint.
    window.__renders = new WeakMap();
    const clear = CanvasRenderingContext2D.prototype.clearRect;
    CanvasRenderingContext2D.prototype.clearRect = function (...args) {
        window.__renders.set(this.canvas, (window.__renders.get(this.canvas) || 0) + 1);
        return clear.apply(this, args);
    };
    // A weight is sent by the Enter in its box: that starts the clock too.
    document.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') window.__t0 = performance.now(); },
                              true);
    // What a canvas shows now: a hash of every 4th pixel, and how many of those carry ink (drawn, darker
    // than near-white). Every 4th, not all: this runs on every animation frame, on the page's own main
    // thread, and the measurement should not slow what it measures.
    window.__canvas = (sel) => {
        const c = document.querySelector(sel + ' canvas');
        if (!c || c.width === 0 || c.getBoundingClientRect().width === 0) return {hash: 0, ink: 0, el: null};
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let h = 0, ink = 0;
        for (let i = 0; i < d.length; i += 16) {
            h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2] + 17 * d[i + 3]) | 0;
            if (d[i + 3] > 0 && Math.min(d[i], d[i + 1], d[i + 2]) < 245) ink += 1;
        }
        return {hash: h, ink: ink, el: c};
    };
"""

# Arm a watcher on every animation frame before the click; it reports in window.__probe.
ARM = """([kind, sel, settle, timeout]) => {
    const MIN_INK = 50;  // sampled pixels with ink (every 4th pixel: window.__canvas)
    const expander = () => [...document.querySelectorAll('[data-testid="stExpander"]')]
        .find(e => (e.querySelector('summary')?.innerText || '').includes(sel));
    const read = kind === 'text'
        ? () => { const e = expander(); return {key: e ? e.innerText : null, blank: !e}; }
        : () => { const c = window.__canvas(sel); return {key: c.hash, blank: c.ink < MIN_INK}; };
    let base = read().key;
    const p = window.__probe = {done: false, first: null, last: null, frames: 0, blank: 0, timedOut: false};
    window.__t0 = null;
    window.__sent = null;
    window.__msgs = [];
    const armed = performance.now();
    let previous = base;
    const tick = () => {
        const now = performance.now(), v = read();
        p.frames += 1;
        if (v.blank) p.blank += 1;
        else if (window.__t0 === null) base = previous = v.key;  // a late change from before the click
        else if (v.key !== previous) {
            if (p.first === null && v.key !== base) {
                p.first = now - window.__t0;
                p.sent = window.__sent === null ? null : window.__sent - window.__t0;
                const got = window.__msgs.filter(([t]) => t <= now);
                p.messages = got.length;
                p.kib = got.reduce((a, [, b]) => a + b, 0) / 1024;
                p.lastMessage = got.length ? got[got.length - 1][0] - window.__t0 : null;
            }
            p.last = now - window.__t0;
            previous = v.key;
        }
        const quiet = p.first !== null && now - window.__t0 - p.last > settle;
        if (quiet || now - armed > timeout) { p.timedOut = !quiet; p.done = true; return; }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
}"""

# Watch the network (and the boundary) while training runs, for `ms` milliseconds.
WATCH_TRAINING = """async ([ms, net, bd]) => {
    const renders = (sel) => {
        const c = document.querySelector(sel + ' canvas');
        return (c && window.__renders.get(c)) || 0;
    };
    const before = {net: renders(net), bd: renders(bd)};
    const out = {frames: 0, netHashChanges: 0, bdHashChanges: 0, netBlank: 0, bdBlank: 0, netFaded: 0, bdFaded: 0,
                 replaced: 0};
    const faded = (sel) => {  // Streamlit fades an element that a slow rerun left stale (to 33 % opacity)
        let o = 1;
        for (let e = document.querySelector(sel); e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity);
        return o < 0.95;
    };
    let lastHash = null, lastEl = null, lastBd = null;
    const t0 = performance.now();
    await new Promise((resolve) => {
        const tick = () => {
            const n = window.__canvas(net), b = window.__canvas(bd);
            out.frames += 1;
            if (n.ink < 50) out.netBlank += 1;  // sampled pixels with ink (every 4th pixel: window.__canvas)
            if (b.ink < 50) out.bdBlank += 1;
            if (faded(net)) out.netFaded += 1;
            if (faded(bd)) out.bdFaded += 1;
            if (lastHash !== null && n.hash !== lastHash) out.netHashChanges += 1;
            if (lastBd !== null && b.hash !== lastBd) out.bdHashChanges += 1;
            lastBd = b.hash;
            if (lastEl !== null && n.el !== lastEl) out.replaced += 1;
            lastHash = n.hash; lastEl = n.el;
            // The run may end first (a toy run is spread over about 60 ticks): then Pause turns disabled.
            const pause = document.querySelector('.st-key-train_pause button');
            out.ended = !pause || pause.disabled;
            if (performance.now() - t0 >= ms || out.ended) resolve(); else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
    });
    out.seconds = (performance.now() - t0) / 1000;
    out.net_renders = renders(net) - before.net;
    out.bd_renders = renders(bd) - before.bd;
    return out;
}"""

IDLE = """() => {
    const s = document.querySelector('[data-testid="stStatusWidget"]');
    return !s || !s.innerText.includes('Running');
}"""


def load() -> str:
    try:
        return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 20 values: the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def button(page, key: str):
    """The button of widget ``key`` (a button with help also has a hidden copy for its tooltip)."""
    return page.locator(f".st-key-{key} button").filter(visible=True).first


def measure(page, kind: str, selector: str, act, timeout_ms: int = 15_000) -> dict:
    """Arm the watcher, act (one click), wait until the watched thing has settled; the page's own figures."""
    page.wait_for_function(IDLE)
    page.wait_for_timeout(150)
    page.evaluate(ARM, [kind, selector, SETTLE_MS, timeout_ms])
    act()
    page.wait_for_function("() => window.__probe.done", timeout=timeout_ms + 5_000)
    return page.evaluate("() => window.__probe")


def first_link(page) -> tuple[float, float]:
    """Where the link x₁ → layer 1·1 of the default 2 → 4 → 4 → 2 network is on the screen: halfway between
    the two neurons' centres (column c of C at (c + ½)/C of the width, neuron k of n at row (n − 1)/2 − k,
    ROW_PX apart: ui/views/playground_network)."""
    from ui.views.playground_network import ROW_PX

    b = page.locator(NETWORK + " canvas").bounding_box()
    sizes, rows = (2, 4, 4, 2), 4
    xs = [b["x"] + (c + 0.5) * b["width"] / len(sizes) for c in (0, 1)]
    ys = [b["y"] + (rows / 2 + 0.5 - ((sizes[c] - 1) / 2)) * ROW_PX for c in (0, 1)]
    return sum(xs) / 2, sum(ys) / 2


def set_weight(page, value: str):
    """Open the box of the link x₁ → layer 1·1 and type ``value``; the Enter that sends it (the change)."""
    x, y = first_link(page)
    page.mouse.click(x, y)
    editor = page.locator(EDITOR)
    editor.wait_for(state="visible")
    editor.fill(value)
    return lambda: editor.press("Enter")


def set_rate(page, label: str):
    """Open the learning-rate list; the option ``label`` (its click is the change)."""
    page.locator(".st-key-step3_learning_rate input").click()
    option = page.get_by_role("option", name=label, exact=True)
    option.wait_for()
    return option


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="changes per control (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="training runs watched (default 3)")
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="seconds of training watched (default 5: a toy run lasts at least 60 ticks, about 7 s)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1100, help="tall enough that no control needs scrolling")
    parser.add_argument("--url", help="an app that is already running")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    print(_setup.load_note())
    print(f"{load()} (1, 5, 15 min) at the start")
    proc, url = (None, args.url) if args.url else start_server(log_prefix="bench_playground_")
    samples: dict[str, list[dict]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.add_init_script(INSTRUMENT)
            page.set_default_timeout(90_000)
            page.goto(url + "/pick-the-best-function")
            page.locator(".st-key-train_start button").wait_for()
            page.wait_for_function("([a, b]) => window.__canvas(a).ink > 200 && window.__canvas(b).ink > 200",
                                   arg=[NETWORK, BOUNDARY])
            page.get_by_text(RULE).first.click()  # open the expander whose rule shows η
            page.locator('[data-testid="stExpanderDetails"]', has_text="Which loss").first.wait_for()
            page.wait_for_function(IDLE)
            page.wait_for_timeout(1000)
            print(f"Step 3 open at {args.width}×{args.height}; {args.repeats} changes per control\n")

            rows = [("η 1 ↔ 0.3 (rule text)", "rate"), ("neuron + (net_add_0)", "add"),
                    ("neuron − (net_remove_0)", "remove"), ("one weight (2 ↔ −2)", "weight"),
                    ("Discretize output", "discretize")]
            for _, name in rows:
                samples[name] = []
            t_section = time.time()
            for i in range(args.repeats):
                option = set_rate(page, "0.3" if i % 2 == 0 else "1")
                samples["rate"].append(measure(page, "text", RULE, option.click))
            print(f"η done in {time.time() - t_section:.0f} s; {load()}")
            t_section = time.time()
            for _ in range(args.repeats):
                samples["add"].append(measure(page, "canvas", NETWORK, button(page, "net_add_0").click))
                samples["remove"].append(measure(page, "canvas", NETWORK, button(page, "net_remove_0").click))
            print(f"neurons done in {time.time() - t_section:.0f} s; {load()}")
            t_section = time.time()
            for i in range(args.repeats):
                page.wait_for_function(IDLE)
                samples["weight"].append(measure(page, "canvas", NETWORK, set_weight(page, "2" if i % 2 else "-2")))
            print(f"weights done in {time.time() - t_section:.0f} s; {load()}")
            t_section = time.time()
            discretize = page.locator(".st-key-step3_discretize label")
            for _ in range(args.repeats):
                samples["discretize"].append(measure(page, "canvas", BOUNDARY, discretize.click))
            print(f"Discretize done in {time.time() - t_section:.0f} s; {load()}\n")

            print(f"{'control':<26} {'n':>3} {'first ms':>9} {'p95':>6} {'max':>6} "
                  f"{'settled ms':>10} {'p95':>6} {'blank':>5} {'missed':>6}  p95 ≤ {TARGET_MS:.0f} ms")
            for label, name in rows:
                got = [s for s in samples[name] if s["first"] is not None]
                firsts, settled = [s["first"] for s in got], [s["last"] for s in got]
                missed = len(samples[name]) - len(got)
                blank = sum(s["blank"] for s in samples[name])
                if not got:
                    print(f"{label:<26} {0:>3}  no change seen in {missed} tries")
                    continue
                p95 = percentile(firsts, 0.95)
                print(f"{label:<26} {len(got):>3} {statistics.median(firsts):9.0f} {p95:6.0f} {max(firsts):6.0f} "
                      f"{statistics.median(settled):10.0f} {percentile(settled, 0.95):6.0f} {blank:>5} {missed:>6}  "
                      f"{'yes' if p95 <= TARGET_MS else 'NO'}")
            print("(first: click → first changed frame; settled: → last change; blank: frames with the watched "
                  "canvas missing or blank; missed: no change within 15 s)")
            print("\nWhere the time goes (medians, ms after the click): the browser sends the change; the "
                  "server's messages arrive;\nthe page draws (first changed frame − last message before it).")
            print(f"{'control':<26} {'sent':>6} {'last msg':>8} {'drawn':>6} {'messages':>8} {'KiB':>6}")
            for label, name in rows:
                got = [s for s in samples[name] if s["first"] is not None and s.get("lastMessage") is not None]
                if not got:
                    continue

                def med(values):
                    values = [v for v in values if v is not None]
                    return statistics.median(values) if values else float("nan")

                print(f"{label:<26} {med(s['sent'] for s in got):6.0f} {med(s['lastMessage'] for s in got):8.0f} "
                      f"{med(s['first'] - s['lastMessage'] for s in got):6.0f} "
                      f"{med(s['messages'] for s in got):8.0f} {med(s['kib'] for s in got):6.0f}")
            print(load())

            # Live training with the diagram on screen: each round from θ⁰ to the end of the run, or --seconds.
            watched = []
            for _ in range(args.rounds):
                page.evaluate(PAUSE_IF_RUNNING)
                page.wait_for_function(IDLE)
                button(page, "train_reset").click()
                page.wait_for_function(IDLE)
                page.locator(".st-key-train_start button").click()
                page.locator(".st-key-train_pause button:enabled").wait_for()
                page.wait_for_timeout(1000)  # past the full rerun that Start asks for
                watched.append(page.evaluate(WATCH_TRAINING, [args.seconds * 1000, NETWORK, BOUNDARY]))
            page.evaluate(PAUSE_IF_RUNNING)
            browser.close()
    finally:
        if proc is not None:
            proc.terminate()
    print(f"\nWhile training ({len(watched)} runs watched; the timer asks for {timer_rate():.1f} redraws/s):")
    print(f"{'run':<4} {'seconds':>7} {'frames/s':>8}  {'network: new frames/s':>21} {'paints/s':>8} {'blank':>5} "
          f"{'faded':>5}  {'boundary: new frames/s':>22} {'paints/s':>8} {'blank':>5} {'faded':>5}  replaced")
    for i, w in enumerate(watched):
        s = w["seconds"]
        print(f"{i + 1:<4} {s:7.1f} {w['frames'] / s:8.0f}  {w['netHashChanges'] / s:21.1f} "
              f"{w['net_renders'] / s:8.1f} "
              f"{w['netBlank']:>5} {w['netFaded']:>5}  {w['bdHashChanges'] / s:22.1f} {w['bd_renders'] / s:8.1f} "
              f"{w['bdBlank']:>5} {w['bdFaded']:>5}  {w['replaced']:>8}")
    seconds = sum(w["seconds"] for w in watched)
    rates = [w["netHashChanges"] / w["seconds"] for w in watched]
    rate = sum(w["netHashChanges"] for w in watched) / seconds
    print("(new frames: animation frames whose pixels differ from the frame before, a redraw the student sees; "
          "paints: the canvas's own redraws; blank: frames without the picture; faded: frames where Streamlit "
          "showed the picture stale, at reduced opacity; replaced: times the network's canvas element changed)")
    print(f"network redraws ≥ {TARGET_REDRAWS:g}/s: {'yes' if min(rates) >= TARGET_REDRAWS else 'NO'} "
          f"({rate:.1f}/s over {seconds:.0f} s; the slowest run {min(rates):.1f}/s)")
    print(f"{load()} (1, 5, 15 min) at the end")
    print(_setup.load_note())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
