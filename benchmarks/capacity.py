"""What one student costs the server: CPU milliseconds per interaction and memory per session.

Starts ``streamlit run app.py`` (as benchmarks.load_test does), drives it with headless Chromium,
and reads the cost from the server process itself:

* CPU: utime + stime of the server's process (/proc/PID/stat, all its threads), before and after each
  interaction, minus what the idle server burns in the same time (measured over 12 s once the app is
  warm). Each interaction is repeated and the median is reported; the server's script runs are
  counted from the WebSocket (each run, whole page or fragment, ends with ``script_finished``).
  - a digit prediction: one digit drawn on "Draw a digit" (its strokes; each mouse-up sends the
    drawing and reruns the page), until the Prediction is shown and the page is idle;
  - a Step 3 training tick: Start, then the server's CPU between the first and the ``--ticks``-th next
    run of the live fragment (read as each run's end arrives), so Start and Pause are left out; a tick
    trains for up to 0.05 s and redraws the live views. A second of live training costs a tick times
    the rate the page asks for (ui/fragments.TICK_S), at most a whole core;
  - a page switch: a click in the app's menu, round the pages, until the new page is idle.
* Memory: the server's resident memory (VmRSS) before and after ``--sessions`` more sessions opened
  and kept open, each having visited the digits page, drawn a digit and trained briefly on Step 3.

From these it prints how many students one core serves at a stated rate of interaction (per student
and minute: ``--predictions``, ``--switches`` and ``--train-seconds-per-minute`` of live training),
at 100% of the core and at the 60% an autoscaler aims for.

Run:  python -m benchmarks.capacity [--repeat 5] [--sessions 4]   (from the repository root; ~2 min)
It is a script, not a test, and needs Chromium.
"""

from benchmarks import _setup  # noqa: F401  (first: BLAS threads before NumPy loads)

# isort: split

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.load_test import CANVAS, CHROMIUM, CHROMIUM_ARGS, PREDICTION, draw, proc_kib, start_server, wait_idle
from ui.fragments import TICK_S  # the rate Step 3's live view asks for a tick at

TIMEOUT_MS = 180_000
TICK = os.sysconf("SC_CLK_TCK")
MENU = ["Step 1 · Define the network", "Step 2 · Goodness of a function", "Step 3 · Pick the best function",
        "Draw a digit", "Deep or fat?", "Home"]


def cpu_ms(pid: int) -> float:
    """The process's CPU time so far (user + system, every thread), in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK   # utime, stime: fields 14 and 15


class Runs:
    """Counts the server's script runs seen by one page: whole-page runs and fragment runs (ticks)."""

    def __init__(self, page, pid: int):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.ForwardMsg, self.pid, self.full, self.fragment = ForwardMsg, pid, 0, 0
        self.ticks: list[tuple[float, float]] = []   # (time, server CPU ms) as each fragment run ended
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload):
        if isinstance(payload, str):
            return
        try:
            msg = self.ForwardMsg.FromString(payload)
        except Exception:   # not one ForwardMsg: not counted
            return
        if msg.WhichOneof("type") == "script_finished":
            if msg.script_finished == self.ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                self.fragment += 1
                self.ticks.append((time.perf_counter(), cpu_ms(self.pid)))
            elif msg.script_finished == self.ForwardMsg.FINISHED_SUCCESSFULLY:
                self.full += 1


class Meter:
    """CPU of the server across one interaction, less the idle rate."""

    def __init__(self, pid: int, idle_ms_per_s: float):
        self.pid, self.idle = pid, idle_ms_per_s

    async def settle(self, seconds: float = 0.6):
        await asyncio.sleep(seconds)   # the last run's tail (messages, garbage) counts in its own interaction

    def start(self):
        self.t0, self.c0 = time.perf_counter(), cpu_ms(self.pid)

    def stop(self) -> float:
        wall = time.perf_counter() - self.t0
        return max(0.0, cpu_ms(self.pid) - self.c0 - self.idle * wall)


async def click_menu(page, name: str):
    await page.get_by_role("link", name=name).first.click()
    await wait_idle(page)


