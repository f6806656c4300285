"""Time a fresh server's first visit to the digits page in headless Chromium (a measurement, not a test).

    python scripts/first_visit_timing.py [--runs 3] [--json out.json]

Each run starts `streamlit run app.py` with NNLIB_CACHE_DIR pointing at a new, empty folder (a fresh
replica), opens the home page, waits until it has finished running, then clicks "Draw a digit" in
the sidebar and measures the time until the canvas is on screen and the script has finished running
(no "Running..." indicator), then the same click once more on the now warm server (the cost of any
visit at the machine's current load, for comparison). It also records whether the "Training the
digit network once" spinner was ever shown and which files the empty cache folder holds afterwards.
Needs /usr/bin/chromium and playwright (tests/conftest.py's recipe). Report the load average
(`uptime`, also saved with each run) next to the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SPINNER_SEEN = """(() => {
    const look = () => {
        if (/Training the digit network/.test(document.body ? document.body.innerText : ''))
            sessionStorage.setItem('spinnerSeen', '1');
    };
    new MutationObserver(look).observe(document, {childList: true, subtree: true, characterData: true});
})()"""
IDLE = """() => {
    const s = document.querySelector('[data-testid="stStatusWidget"]');
    return !s || !s.innerText.includes('Running');
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(cache: Path):
    port = free_port()
    env = {**os.environ, "NNLIB_BACKEND": "numpy", "NNLIB_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--browser.gatherUsageStats", "false",
                             "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url, t0 = f"http://127.0.0.1:{port}", time.perf_counter()
    while time.perf_counter() - t0 < 60:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url, time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def one_run(p, profile: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="nnlib-empty-cache-") as cache:
        proc, url, health_s = start_server(Path(cache))
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                   args=ARGS, viewport={"width": 1280, "height": 1100})
        try:
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.add_init_script(SPINNER_SEEN)
            t_open = time.perf_counter()
            page.goto(url)
            page.wait_for_selector('[data-testid="stSidebar"] a:has-text("Draw a digit")', timeout=60_000)
            page.wait_for_function(IDLE, timeout=60_000)
            home_s = time.perf_counter() - t_open
            t_click = time.perf_counter()
            page.locator('[data-testid="stSidebar"] a:has-text("Draw a digit")').first.click()
            page.wait_for_selector("canvas.upper-canvas", timeout=120_000)
            canvas_s = time.perf_counter() - t_click
            page.wait_for_function(IDLE, timeout=120_000)
            ready_s = time.perf_counter() - t_click
            spinner = page.evaluate("sessionStorage.getItem('spinnerSeen') === '1'")
            # The same click again, once the server is warm: what any visit costs on this machine now.
            page.locator('[data-testid="stSidebar"] a:has-text("Home")').first.click()
            page.wait_for_selector("canvas.upper-canvas", state="detached", timeout=60_000)
            page.wait_for_function(IDLE, timeout=60_000)
            t_again = time.perf_counter()
            page.locator('[data-testid="stSidebar"] a:has-text("Draw a digit")').first.click()
            page.wait_for_selector("canvas.upper-canvas", timeout=60_000)
            page.wait_for_function(IDLE, timeout=60_000)
            again_s = time.perf_counter() - t_again
            files = sorted(f.name for f in Path(cache).iterdir())
        finally:
            ctx.close()
            proc.terminate()
            proc.wait(timeout=10)
    return {"health_s": round(health_s, 2), "home_ready_s": round(home_s, 2), "click_to_canvas_s": round(canvas_s, 2),
            "click_to_ready_s": round(ready_s, 2), "warm_click_to_ready_s": round(again_s, 2),
            "training_spinner_seen": spinner, "cache_files": files}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    runs = []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            result = one_run(p, Path(tmp) / f"profile{i}")
            result["load_average"] = os.getloadavg()
            runs.append(result)
            print(json.dumps(result), flush=True)
    ready = [r["click_to_ready_s"] for r in runs]
    summary = {"runs": runs, "click_to_ready_median_s": statistics.median(ready), "click_to_ready_max_s": max(ready)}
    print(f"click → digits page ready: median {summary['click_to_ready_median_s']:.2f} s, "
          f"max {summary['click_to_ready_max_s']:.2f} s over {len(ready)} fresh servers")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
