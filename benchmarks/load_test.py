"""Many users at once: N browser sessions against one app server.

Starts ``streamlit run app.py`` on a free port (or uses ``--url``), then opens N concurrent
Playwright contexts in one headless Chromium (/usr/bin/chromium). Every session opens the
digits page, draws a digit on the canvas with the mouse (tests.drawn_digits's pen paths) and
waits for the Prediction; every ``--train-every``-th session then goes to Step 3, presses Start,
lets it train for a few seconds and presses Pause. It reports:

* errors: failed waits, exception or error boxes on a page (must be 0; exit status 1 otherwise)
* the time from mouse-up to the Prediction shown: median, p95, max
* the server's peak memory (VmHWM from /proc/<pid>/status; VmRSS is also sampled every 0.2 s)

Before the sessions start, one warm-up session opens "/" (so the server has registered
st.navigation: with a folder named pages/, a first request straight to a page would run in
Streamlit's legacy mode) and draws once on the digits page (so the default model is cached).

Run:  python -m benchmarks.load_test [--sessions 20] [--train-every 4] [--url http://...]   (from the repository root)
It is a script, not a test: it takes a minute or two and needs Chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tests.drawn_digits import pen_paths

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
CANVAS = "canvas.upper-canvas"
PREDICTION = '[data-testid="stMetric"]:has-text("Prediction") [data-testid="stMetricValue"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
TIMEOUT_MS = 180_000


# --- the server and its memory ----------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(*options: str, log_prefix: str = "load_test_") -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app.py` on a free loopback port (plus any extra ``options``); wait until healthy.

    Returns the process and its URL; the server's output goes to a temporary log file (``proc.log_path``).
    """
    port = free_port()
    log = open(tempfile.mkstemp(prefix=log_prefix, suffix=".log")[1], "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *options],
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log.name
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {log.name}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not answer within 90 s; see {log.name}")


def proc_kib(pid: int, field: str) -> int | None:
    """A memory field of /proc/<pid>/status in KiB (VmRSS: now; VmHWM: the peak so far)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class MemoryWatch(threading.Thread):
    """Samples the server's resident memory every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, proc_kib(self.pid, "VmRSS") or 0)
            time.sleep(0.2)


# --- one browser session -------------------------------------------------------------------------
async def wait_idle(page):
    """Until Streamlit has finished its script run (no 'Running…' status)."""
    await page.wait_for_selector('[data-testid="stApp"]', timeout=TIMEOUT_MS)
    await page.wait_for_function("""() => {
        const s = document.querySelector('[data-testid="stStatusWidget"]');
        return !s || !s.innerText.includes('Running');
    }""", timeout=TIMEOUT_MS)


async def draw(page, digit: int, seed: int):
    canvas = page.locator(CANVAS).first
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    scale = box["width"] / 280
    paths, _ = pen_paths(digit, 0, seed=seed, canvas=280, height=0.65, slant=0.0, rotation=0.0,
                         aspect=1.0, centre=(140, 140))
    for path in paths:
        pts = [(box["x"] + x * scale, box["y"] + y * scale) for x, y in path]
        await page.mouse.move(*pts[0])
        await page.mouse.down()
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            await page.mouse.move(x1, y1, steps=max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / 4)))
        await page.mouse.up()


