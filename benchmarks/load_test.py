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

With ``--replicas N`` (N ≥ 2) it starts N servers behind nginx instead (deploy/replicas.py: the
Dockerfile's steps on this host, Debian's nginx with sticky sessions) and also reports how the
sessions spread over the replicas, whether any session was answered by more than one replica (the
page itself excepted: a browser's first request has no cookie yet), and each replica's peak memory.
Where this process may use 2 or more cores, the browsers are pinned to the first one and the servers
(and nginx) to the others (taskset), so that the servers' figures are not the browsers'; ``--no-pin``
turns that off.

Run:  python -m benchmarks.load_test [--sessions 20] [--train-every 4] [--replicas 2] [--url http://...]
(from the repository root). It is a script, not a test: it takes a minute or two and needs Chromium.
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
    record = {"session": index, "digit": index % 10, "errors": [], "upstreams": []}
    results.append(record)
    ctx = await browser.new_context(viewport={"width": 1280, "height": 1100})
    page = await ctx.new_page()
    # Behind nginx: which replica answered each request (deploy/nginx.conf.template adds X-Upstream).
    page.on("response", lambda r: record["upstreams"].append(r.headers["x-upstream"].split(",")[-1].strip())
            if "x-upstream" in r.headers else None)
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
            text = (await page.locator(ERRORS).first.inner_text()).strip().replace("\n", " ")
            record["errors"].append(f"an error box on the digits page: {text[:160]!r}")
        if train:
            await page.get_by_role("link", name="Step 3 · Pick the best function").first.click()
            await wait_idle(page)
            await page.locator(".st-key-train_start button").first.click(timeout=TIMEOUT_MS)
            await asyncio.sleep(train_seconds)
            await page.locator(".st-key-train_pause button").first.click(timeout=TIMEOUT_MS)
            # Paused: Start is back. The epoch count is Step 3's own ("Epoch 3.0 of 500", "epoch 3.00").
            await page.locator(".st-key-train_start button").first.wait_for(timeout=TIMEOUT_MS)
            await wait_idle(page)
            text = await page.inner_text('[data-testid="stMain"]')
            found = re.search(r"\bepoch\s+([\d,]+(?:\.\d+)?)", text, re.I)
            record["step3"] = f"paused at epoch {found.group(1)}" if found else "paused, no epoch count shown"
            if not found or float(found.group(1).replace(",", "")) == 0:
                record["errors"].append(f"Step 3 did not train: {record['step3']}")
            if await page.locator(ERRORS).count():
                record["errors"].append("an error box on Step 3")
    except Exception as exc:  # a timeout or a broken page is an error of the run, not of this script
        record["errors"].append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await ctx.close()


async def run(url: str, sessions: int, train_every: int, train_seconds: float,
              warm_urls: list[str] | None = None) -> tuple[list, float]:
    """``warm_urls``: the servers to warm up (each replica's own address; default: ``url``)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for server in warm_urls or [url]:
            warm: list = []
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(server, timeout=TIMEOUT_MS)
            # The app's own menu (ui/navigation.py) shows that app.py has run st.navigation.
            await page.wait_for_selector('.st-key-app_menu >> text=Draw a digit', timeout=TIMEOUT_MS)
            await page.close()
            await session(browser, server, 0, False, 0, warm)          # caches the default model
            print(f"warm-up of {server}: first prediction after {warm[0].get('prediction_s', float('nan')):.2f} s "
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


def pinning(enabled: bool) -> tuple[set[int], set[int]] | None:
    """(browser CPUs, server CPUs) where this process may use 2 or more cores, else None."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not enabled or len(cpus) < 2:
        return None
    return {cpus[0]}, set(cpus[1:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--train-every", type=int, default=4, help="every k-th session also trains on Step 3")
    parser.add_argument("--train-seconds", type=float, default=5.0)
    parser.add_argument("--url", help="an app that is already running (its memory is then not measured)")
    parser.add_argument("--replicas", type=int, default=1,
                        help="2 or more: that many servers behind nginx (deploy/replicas.py; needs nginx)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin browsers and servers to different cores")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium")
        return 2

    pin = None if args.url else pinning(not args.no_pin)
    servers: list[tuple[str, subprocess.Popen]] = []   # (name, process) whose memory is measured
    cluster = None
    warm_urls = None
    if args.url:
        url = args.url.rstrip("/")
    elif args.replicas >= 2:
        from deploy.replicas import Replicas
        from nnlib import datasets

        cluster = Replicas(args.replicas, cache_dir=datasets.cache_dir(), cpus=sorted(pin[1]) if pin else None)
        cluster.start()
        url, warm_urls = cluster.url, [r.url for r in cluster.replicas]
        servers = [(r.address, r.proc) for r in cluster.replicas]
    else:
        proc, url = start_server()
        servers = [("server", proc)]
        if pin:   # every thread of the running server
            subprocess.run(["taskset", "-a", "-p", "-c", ",".join(map(str, sorted(pin[1]))), str(proc.pid)],
                           check=True, capture_output=True)
    if pin:
        os.sched_setaffinity(0, pin[0])   # Playwright's driver and Chromium inherit it
        print(f"pinned: browsers on CPU {sorted(pin[0])}, servers{' and nginx' if cluster else ''} on CPU "
              f"{sorted(pin[1])}")
    watches = [MemoryWatch(proc.pid) for _, proc in servers]
    try:
        idle_kib = [proc_kib(proc.pid, "VmRSS") for _, proc in servers]
        for watch in watches:
            watch.start()
        results, wall = asyncio.run(run(url, args.sessions, args.train_every, args.train_seconds, warm_urls))
        peak_kib = [proc_kib(proc.pid, "VmHWM") for _, proc in servers]
    finally:
        for watch in watches:
            watch.stop.set()
        if cluster is not None:
            cluster.stop()
        for _, proc in servers:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()

    errors = [(r["session"], e) for r in results for e in r["errors"]]
    times = [r["prediction_s"] for r in results if "prediction_s" in r]
    trained = [r for r in results if "step3" in r]
    where = f"nginx with {args.replicas} replicas at {url}" if cluster else url
    print(f"\n{args.sessions} concurrent sessions in one Chromium against {where} ({wall:.1f} s in all); "
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
    if cluster:
        # A session's first response is the page itself, fetched before nginx's cookie existed.
        homes = [set(r["upstreams"][1:]) for r in results]
        spread = {name: sum(h == {name} for h in homes) for name, _ in servers}
        wrong = [r["session"] for r, h in zip(results, homes) if len(h) > 1]
        print("sessions per replica: " + ", ".join(f"{k} {v}" for k, v in spread.items())
              + f"; answered by more than one replica: {len(wrong)}" + (f" (sessions {wrong})" if wrong else ""))
        errors += [(i, "answered by more than one replica") for i in wrong]
    for (name, _), idle, peak, watch in zip(servers, idle_kib, peak_kib, watches):
        print(f"{'replica ' + name if cluster else 'server'} memory: {idle / 1024:.0f} MiB before the sessions, "
              f"peak {peak / 1024:.0f} MiB (VmHWM; sampled VmRSS peak {watch.peak / 1024:.0f} MiB)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
