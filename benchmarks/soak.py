"""Soak: browser sessions opened and closed in waves; does the server give the memory back?

    python -m benchmarks.soak [--sessions 60] [--waves 6] [--train-every 3] [--ttl 10]   (from the repository root)

Starts ``streamlit run app.py`` on a free loopback port (``--server.address 127.0.0.1``) with
``--server.disconnectedSessionTTL`` set to ``--ttl`` seconds (Streamlit's default keeps a closed tab's
session, and everything in its session state, for 120 s in case it reconnects). One warm-up page
opens "/" (so that st.navigation is registered), then the sessions come in ``--waves`` waves of
sessions/waves concurrent headless-Chromium pages (/usr/bin/chromium, Playwright). In each wave every
``--train-every``-th page opens Step 3 by a shared link with a large network on the digits
(``--layers``, default 8 hidden layers of 500: 1,887,010 parameters; SGD, batch 16), presses Start,
trains ``--train-seconds`` and presses Pause; the others open Step 2 (its loss landscape). Then every
page of the wave is closed, which disconnects its session.

Before the waves, one session of each kind runs the same way and expires: the first run of a page
imports the modules it needs (plotly's figure classes, Pillow, pyarrow's kernels: some 600 modules and
60-70 MiB of code and objects, measured with a SIGUSR1 dump of sys.modules and /proc/self/smaps) and
fills the shared read-only caches, once per process. "Warm" is the RSS once that has settled; it is
also what a server that has served its first class holds. The just-started RSS is printed too.

The server's resident memory (VmRSS from /proc/<pid>/status, sampled every 0.2 s) is reported
warm before the first wave, at the peak, after each wave, and after the disconnected sessions have
expired (``--ttl`` plus ``--settle`` seconds after the last wave), and once more after one more page
has been opened and closed: Streamlit's store of disconnected sessions (a cachetools TTLCache) drops
expired sessions only when it is next written to. "Per training session" is the
largest rise within one wave over the RSS before it, divided by the training pages in that wave,
next to services.limits' estimate for that run. Python seldom returns freed memory to the system
at once, so "after" above "before" is not by itself a leak; a rise that grows wave after wave is.
Issue 13's target: back within 15 % of the warm RSS after the waves' sessions have expired.

Bounded: at most ``--sessions`` pages, every wait times out (``--max-seconds`` for the whole run).
It is a script, not a test: several minutes on 2 cores, and it needs Chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks import load_test
from benchmarks.load_test import CHROMIUM, CHROMIUM_ARGS, ERRORS, proc_kib, wait_idle

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 120_000
STEP2 = "goodness-of-a-function"
STEP3 = "pick-the-best-function"


def start_server(ttl: float) -> tuple[subprocess.Popen, str, str]:
    """The load test's server, with disconnected sessions kept for ``ttl`` seconds; returns (proc, url, log)."""
    proc, url = load_test.start_server("--server.disconnectedSessionTTL", str(int(ttl)), log_prefix="soak_")
    return proc, url, proc.log_path


class Memory(threading.Thread):
    """VmRSS of the server every 0.2 s: the peak overall and the peak since ``mark()``."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.wave_peak, self.stop = pid, 0, 0, threading.Event()

    def now(self) -> int:
        return proc_kib(self.pid, "VmRSS") or 0

    def mark(self) -> int:
        self.wave_peak = self.now()
        return self.wave_peak

    def run(self):
        while not self.stop.is_set():
            kib = self.now()
            self.peak, self.wave_peak = max(self.peak, kib), max(self.wave_peak, kib)
            time.sleep(0.2)


async def session(browser, url: str, index: int, train: bool, args, results: list):
    record = {"session": index, "train": train, "errors": []}
    results.append(record)
    ctx = await browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")  # English texts
    page = await ctx.new_page()
    try:
        if train:
            link = (f"{url}/{STEP3}?layers={args.layers}&act=relu&data=digits&opt=sgd&lr=0.01&batch=16"
                    f"&epochs=50&seed={index}")
            await page.goto(link, timeout=TIMEOUT_MS)
            await wait_idle(page)
            await page.get_by_role("button", name="Start", exact=True).click(timeout=TIMEOUT_MS)
            await asyncio.sleep(args.train_seconds)
            await page.get_by_role("button", name="Pause", exact=True).click(timeout=TIMEOUT_MS)
            await page.locator(".st-key-train_start button:enabled").first.wait_for(timeout=TIMEOUT_MS)
            epoch = page.locator(".st-key-train_toolbar [data-testid='stMarkdownContainer']", has_text="Epoch").first
            record["status"] = "epoch " + " ".join((await epoch.inner_text()).split()[1:])
        else:
            await page.goto(f"{url}/{STEP2}", timeout=TIMEOUT_MS)
            await wait_idle(page)
            await page.wait_for_selector("text=The loss landscape", timeout=TIMEOUT_MS)
        if await page.locator(ERRORS).count():
            record["errors"].append("an error box: " + (await page.locator(ERRORS).first.inner_text())[:200])
    except Exception as exc:  # a timeout or a broken page is an error of the run, not of this script
        record["errors"].append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await ctx.close()  # the session's websocket closes: the server keeps it for --ttl seconds


async def soak(url: str, mem: Memory, args) -> dict:
    from playwright.async_api import async_playwright

    out = {"waves": [], "results": []}
    per_wave = max(1, args.sessions // args.waves)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # First-time costs are not the sessions': the modules a page imports when it first runs (plotly's
        # figure classes, Pillow, pyarrow's kernels: some 600 modules, 60-70 MiB of code and objects) and
        # the shared cached digits. One session of each kind pays them here, exactly as a wave's sessions
        # run; then they expire like the waves' sessions do, so "before" and "after" are measured alike.
        warm: list = []
        await asyncio.gather(session(browser, url, -1, True, args, warm),
                             session(browser, url, -2, False, args, warm))
        out["warm_errors"] = sum(len(r["errors"]) for r in warm)
        await asyncio.sleep(args.ttl + args.settle)
        await probe(url)
        out["before"] = await settled(mem)
        index = 0
        for wave in range(args.waves):
            start = mem.mark()
            n = min(per_wave, args.sessions - index)
            results: list = []
            jobs = [session(browser, url, index + i, (index + i) % args.train_every == 0, args, results)
                    for i in range(n)]
            await asyncio.wait_for(asyncio.gather(*jobs), timeout=args.max_seconds)
            index += n
            await asyncio.sleep(1)
            trained = sum(r["train"] for r in results)
            out["waves"].append({"wave": wave + 1, "sessions": n, "trained": trained, "start": start,
                                 "peak": mem.wave_peak, "end": mem.now(),
                                 "errors": sum(len(r["errors"]) for r in results)})
            out["results"] += results
            w = out["waves"][-1]
            print(f"wave {w['wave']}: {n} sessions ({trained} training), RSS {start / 1024:.0f} → peak "
                  f"{w['peak'] / 1024:.0f} → {w['end'] / 1024:.0f} MiB after closing, errors {w['errors']}",
                  flush=True)
        await browser.close()
    return out


async def settled(mem: Memory, quiet_kib: int = 1024, quiet_s: float = 3.0, limit_s: float = 60.0) -> int:
    """The server's RSS once it has stopped moving (within ``quiet_kib`` for ``quiet_s`` seconds)."""
    start, last, since = time.monotonic(), mem.now(), time.monotonic()
    while time.monotonic() - start < limit_s:
        await asyncio.sleep(0.5)
        now = mem.now()
        if abs(now - last) > quiet_kib:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            break
    return mem.mark()