async def session(browser, url: str, index: int, train: bool, train_seconds: float, results: list):
    record = {"session": index, "digit": index % 10, "errors": []}
    results.append(record)
    ctx = await browser.new_context(viewport={"width": 1280, "height": 1100})
    page = await ctx.new_page()
    try:
        await page.goto(f"{url}/draw-a-digit", timeout=TIMEOUT_MS)
        await wait_idle(page)
        await page.wait_for_selector(CANVAS, timeout=TIMEOUT_MS)
        await draw(page, record["digit"], seed=index)
        released = time.perf_counter()
        await page.wait_for_selector(PREDICTION, timeout=TIMEOUT_MS)
        record["prediction_s"] = time.perf_counter() - released
        record["shown"] = (await page.locator(PREDICTION).first.inner_text()).strip()
        await wait_idle(page)
        if await page.locator(ERRORS).count():
            record["errors"].append("an error box on the digits page")
        if train:
            await page.get_by_role("link", name="Step 3 · Pick the best function").first.click()
            await wait_idle(page)
            await page.get_by_role("button", name="Start").click(timeout=TIMEOUT_MS)
            await asyncio.sleep(train_seconds)
            await page.get_by_role("button", name="Pause").click(timeout=TIMEOUT_MS)
            status = page.locator('[data-testid="stCaptionContainer"]', has_text="steps per epoch").first
            await status.filter(has_text="paused").wait_for(timeout=TIMEOUT_MS)
            caption = await status.inner_text()
            found = re.search(r"(\S+) · step ([\d,]+)", caption)
            record["step3"] = f"{found.group(1)} at step {found.group(2)}" if found else caption
            if not found or found.group(2) == "0":
                record["errors"].append(f"Step 3 did not train: {caption!r}")
            if await page.locator(ERRORS).count():
                record["errors"].append("an error box on Step 3")
    except Exception as exc:  # a timeout or a broken page is an error of the run, not of this script
        record["errors"].append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await ctx.close()


async def run(url: str, sessions: int, train_every: int, train_seconds: float) -> tuple[list, float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        warm: list = []
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(url, timeout=TIMEOUT_MS)
        # The app's own menu (ui/navigation.py) shows that app.py has run st.navigation.
        await page.wait_for_selector('.st-key-app_menu >> text=Draw a digit', timeout=TIMEOUT_MS)
        await page.close()
        await session(browser, url, 0, False, 0, warm)          # caches the default model
        print(f"warm-up: first prediction after {warm[0].get('prediction_s', float('nan')):.2f} s "
              f"(cold), errors: {warm[0]['errors'] or 'none'}")
        results: list = []
        t0 = time.perf_counter()
        await asyncio.gather(*(session(browser, url, i, train_every > 0 and i % train_every == 0,
                                       train_seconds, results) for i in range(sessions)))
        wall = time.perf_counter() - t0
        await browser.close()
    return sorted(results, key=lambda r: r["session"]), wall


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, math.ceil(q * len(values)) - 1)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--train-every", type=int, default=4, help="every k-th session also trains on Step 3")
    parser.add_argument("--train-seconds", type=float, default=5.0)
    parser.add_argument("--url", help="an app that is already running (its memory is then not measured)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium")
        return 2

    proc = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        proc, url = start_server()
    watch = MemoryWatch(proc.pid) if proc else None
    try:
        if watch:
            idle_kib = proc_kib(proc.pid, "VmRSS")
            watch.start()
        results, wall = asyncio.run(run(url, args.sessions, args.train_every, args.train_seconds))
        peak_kib = proc_kib(proc.pid, "VmHWM") if proc else None
    finally:
        if watch:
            watch.stop.set()
        if proc:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    errors = [(r["session"], e) for r in results for e in r["errors"]]
    times = [r["prediction_s"] for r in results if "prediction_s" in r]
    trained = [r for r in results if "step3" in r]
    print(f"\n{args.sessions} concurrent sessions in one Chromium against {url} ({wall:.1f} s in all); "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"errors: {len(errors)}")
    for index, error in errors:
        print(f"  session {index}: {error}")
    if times:
        print(f"mouse-up → Prediction shown ({len(times)} drawings): median {statistics.median(times):.2f} s, "
              f"p95 {percentile(times, 0.95):.2f} s, max {max(times):.2f} s")
        correct = sum(r.get("shown") == str(r["digit"]) for r in results)
        print(f"digits read correctly: {correct} of {len(results)}")
    if trained:
        print(f"Step 3 trained in {len(trained)} sessions: " + "; ".join(r["step3"] for r in trained))
    if proc:
        print(f"server memory: {idle_kib / 1024:.0f} MiB before the sessions, peak {peak_kib / 1024:.0f} MiB "
              f"(VmHWM; sampled VmRSS peak {watch.peak / 1024:.0f} MiB)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