async def measure(url: str, pid: int, repeat: int, ticks: int, sessions: int) -> dict:
    from playwright.async_api import async_playwright

    out: dict = {}
    meter = Meter(pid, 0.0)  # its idle rate is measured once the app is warm (below)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx = await browser.new_context(viewport={"width": 1280, "height": 1100})
        page = await ctx.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        runs = Runs(page, pid)
        await page.goto(url)
        await page.wait_for_selector('.st-key-app_menu >> text=Draw a digit')
        await wait_idle(page)

        # Page switches, round the menu (the first round warms every page up and is not counted).
        for name in MENU:
            await click_menu(page, name)
        # The idle rate, with the app imported and a page open: over 12 s, more than one period of the
        # memory thread (services/memory.py collects and trims every 10 s), so its share is counted in.
        t0, c0 = time.perf_counter(), cpu_ms(pid)
        await asyncio.sleep(12)
        idle = meter.idle = (cpu_ms(pid) - c0) / (time.perf_counter() - t0)
        out["idle_ms_per_s"] = idle
        switches, per_page = [], {}
        for _ in range(repeat):
            for name in MENU:
                await meter.settle()
                meter.start()
                await click_menu(page, name)
                ms = meter.stop()
                switches.append(ms)
                per_page.setdefault(name, []).append(ms)
        out["switch_ms"] = switches
        out["switch_by_page"] = {k: statistics.median(v) for k, v in per_page.items()}

        # Digit predictions: a fresh canvas (Clear) for each, then one digit's strokes.
        await click_menu(page, "Draw a digit")
        predictions, strokes = [], []
        for i in range(repeat + 1):
            clear = page.locator(".st-key-digits_clear button")
            if i and await clear.count():
                await clear.first.click()
                await wait_idle(page)
                await asyncio.sleep(1.0)   # the new canvas (a new key) mounts after the rerun
            await page.wait_for_selector(CANVAS)
            await meter.settle()
            runs0 = runs.full + runs.fragment
            meter.start()
            await draw(page, i % 10, seed=i)
            await page.wait_for_selector(PREDICTION)
            await wait_idle(page)
            ms = meter.stop()
            if i:   # the first one warms the page and the model up
                predictions.append(ms)
                strokes.append(runs.full + runs.fragment - runs0)
        out["prediction_ms"], out["prediction_runs"] = predictions, strokes

        # Step 3 training ticks: the server's CPU between the first and the last of ``ticks`` fragment
        # runs (read as each one's script_finished arrives), so Start and Pause are not in it.
        await click_menu(page, "Step 3 · Pick the best function")
        trains = []
        for _ in range(max(1, repeat // 2)):
            await meter.settle()
            runs.ticks.clear()
            await page.locator(".st-key-train_start button").first.click()
            deadline = time.perf_counter() + 120
            while len(runs.ticks) < ticks + 1 and time.perf_counter() < deadline:
                await asyncio.sleep(0.1)
            await page.locator(".st-key-train_pause button").first.click()
            await page.locator(".st-key-train_start button").first.wait_for()
            await wait_idle(page)
            n = min(len(runs.ticks), ticks + 1) - 1
            if n > 0:
                (t0, c0), (t1, c1) = runs.ticks[0], runs.ticks[n]
                trains.append(((c1 - c0 - idle * (t1 - t0)) / n, n / (t1 - t0)))
            reset = page.locator(".st-key-train_reset button")
            if await reset.count():
                await reset.first.click()
                await wait_idle(page)
        out["train"] = trains
        await ctx.close()

        # Memory per session: more sessions, each with a typical visit, all kept open.
        await asyncio.sleep(2)
        rss0 = proc_kib(pid, "VmRSS")
        contexts = []
        for i in range(sessions):
            c = await browser.new_context(viewport={"width": 1280, "height": 1100})
            contexts.append(c)
            pg = await c.new_page()
            pg.set_default_timeout(TIMEOUT_MS)
            await pg.goto(url)
            await wait_idle(pg)
            await click_menu(pg, "Draw a digit")
            await pg.wait_for_selector(CANVAS)
            await draw(pg, i % 10, seed=100 + i)
            await pg.wait_for_selector(PREDICTION)
            await wait_idle(pg)
            await click_menu(pg, "Step 3 · Pick the best function")
            await pg.locator(".st-key-train_start button").first.click()
            await asyncio.sleep(2)
            await pg.locator(".st-key-train_pause button").first.click()
            await pg.locator(".st-key-train_start button").first.wait_for()
            await wait_idle(pg)
        await asyncio.sleep(2)
        out["rss_before_kib"], out["rss_after_kib"] = rss0, proc_kib(pid, "VmRSS")
        for c in contexts:
            await c.close()
        await browser.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds of each interaction")
    parser.add_argument("--ticks", type=int, default=12, help="training ticks per Step 3 measurement")
    parser.add_argument("--sessions", type=int, default=4, help="sessions opened for the memory figure")
    parser.add_argument("--predictions", type=float, default=4, help="digits a student draws per minute")
    parser.add_argument("--switches", type=float, default=2, help="page switches per student and minute")
    parser.add_argument("--train-seconds-per-minute", type=float, default=15,
                        help="seconds of live Step 3 training per student and minute")
    parser.add_argument("--cpu", type=int, help="pin the server to this CPU (taskset), the browser to the others")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium")
        return 2

    print(_setup.load_note())
    proc, url = start_server(log_prefix="capacity_")
    try:
        if args.cpu is not None:
            subprocess.run(["taskset", "-a", "-p", "-c", str(args.cpu), str(proc.pid)], check=True,
                           capture_output=True)
            os.sched_setaffinity(0, (os.sched_getaffinity(0) - {args.cpu}) or {args.cpu})
        r = asyncio.run(measure(url, proc.pid, args.repeat, args.ticks, args.sessions))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()

    med = statistics.median
    switch, predict = med(r["switch_ms"]), med(r["prediction_ms"])
    tick = med([ms for ms, _ in r["train"]])
    rate = med([hz for _, hz in r["train"]])
    train_per_s = min(1000.0, tick / TICK_S)   # at the asked-for rate, as long as a core keeps up
    per_session_mib = (r["rss_after_kib"] - r["rss_before_kib"]) / 1024 / max(args.sessions, 1)
    print(f"\nServer CPU per interaction (server process's own utime+stime, idle {r['idle_ms_per_s']:.1f} ms/s "
          f"subtracted; median of {args.repeat} rounds):")
    print(f"  digit prediction (one digit drawn, {med(r['prediction_runs']):.0f} script run(s)): {predict:.0f} ms "
          f"[{min(r['prediction_ms']):.0f}–{max(r['prediction_ms']):.0f}]")
    print(f"  Step 3 training tick: {tick:.0f} ms (median of {len(r['train'])} runs of {args.ticks} ticks; "
          f"{rate:.1f} ticks/s here, {1 / TICK_S:.1f} asked for: {train_per_s:.0f} ms of CPU per second of "
          "live training)")
    print(f"  page switch: {switch:.0f} ms [{min(r['switch_ms']):.0f}–{max(r['switch_ms']):.0f}]; by page: "
          + ", ".join(f"{k.split(' · ')[0]} {v:.0f}" for k, v in r["switch_by_page"].items()))
    print(f"Memory: {args.sessions} more sessions (each drew a digit and trained on Step 3) raised VmRSS from "
          f"{r['rss_before_kib'] / 1024:.0f} to {r['rss_after_kib'] / 1024:.0f} MiB: {per_session_mib:.1f} MiB each")

    per_minute = (args.predictions * predict + args.switches * switch
                  + args.train_seconds_per_minute * train_per_s)
    print(f"\nA student who, each minute, draws {args.predictions:g} digits, switches page {args.switches:g} times "
          f"and trains live on Step 3 for {args.train_seconds_per_minute:g} s costs {per_minute:.0f} ms of server "
          f"CPU a minute ({per_minute / 600:.1f}% of a core).")
    quiet = args.predictions * predict + args.switches * switch
    if min(per_minute, quiet, tick) <= 0:  # an interaction cost less than the idle rate's noise
        print("Some interaction measured no more than the idle server burns in the same time: below what "
              "this benchmark resolves here; run it again with --repeat 10 on a quieter machine.")
    else:
        print(f"One core serves {60_000 / per_minute:.0f} such students at 100%, {0.6 * 60_000 / per_minute:.0f} "
              "at 60% (the HPA's target in deploy/k8s/hpa.yaml).")
        print(f"Without the live training: {quiet:.0f} ms a minute, {60_000 / quiet:.0f} students a core at 100%, "
              f"{0.6 * 60_000 / quiet:.0f} at 60%. Live training is what costs: the page asks for a tick every "
              f"{TICK_S:g} s, so {1000 / tick:.1f} ticks a second fill a core; k students training at once on one "
              "core each get 1/k of that.")
    print(_setup.load_note())
    return 0


if __name__ == "__main__":
    sys.exit(main())
