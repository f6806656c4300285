"""What one Step 3 training tick costs the server, measured right beside the idle rate it is compared with.

Starts ``streamlit run app.py`` (benchmarks.load_test.start_server), opens Step 3 in headless Chromium
and, ``--runs`` times: reads the server's CPU (/proc/PID/stat, every thread) for ``--idle`` seconds on the
idle page, then presses Start and reads it for ``--seconds`` seconds of training, then Pause and Reset.
The ticks are counted from the epoch counter: the default toy run (gradient descent, 500 epochs) takes
the same number of steps in every tick (services.training.TICKS_PER_RUN spreads it over 60 ticks).

    ms per tick = (CPU ms a second while training − CPU ms a second idle) / ticks a second

Each run measures its own idle rate just before, so the memory thread's collection every 10 s and
the file watcher fall on both sides. benchmarks.capacity measures the other interactions.

Run:  python -m benchmarks.tick_cost [--runs 3]   (from the repository root; about a minute)
"""

from __future__ import annotations

from benchmarks import _setup  # noqa: F401  (first: BLAS threads before NumPy loads)

# isort: split

import argparse
import statistics
import time

from benchmarks.bench_playground_response import PAUSE_IF_RUNNING
from benchmarks.capacity import cpu_ms
from benchmarks.load_test import CHROMIUM, CHROMIUM_ARGS, start_server
from services import training as tr
from ui import state

EPOCH = """() => parseFloat(document.querySelector('.st-key-train_epoch').innerText
    .match(/[0-9][0-9,]*(\\.[0-9]+)?/)[0].replace(/,/g, ''))"""


def epochs_per_tick() -> float:
    """The default run's epochs per tick: its quota of steps (TrainingRun.run_slice) over steps per epoch."""
    settings = tr.settings_from_state(state.DEFAULTS)
    run = tr.TrainingRun(settings, tr.load_data(*settings.data_key()))
    quota = max(1, settings.epochs * run.steps_per_epoch // tr.TICKS_PER_RUN)
    return quota / run.steps_per_epoch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of the idle page per run")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds of training per run (a run: ~7 s)")
    args = parser.parse_args()
    per_tick = epochs_per_tick()
    from playwright.sync_api import sync_playwright

    proc, url = start_server()
    costs = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.goto(url + "/pick-the-best-function")
            page.locator(".st-key-train_start button").wait_for()
            time.sleep(4)
            for _ in range(args.runs):
                c0, t0 = cpu_ms(proc.pid), time.perf_counter()
                time.sleep(args.idle)
                idle = (cpu_ms(proc.pid) - c0) / (time.perf_counter() - t0)
                page.locator(".st-key-train_start button").click()
                time.sleep(1.0)  # past Start's full rerun
                c0, t0, e0 = cpu_ms(proc.pid), time.perf_counter(), page.evaluate(EPOCH)
                time.sleep(args.seconds)
                c1, t1, e1 = cpu_ms(proc.pid), time.perf_counter(), page.evaluate(EPOCH)
                busy = (c1 - c0) / (t1 - t0)
                ticks = (e1 - e0) / per_tick / (t1 - t0)
                cost = (busy - idle) / ticks if ticks > 0 else float("nan")
                costs.append(cost)
                print(f"idle {idle:.0f} ms/s, training {busy:.0f} ms/s at {ticks:.1f} ticks/s: {cost:.0f} ms a tick, "
                      f"{(busy - idle) / 1000:.2f} of a core while this student trains")
                page.evaluate(PAUSE_IF_RUNNING)
                time.sleep(1.0)
                page.locator(".st-key-train_reset button").first.click()
                time.sleep(2.0)
            browser.close()
    finally:
        proc.terminate()
    print(f"median {statistics.median(costs):.0f} ms of server CPU a tick ({args.runs} runs)")
    print(_setup.load_note())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