async def probe(url: str) -> None:
    """Open and close one page. Streamlit keeps disconnected sessions in a cachetools TTLCache, which
    drops expired entries only when it is next written to: here, when this page's session disconnects."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.goto(url, timeout=TIMEOUT_MS)
        await wait_idle(page)
        await page.close()
        await browser.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=60)
    parser.add_argument("--waves", type=int, default=6)
    parser.add_argument("--train-every", type=int, default=3, help="every k-th session trains on Step 3")
    parser.add_argument("--train-seconds", type=float, default=4.0)
    parser.add_argument("--layers", default=",".join(["500"] * 8), help="Step 3's hidden layers")
    parser.add_argument("--ttl", type=float, default=10.0, help="server.disconnectedSessionTTL, seconds")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds to wait after the TTL")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="time limit of one wave")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium")
        return 2
    if not 1 <= args.sessions <= 200 or not 1 <= args.waves <= args.sessions:
        parser.error("1 ≤ waves ≤ sessions ≤ 200")

    from services import limits

    hidden = [int(h) for h in args.layers.split(",")]
    sizes = [256, *hidden, 10]
    estimate = limits.training_memory(sizes, "sgd", 16).total
    proc, url, log = start_server(args.ttl)
    mem = Memory(proc.pid)
    mem.start()
    cold = mem.now()  # the server just started: no page has run yet
    t0 = time.perf_counter()
    try:
        out = asyncio.run(soak(url, mem, args))
        expiry = time.perf_counter()
        trace = []
        while time.perf_counter() - expiry < args.ttl + args.settle:
            time.sleep(1)
            trace.append(mem.now())
        after = mem.now()
        asyncio.run(probe(url))
        time.sleep(5)
        after_probe = mem.now()
    finally:
        mem.stop.set()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    errors = [(r["session"], e) for r in out["results"] for e in r["errors"]]
    print(f"\n{len(out['results'])} sessions in {len(out['waves'])} waves against {url} "
          f"({time.perf_counter() - t0:.0f} s); disconnectedSessionTTL {args.ttl:g} s; "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; server log {log}")
    print(f"errors: {len(errors)}")
    for index, error in errors[:20]:
        print(f"  session {index}: {error}")
    trained = [r for r in out["results"] if r["train"] and "status" in r]
    if trained:
        print(f"trained on Step 3 ({len(trained)}): " + ", ".join(r["status"] for r in trained[:12])
              + (" …" if len(trained) > 12 else ""))
    rises = [(w["peak"] - w["start"]) / w["trained"] for w in out["waves"] if w["trained"]]
    back = after_probe / out["before"] - 1
    print(f"server RSS: just started {cold / 1024:.0f} MiB; warm (one session of each kind run and expired) "
          f"{out['before'] / 1024:.0f} MiB")
    print(f"back to {after_probe / 1024:.0f} MiB after the waves expired: {back:+.0%} of warm "
          f"({'within' if back <= 0.15 else 'NOT within'} the 15 % target)")
    print(f"server RSS: before {out['before'] / 1024:.0f} MiB, peak {mem.peak / 1024:.0f} MiB, after the last "
          f"wave {out['waves'][-1]['end'] / 1024:.0f} MiB, after expiry ({args.ttl + args.settle:g} s later) "
          f"{after / 1024:.0f} MiB; after one more session opened and closed (which drops the expired "
          f"ones) {after_probe / 1024:.0f} MiB")
    print("RSS each second after the last wave (MiB): " + " ".join(f"{k / 1024:.0f}" for k in trace))
    if rises:
        print(f"peak rise per training session within a wave: max {max(rises) / 1024:.1f} MiB, "
              f"median {sorted(rises)[len(rises) // 2] / 1024:.1f} MiB (limits.training_memory for "
              f"{args.layers} at batch 16: {estimate / 2**20:.1f} MiB)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
