"""Contention: do students who draw a digit still get their answer while others train the largest network?

    python -m benchmarks.contention [--trainers 10] [--drawers 5] [--drawings 6]   (from the repository root)

Starts one ``streamlit run app.py`` (benchmarks.load_test.start_server). Where this machine gives the
process at least 2 CPUs, the server is pinned to the first and this script, Playwright and every
Chromium process to the others (``os.sched_setaffinity`` before each is started: children inherit
it), so the browsers' work does not eat into the server's core; the output says when that was not
possible. The server gets the hosted app's BLAS setting (app.py: one thread) unless
``--server-blas-threads`` says otherwise.

Then:

1. ``--trainers`` sessions open Step 3 by a shared link (services/links.py) with the largest network
   the limits allow on the 16×16 digits: 8 hidden layers of 515 ReLU neurons, 1,997,695 parameters
   (services/limits.py: at most 8 layers and 2,000,000 parameters; full-batch gradient descent on a
   network this size is over the per-session memory budget, so ``--opt sgd --batch 256``). Each
   presses Start and keeps training for the rest of the run (the page's fragment ticks every 0.12 s).
   By default they are websocket clients that ask for every tick as a browser does (SocketTrainer,
   in a child process on the browsers' CPUs); ``--trainer-client browser`` makes them Chromium pages.
2. After ``--settle`` seconds, ``--drawers`` other sessions, each a page in its own context of one
   headless Chromium (/usr/bin/chromium), open the digits page, and each draws
   ``--drawings`` digits with the mouse (tests.drawn_digits's pen paths: the pen rests over the
   canvas for 0.3 s first, as a hand does), waits for the Prediction, presses Clear and waits for the
   fresh canvas. With ``--styles single`` (the default) every digit is one stroke, so the time from
   the mouse-up to the Prediction shown is that of the whole drawing; ``--styles all`` mixes in
   two-stroke digits (then a reading of the first stroke may come first: it is the time counted).

It reports:

* mouse-up → Prediction shown, in the page's own clock: median, p95, max, against the bar of issue 13
  (median ≤ 1 s, p95 ≤ 2 s); and where the time goes: until the server starts the run, until it ends;
* lost drawings: no Prediction within ``--timeout`` seconds, a stroke missing from the canvas
  afterwards (its pixels checked along the pen's path), the canvas element replaced while it was
  being drawn on, or a text selection left by the drag (the drag landed on the page, not the canvas);
* errors: failed waits, exception or error boxes;
* the training sessions' steps per second during the drawing (from Step 3's epoch counter);
* the CPU: the server's share of a core, and each core's busy share, over the drawing phase.

The server shares itself between the training ticks and the students' clicks and strokes with
ui/fragments.py's FairShare (``NNLIB_TICK_SLOTS`` training ticks at a time, each making way for a
student's run for up to ``NNLIB_TICK_YIELD_S``): ``--tick-slots`` and ``--tick-yield`` set them for
the server started here, and ``--tick-slots 0`` measures the server without a limit, as before issue 13.

A script, not a test: a few minutes with the defaults, and it needs Chromium. The load average of the
machine is printed before and after: on a shared machine other work inflates every time here. Issue
13's reproduction of lost strokes is ``--trainers 5 --drawers 1 --drawings 20 --styles all --pace eager``.
"""

from __future__ import annotations

from benchmarks import _setup  # noqa: F401  (fixes BLAS threads before numpy; see benchmarks/README.md)

# isort: split
import argparse
import asyncio
import contextlib
import math
import os
import re
import signal
import statistics
import sys
import time
from pathlib import Path

from benchmarks import load_test
from benchmarks.load_test import CANVAS, CHROMIUM, CHROMIUM_ARGS, ERRORS, percentile, wait_idle
from nnlib.layers import count_params
from services import limits
from tests.drawn_digits import DRAWING_LAYER, INK_PIXELS, pen_paths

STEP3 = "pick-the-best-function"
DIGITS = "draw-a-digit"
TIMEOUT_MS = 120_000
# The digit page's answer, by its key (not by its label: the app may run in Chinese).
PREDICTION = '.st-key-digits_prediction [data-testid="stMetricValue"]'
# Where a drawing's time goes, in the browser's clock: the last pen-up, then Streamlit's script state on
# the page (stApp's data-test-script-state) turning "running" (the server has started the run and said
# so) and back to "notRunning" (the run has finished), and the Prediction appearing.
LATENCY_WATCH = """() => {
    if (window.__latencyReset) { window.__latencyReset(); return; }
    let w;
    window.__latencyReset = () => { w = { up: null, running: null, done: null, shown: null }; window.__latency = w; };
    window.__latencyReset();
    const app = document.querySelector('[data-testid="stApp"]');
    const shown = () => !!document.querySelector('.st-key-digits_prediction [data-testid="stMetricValue"]');
    document.addEventListener('pointerup', () => { w.up = performance.now(); }, { capture: true });
    const look = () => {
        if (w.up === null) return;
        const state = app && app.dataset.testScriptState, now = performance.now();
        if (state === 'running' && w.running === null) w.running = now;
        if (state !== 'running' && w.running !== null && w.done === null) w.done = now;
        if (w.shown === null && shown()) w.shown = now;
    };
    new MutationObserver(look).observe(document.body, { attributes: true, childList: true, subtree: true });
}"""
BAR_MEDIAN_S, BAR_P95_S = 1.0, 2.0
DIGITS_TRAIN = 4000  # the digits' fixed training split: an epoch is ceil(4000 / batch) steps


def largest_layers() -> tuple[int, ...]:
    """The widest network of MAX_HIDDEN_LAYERS equal layers on the digits that the limits allow."""
    n = limits.MAX_HIDDEN_LAYERS
    width = limits.MAX_NEURONS_PER_LAYER
    while width > 1:
        try:
            limits.check_architecture([256, *([width] * n), 10])
            break
        except limits.LimitExceeded:
            width -= 1
    return (width,) * n


# --- CPU placement and accounting ------------------------------------------------------------------
def placement() -> tuple[set[int] | None, set[int] | None, str]:
    """(server CPUs, browser CPUs, a sentence) — (None, None, why) where pinning is not possible."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError) as exc:
        return None, None, f"not pinned: this system cannot set CPU affinity ({exc})"
    if len(cpus) < 2:
        return None, None, (f"not pinned: this process may use only {len(cpus)} CPU, so the server and the "
                            "browsers share it")
    others = ",".join(map(str, cpus[1:]))
    return {cpus[0]}, set(cpus[1:]), f"pinned: server on CPU {cpus[0]}, this script and Chromium on CPU {others}"


def cpu_times() -> dict[int, tuple[int, int]]:
    """Per CPU: (busy jiffies, total jiffies) from /proc/stat."""
    out = {}
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("cpu") and line[3:4].isdigit():
                name, *values = line.split()
                v = [int(x) for x in values]
                idle = v[3] + (v[4] if len(v) > 4 else 0)
                out[int(name[3:])] = (sum(v[:8]) - idle, sum(v[:8]))
    except OSError:
        pass
    return out


def process_jiffies(pid: int) -> int | None:
    """utime + stime of a process, all its threads, in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def thread_count(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return None


# --- the pages ------------------------------------------------------------------------------------
def train_link(url: str, layers, opt: str, batch: int, lr: float, seed: int) -> str:
    """Step 3's shared link for one training session, in English (lang=en), so that its epoch counter
    (":small[Epoch] **12.3** :small[of 500]", which has a key but whose words are translated) reads the same."""
    return (f"{url}/{STEP3}?layers={','.join(map(str, layers))}&act=relu&data=digits&opt={opt}&lr={lr:g}"
            f"&batch={batch}&epochs={limits.MAX_EPOCHS}&seed={seed}&lang=en")


# Step 3 as its keys show it: training while Pause can be pressed; the epoch from the toolbar's counter.
PROGRESS_JS = """() => {
    const pause = document.querySelector('.st-key-train_pause button');
    const epoch = document.querySelector('.st-key-train_epoch');
    return [!!pause && !pause.disabled, epoch ? epoch.innerText : ''];
}"""
EPOCH = re.compile(r"([\d,]+\.\d)")  # the counter's epoch, one decimal ("Epoch 12.3 of 500")


async def progress_of(page) -> tuple[str, float] | None:
    """(state, epoch) of a Step 3 page, e.g. ('training', 12.3); None where it cannot be read."""
    try:
        training, text = await page.evaluate(PROGRESS_JS)
    except Exception:  # noqa: BLE001  (a page too busy to answer is reported as missing)
        return None
    found = EPOCH.search(text or "")
    return ("training" if training else "not training", float(found.group(1).replace(",", ""))) if found else None


async def start_trainer(browser, url: str, index: int, args, record: dict):
    ctx = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await ctx.new_page()
    record.update(session=index, errors=[], page=page, ctx=ctx)
    try:
        await page.goto(train_link(url, args.layers, args.opt, args.batch, args.lr, index), timeout=TIMEOUT_MS)
        await wait_idle(page)
        await page.locator(".st-key-train_start button").click(timeout=TIMEOUT_MS)
        deadline = time.perf_counter() + TIMEOUT_MS / 1000
        while (state := await progress_of(page)) is None or state[0] != "training":
            if time.perf_counter() > deadline:
                raise TimeoutError(f"Step 3 did not start training: its status is {state}")
            await asyncio.sleep(0.5)
        if await page.locator(ERRORS).count():
            record["errors"].append("an error box on Step 3: " + (await page.locator(ERRORS).first.inner_text())[:200])
    except Exception as exc:  # noqa: BLE001  (a timeout or a broken page is an error of the run)
        record["errors"].append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")


# --- a training session without a browser ---------------------------------------------------------
class SocketTrainer:
    """One Step 3 session driven over Streamlit's own websocket protocol, as a browser drives it.

    It opens the shared link (a ``rerun_script`` request with the page and the query string), presses
    Start (the button's trigger), and then, like the page's timer, asks for a rerun of the fragment that
    the server's ``auto_rerun`` message names, every ``interval`` seconds, whether or not the last one
    has finished (the server folds requests that pile up). The server does exactly the work it does
    for a browser, sends the same messages, and this client reads only the Pause button's state
    (training while it can be pressed) and the epoch counter from them. On a 2-core machine, ten Step 3
    pages in a browser pinned to one core cannot keep up with their own timers (the playground redraws
    8 times a second), so the server would see far fewer ticks than ten students' browsers send; this
    client keeps the pace.
    """

    EPOCH = re.compile(r"\*\*([\d,]+\.\d)\*\*")  # the epoch counter's markdown: ":small[Epoch]  \n**12.3** …"

    def __init__(self, url: str, query: str, index: int):
        self.ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.query, self.session = query, index
        self.state, self.epoch, self.errors = None, 0.0, []
        self.page_hash, self.fragment, self.interval = "", None, None
        self.start_id: str | None = None
        self.ticks = 0

    async def _send(self, ws, *, fragment: str | None = None, trigger: str | None = None):
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query
        if self.page_hash:
            rerun.page_script_hash = self.page_hash
        else:
            rerun.page_name = STEP3
        if fragment:
            rerun.fragment_id, rerun.is_auto_rerun = fragment, True
        if trigger:
            widget = rerun.widget_states.widgets.add()
            widget.id, widget.trigger_value = trigger, True
        await ws.send(msg.SerializeToString())

    # Only these messages are worth parsing; the charts' large specs are skipped unread (a bytes search).
    WANTED = (b"train_start", b"train_pause", b":small[")

    def _read(self, data: bytes) -> str | None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if len(data) > 4096 and not any(w in data for w in self.WANTED):
            return None
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "navigation" and msg.navigation.page_script_hash:  # the page's (new_session names app.py's)
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "auto_rerun":
            self.fragment, self.interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            what = element.WhichOneof("type")
            if what == "button" and element.button.id.endswith("-train_start"):
                self.start_id = element.button.id
            elif what == "button" and element.button.id.endswith("-train_pause"):
                self.state = "not training" if element.button.disabled else "training"
            elif what == "markdown" and element.markdown.body.startswith(":small["):
                found = self.EPOCH.search(element.markdown.body)
                if found:
                    self.epoch = float(found.group(1).replace(",", ""))
            elif what == "exception":
                self.errors.append("an exception on Step 3: " + element.exception.message[:200])
            elif what == "alert" and element.alert.format == element.alert.ERROR:
                self.errors.append("an error box on Step 3: " + element.alert.body[:200])
        return kind

    async def _until_finished(self, ws, timeout_s: float) -> None:
        deadline = time.perf_counter() + timeout_s
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {timeout_s:g} s")
            if self._read(await asyncio.wait_for(ws.recv(), left)) == "script_finished":
                return

    async def run(self, started: asyncio.Event, stop: asyncio.Event) -> None:
        import websockets

        try:
            async with websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                          open_timeout=TIMEOUT_MS / 1000) as ws:
                await self._send(ws)
                await self._until_finished(ws, TIMEOUT_MS / 1000)
                if not self.start_id:
                    raise RuntimeError(f"no Start button on Step 3 (status {self.state!r})")
                await self._send(ws, trigger=self.start_id)
                deadline = time.perf_counter() + TIMEOUT_MS / 1000
                while self.fragment is None or self.state != "training":
                    if time.perf_counter() > deadline:
                        raise TimeoutError(f"Step 3 did not start training (status {self.state!r})")
                    self._read(await asyncio.wait_for(ws.recv(), TIMEOUT_MS / 1000))
                started.set()
                reader = asyncio.create_task(self._drain(ws))
                try:
                    while not stop.is_set():  # the page's timer: a tick every interval, finished or not
                        await self._send(ws, fragment=self.fragment)
                        self.ticks += 1
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(stop.wait(), self.interval or 0.12)
                finally:
                    reader.cancel()
        except Exception as exc:  # noqa: BLE001  (reported as this session's error)
            self.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")
        finally:
            started.set()

    async def _drain(self, ws) -> None:
        async for data in ws:
            self._read(data)


def _socket_trainers_main(url: str, queries: list[str], conn, cpus) -> None:
    """A child process that runs the SocketTrainers, so that reading ten sessions' messages does not slow
    down this script's own event loop (it times the drawings). Talks over ``conn``: it sends
    ("started", states) once all have started; then answers "states" with the states, and "stop" with
    the final states and stops. A state: (status, epoch, ticks asked, errors)."""
    if cpus:
        os.sched_setaffinity(0, cpus)

    async def main():
        trainers = [SocketTrainer(url, q, i) for i, q in enumerate(queries)]
        stop = asyncio.Event()
        started = [asyncio.Event() for _ in trainers]
        jobs = [asyncio.create_task(t.run(e, stop)) for t, e in zip(trainers, started)]
        await asyncio.gather(*(e.wait() for e in started))

        def states():
            return [(t.state, t.epoch, t.ticks, list(t.errors)) for t in trainers]

        conn.send(("started", states()))
        loop = asyncio.get_running_loop()
        while True:
            request = await loop.run_in_executor(None, conn.recv)
            if request == "stop":
                stop.set()
                await asyncio.gather(*jobs)
                conn.send(states())
                return
            conn.send(states())

    asyncio.run(main())


def strokes_for(digit: int, style_mode: str, seed: int):
    """Pen paths for one drawing in 280-px canvas coordinates (one stroke only with style_mode 'single')."""
    styles = range(3)
    chosen = None
    for style in (seed % 3, *styles):
        paths, _ = pen_paths(digit, style, seed=seed, canvas=280, height=0.62, slant=0.0, rotation=0.0,
                             aspect=1.0, centre=(140, 145))
        if style_mode == "all" or len(paths) == 1:
            chosen = paths
            break
    return [[(float(x), float(y)) for x, y in path] for path in chosen]


INK_ALONG = """(el, strokes) => {
    const ctx = el.getContext('2d');
    const img = ctx.getImageData(0, 0, el.width, el.height).data;
    const sx = el.width / el.getBoundingClientRect().width || 1;
    return strokes.map(points => {
        let ink = 0, n = 0;
        for (const [x, y] of points) {
            const px = Math.round(x * sx), py = Math.round(y * sx);
            if (px < 0 || py < 0 || px >= el.width || py >= el.height) continue;
            const i = 4 * (py * el.width + px);
            n += 1;
            if (img[i] + img[i + 1] + img[i + 2] > 384) ink += 1;
        }
        return n ? ink / n : 0;
    });
}"""

UNDER_POINTER = """([x, y]) => {
    const el = document.elementFromPoint(x, y);
    if (!el) return 'nothing';
    const inner = el.shadowRoot ? el.shadowRoot.elementFromPoint(x, y) : null;
    const name = e => e ? (e.tagName.toLowerCase() + (e.className && typeof e.className === 'string'
        ? '.' + e.className.trim().split(/\\s+/).join('.') : '')) : '';
    const box = el.closest('[data-testid="stElementContainer"]');
    return name(el) + (inner ? ' > ' + name(inner) : '') + (box && box.dataset.stale === 'true' ? ' (stale)' : '');
}"""


def sample_points(path, spacing: float = 6.0):
    """Points along a polyline every ``spacing`` pixels (for the ink check)."""
    out = []
    for (x0, y0), (x1, y1) in zip(path, path[1:]):
        n = max(1, int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / spacing))
        out += [(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(n)]
    return out + [tuple(path[-1])] if path else out


async def draw_strokes(page, strokes, box, rest_s: float = 0.3) -> list[str]:
    """Draw like a hand: rest over the first point ``rest_s``, press, glide, release; 0.15 s between
    strokes. Returns what was under the pointer at each press."""
    scale = box["width"] / 280
    under = []
    for k, path in enumerate(strokes):
        pts = [(box["x"] + x * scale, box["y"] + y * scale) for x, y in path]
        await page.mouse.move(*pts[0])
        await asyncio.sleep(rest_s if k == 0 else 0.15)
        under.append(await page.evaluate(UNDER_POINTER, list(pts[0])))
        await page.mouse.down()
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            await page.mouse.move(x1, y1, steps=max(1, int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / 6)))
        await page.mouse.up()
    return under




async def open_digits(page, url: str, eager: bool) -> None:
    """Open the digits page; ``eager``: only until the canvas is there (load_test's way), else until idle."""
    await page.goto(f"{url}/{DIGITS}", timeout=TIMEOUT_MS)
    if not eager:
        await wait_idle(page)
    await page.wait_for_selector(CANVAS, timeout=TIMEOUT_MS)


async def clear(page) -> None:
    """Press Clear and wait until the square is black again and no Prediction is shown (what a student
    waits for before drawing the next digit)."""
    await page.locator(".st-key-digits_clear button").click(timeout=TIMEOUT_MS)
    await page.wait_for_selector(PREDICTION, state="detached", timeout=TIMEOUT_MS)
    deadline = time.perf_counter() + TIMEOUT_MS / 1000
    while True:
        try:
            if await page.locator(DRAWING_LAYER).first.evaluate(INK_PIXELS, timeout=10_000) == 0:
                return
        except Exception:  # noqa: BLE001  (between an old canvas and a new one)
            pass
        if time.perf_counter() > deadline:
            raise TimeoutError("the canvas still shows ink after Clear")
        await asyncio.sleep(0.1)


async def drawer(browser, url: str, index: int, args, out: list, ready: asyncio.Event, start_gate: asyncio.Event):
    """One student drawing ``args.drawings`` digits. ``--pace careful``: one page; the pen rests over the
    canvas before pressing, and after each reading the student presses Clear and waits for the black
    square. ``--pace eager`` (the load test's way, issue 13's reproduction): every digit by a new
    student (a fresh browser context, nothing cached) on a freshly opened page, drawn as soon as the
    canvas is there, without resting the pen first."""
    eager = args.pace == "eager"
    ctx = await browser.new_context(viewport={"width": 1280, "height": 1100})
    page = await ctx.new_page()
    errors: list[str] = []
    try:
        await open_digits(page, url, eager=False)
        ready.set()
        await start_gate.wait()
        for i in range(args.drawings):
            digit = (3 * index + i) % 10
            record = {"session": index, "drawing": i, "digit": digit}
            out.append(record)
            if eager:  # a new student: a fresh browser context, so nothing of the page is cached yet
                await ctx.close()
                ctx = await browser.new_context(viewport={"width": 1280, "height": 1100})
                page = await ctx.new_page()
                await open_digits(page, url, eager=True)
            canvas = page.locator(CANVAS).first
            if not eager:
                await canvas.scroll_into_view_if_needed()
            handle = await canvas.element_handle()
            box = await canvas.bounding_box()
            strokes = strokes_for(digit, args.styles, seed=100 * index + i)
            record["strokes"] = len(strokes)
            await page.evaluate(LATENCY_WATCH)
            record["under"] = await draw_strokes(page, strokes, box, rest_s=0.0 if eager else 0.3)
            released = time.perf_counter()
            try:
                await page.wait_for_selector(PREDICTION, timeout=args.timeout * 1000)
                record["prediction_s"] = time.perf_counter() - released
                record["shown"] = (await page.locator(PREDICTION).first.inner_text()).strip()
            except Exception:  # noqa: BLE001
                record["prediction_s"] = None
            lat = await page.evaluate("() => window.__latency")
            if lat and lat.get("up") is not None:
                for what in ("running", "done", "shown"):
                    if lat.get(what) is not None:
                        record[f"{what}_ms"] = lat[what] - lat["up"]
            try:
                await wait_idle(page)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"drawing {i}: page never idle: {type(exc).__name__}")
            if record["prediction_s"] is None and await page.locator(PREDICTION).count():
                record["late_s"] = time.perf_counter() - released  # it came, after --timeout
            record["replaced"] = not await handle.evaluate("el => el.isConnected")
            after = await page.locator(CANVAS).first.bounding_box()
            if after and (abs(after["x"] - box["x"]) > 2 or abs(after["y"] - box["y"]) > 2):
                record["moved"] = (round(after["x"] - box["x"]), round(after["y"] - box["y"]))
            try:
                record["ink"] = await page.locator(DRAWING_LAYER).first.evaluate(
                    INK_ALONG, [sample_points(p) for p in strokes])
            except Exception:  # noqa: BLE001
                record["ink"] = []
            record["selection"] = (await page.evaluate("() => String(window.getSelection())")).strip()[:60]
            await page.evaluate("() => window.getSelection().removeAllRanges()")
            if await page.locator(ERRORS).count():
                errors.append(f"drawing {i}: an error box: " + (await page.locator(ERRORS).first.inner_text())[:200])
            if args.verbose:
                took = record.get("shown_ms", 1000 * record["prediction_s"]) / 1000 if (
                    record.get("shown_ms") is not None or record["prediction_s"] is not None) else None
                print(f"  drawer {index} drawing {i}: a {digit} → {record.get('shown', '-')} after "
                      + (f"{took:.2f} s" if took is not None else "no Prediction")
                      + (f"; LOST: {'; '.join(lost_reasons(record))}" if lost_reasons(record) else ""), flush=True)
            record["complete"] = True
            if not eager:
                await clear(page)
    except Exception as exc:  # noqa: BLE001
        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        ready.set()
        out.append({"session": index, "errors": errors})
        await ctx.close()


def lost_reasons(r: dict) -> list[str]:
    """Why a drawing counts as lost (empty: it was read). Slow is not lost: a Prediction that came after
    --timeout, with every stroke on the canvas, is counted as late instead."""
    reasons = []
    if r.get("prediction_s") is None and r.get("late_s") is None:
        reasons.append("no Prediction")
    missing = [k for k, f in enumerate(r.get("ink") or []) if f < 0.5]
    if missing or not r.get("ink"):
        reasons.append(f"stroke(s) {missing} not on the canvas" if r.get("ink") else "canvas unreadable")
    if r.get("replaced"):
        reasons.append("canvas replaced while drawn on")
    if r.get("selection"):
        reasons.append(f"page text selected: {r['selection']!r}")
    if r.get("moved") and reasons:
        reasons.append(f"the canvas moved by {r['moved']} px after it was measured")
    return reasons


async def measure(url: str, args, server_pid: int | None) -> dict:
    from playwright.async_api import async_playwright

    result: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # Warm-up: st.navigation registered, the default digit model and the digits data cached.
        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        await page.goto(url, timeout=TIMEOUT_MS)
        await page.wait_for_selector(".st-key-app_menu", timeout=TIMEOUT_MS)  # the app's own menu: st.navigation ran
        await wait_idle(page)
        await page.goto(f"{url}/{DIGITS}", timeout=TIMEOUT_MS)
        await wait_idle(page)
        await page.goto(f"{url}/{STEP3}?data=digits&layers=16", timeout=TIMEOUT_MS)
        await wait_idle(page)
        await page.close()

        trainers = [{} for _ in range(args.trainers)]
        sockets: list = []
        t0 = time.perf_counter()
        child = conn = None
        if args.trainer_client == "socket":
            import multiprocessing

            queries = [train_link("", args.layers, args.opt, args.batch, args.lr, i).split("?", 1)[1]
                       for i in range(args.trainers)]
            conn, child_conn = multiprocessing.Pipe()
            child = multiprocessing.get_context("spawn").Process(
                target=_socket_trainers_main, args=(url, queries, child_conn, args.client_cpus), daemon=True)
            child.start()
            loop = asyncio.get_running_loop()
            _, first = await loop.run_in_executor(None, conn.recv)
            sockets = first
        else:
            for k in range(0, args.trainers, 5):  # five at a time: a busy server still has to serve the pages
                await asyncio.gather(*(start_trainer(browser, url, i, args, trainers[i])
                                       for i in range(k, min(k + 5, args.trainers))))
        result["trainers_started_s"] = time.perf_counter() - t0

        async def socket_states(request="states"):
            conn.send(request)
            return await asyncio.get_running_loop().run_in_executor(None, conn.recv)

        async def progress_now():
            if conn is not None:
                return [(st, epoch) if st else None for st, epoch, _, _ in await socket_states()]
            return await asyncio.gather(*(progress_of(t["page"]) for t in trainers if "page" in t))

        if args.verbose:
            errors = [e for t in trainers for e in t.get("errors", [])] + [e for t in sockets for e in t[3]]
            took = result["trainers_started_s"]
            print(f"  {args.trainers} trainers ({args.trainer_client}) started in {took:.1f} s: "
                  f"{await progress_now()}; errors: {errors}", flush=True)
        await asyncio.sleep(args.settle)

        gate = asyncio.Event()
        drawings: list = []
        ready = [asyncio.Event() for _ in range(args.drawers)]
        jobs = [asyncio.create_task(drawer(browser, url, i, args, drawings, ready[i], gate))
                for i in range(args.drawers)]
        # The drawers' pages load first; the clock for training rates and CPU starts when they begin to draw.
        await asyncio.gather(*(r.wait() for r in ready))
        if args.verbose:
            print("  the drawers' pages are open: drawing starts", flush=True)
        progress0 = await progress_now()
        cpu0, srv0, w0 = cpu_times(), process_jiffies(server_pid) if server_pid else None, time.perf_counter()
        gate.set()
        done, pending = await asyncio.wait(jobs, timeout=args.max_seconds)
        for job in pending:  # out of time: what was measured so far is reported, the rest is an error
            job.cancel()
        if pending:
            await asyncio.wait(pending)
            drawings.append({"session": -1, "errors": [f"{len(pending)} drawer(s) still busy after "
                                                       f"--max-seconds {args.max_seconds:g}: stopped"]})
        cpu1, srv1, w1 = cpu_times(), process_jiffies(server_pid) if server_pid else None, time.perf_counter()
        progress1 = await progress_now()
        if conn is not None:
            final = await socket_states("stop")
            for i, (_, _, ticks, errors) in enumerate(final):
                trainers[i] = {"session": i, "errors": errors, "ticks": ticks}
            child.join(30)
        result["wall_s"] = w1 - w0
        result["progress"] = list(zip(progress0, progress1))
        hz = os.sysconf("SC_CLK_TCK")
        if srv0 is not None and srv1 is not None:
            result["server_cpu"] = (srv1 - srv0) / hz / (w1 - w0)
        result["cpus"] = {c: (cpu1[c][0] - cpu0[c][0]) / max(1, cpu1[c][1] - cpu0[c][1]) for c in cpu1 if c in cpu0}
        result["server_threads"] = thread_count(server_pid) if server_pid else None
        result["trainers"] = [{k: v for k, v in t.items() if k not in ("page", "ctx")} for t in trainers]
        result["drawings"] = [d for d in drawings if d.get("complete")]
        result["cut_short"] = sum(1 for d in drawings if "drawing" in d and not d.get("complete"))
        result["drawer_errors"] = [(d["session"], e) for d in drawings if "errors" in d for e in d["errors"]]
        for t in trainers:
            if "ctx" in t:
                await t["ctx"].close()
        await browser.close()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainers", type=int, default=10, help="sessions training on Step 3 (default 10)")
    parser.add_argument("--drawers", type=int, default=5, help="sessions drawing digits (default 5)")
    parser.add_argument("--drawings", type=int, default=6, help="digits each drawer draws (default 6)")
    parser.add_argument("--styles", choices=["single", "all"], default="single",
                        help="one-stroke digits only (exact timing), or two-stroke ones too")
    parser.add_argument("--layers", default=",".join(map(str, largest_layers())),
                        help="Step 3's hidden layers (default: the largest the limits allow)")
    parser.add_argument("--opt", default="sgd", help="Step 3's optimizer (default sgd)")
    parser.add_argument("--batch", type=int, default=256, help="Step 3's batch size (default 256)")
    parser.add_argument("--trainer-client", choices=["socket", "browser"], default="socket",
                        help="drive the training sessions over Streamlit's websocket (default; see "
                             "SocketTrainer) or as Chromium pages")
    parser.add_argument("--pace", choices=["careful", "eager"], default="careful",
                        help="careful: one page, Clear between digits; eager: a fresh page per digit, "
                             "drawn as soon as the canvas is there (see drawer)")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--settle", type=float, default=8.0, help="seconds of training before the drawers start")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for one Prediction")
    parser.add_argument("--server-blas-threads", default="app",
                        help="BLAS threads of the server: 'app' (app.py's default, 1) or a number")
    parser.add_argument("--max-seconds", type=float, default=900,
                        help="stop drawing after this long and report what was measured (default 900)")
    parser.add_argument("--verbose", action="store_true", help="a line per drawing as it happens")
    parser.add_argument("--tick-slots", type=int, default=None,
                        help="the server's NNLIB_TICK_SLOTS: training ticks at a time (0: no limit, the "
                             "behaviour before issue 13's fair share; default: the app's own choice)")
    parser.add_argument("--tick-yield", type=float, default=None,
                        help="the server's NNLIB_TICK_YIELD_S: how long a tick makes way for another "
                             "session's click or stroke (default: the app's own, 0.5 s)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and the browsers to separate CPUs")
    args = parser.parse_args(argv)
    args.layers = tuple(int(h) for h in args.layers.split(","))
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium")
        return 2

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the server is stopped on `timeout`
    load_before = os.getloadavg()
    server_cpus, browser_cpus, pin_note = placement()
    if args.no_pin:
        server_cpus = browser_cpus = None
        pin_note = "not pinned (--no-pin)"
    mine = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    args.client_cpus = browser_cpus  # the socket trainers stand in for browsers: on the browsers' CPUs
    saved = {v: os.environ.pop(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
             if v in os.environ}
    saved_fair = {v: os.environ.pop(v) for v in ("NNLIB_TICK_SLOTS", "NNLIB_TICK_YIELD_S") if v in os.environ}
    if args.tick_slots is not None:  # ui/fragments.py's FairShare: 0 turns it off
        os.environ["NNLIB_TICK_SLOTS"] = str(args.tick_slots)
    if args.tick_yield is not None:
        os.environ["NNLIB_TICK_YIELD_S"] = str(args.tick_yield)
    if args.server_blas_threads != "app":
        for v in saved or ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[v] = str(int(args.server_blas_threads))
    try:
        if server_cpus:
            os.sched_setaffinity(0, server_cpus)   # the server inherits it
        proc, url = load_test.start_server(log_prefix="contention_")
    finally:
        if browser_cpus or mine:
            os.sched_setaffinity(0, browser_cpus or mine)  # this script, Playwright's driver and Chromium
        for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.pop(v, None)
        os.environ.update(saved)
        for v in ("NNLIB_TICK_SLOTS", "NNLIB_TICK_YIELD_S"):
            os.environ.pop(v, None)
        os.environ.update(saved_fair)
    params = count_params([256, *args.layers, 10])
    print(f"server {url} (log {proc.log_path}); {pin_note}")
    print("load average before: " + " ".join(f"{x:.2f}" for x in load_before) + f" on {os.cpu_count()} cores")
    print(f"{args.trainers} trainers: Step 3 on the digits, hidden {len(args.layers)} × {args.layers[0]}"
          f" ({params:,} parameters), {args.opt}, batch {args.batch}; "
          f"{args.drawers} drawers × {args.drawings} digits ({args.styles} strokes); "
          f"server BLAS threads: {args.server_blas_threads}; training ticks at a time: "
          f"{'the app default' if args.tick_slots is None else args.tick_slots or 'no limit'}; a tick makes "
          f"way for a student's run for {'the app default' if args.tick_yield is None else f'{args.tick_yield:g} s'}")
    try:
        result = asyncio.run(measure(url, args, proc.pid))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except Exception:  # noqa: BLE001
            proc.kill()
    return report(result, args)


def report(result: dict, args) -> int:
    load = os.getloadavg()
    drawings = result["drawings"]
    seen_by_script = [d["prediction_s"] for d in drawings if d.get("prediction_s") is not None]
    in_page = [d["shown_ms"] / 1000 for d in drawings if d.get("shown_ms") is not None]
    times = in_page if len(in_page) >= len(seen_by_script) else seen_by_script
    clock = "in the page's own clock" if times is in_page else "as this script saw it"
    lost = [(d, lost_reasons(d)) for d in drawings if lost_reasons(d)]
    errors = [(t["session"], e) for t in result["trainers"] for e in t.get("errors", [])]
    print(f"\ndrawing phase {result['wall_s']:.1f} s (trainers started in {result['trainers_started_s']:.1f} s); "
          f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if times:
        med, p95 = statistics.median(times), percentile(times, 0.95)
        verdict = "meets" if med <= BAR_MEDIAN_S and p95 <= BAR_P95_S and len(times) == len(drawings) else "MISSES"
        print(f"mouse-up → Prediction shown, {clock} ({len(times)} of {len(drawings)} drawings): median "
              f"{med:.2f} s, p95 {p95:.2f} s, max {max(times):.2f} s — {verdict} the bar (median ≤ "
              f"{BAR_MEDIAN_S:g} s, p95 ≤ {BAR_P95_S:g} s)")
        if times is in_page and seen_by_script:
            print(f"  (as this script saw it, with its own delays: median {statistics.median(seen_by_script):.2f} s, "
                  f"p95 {percentile(seen_by_script, 0.95):.2f} s)")
    else:
        print(f"mouse-up → Prediction shown: none of {len(drawings)} drawings got a Prediction")
    parts = {what: [d[f"{what}_ms"] / 1000 for d in drawings if d.get(f"{what}_ms") is not None]
             for what in ("running", "done", "shown")}
    if parts["running"]:
        print("where the time goes (browser clock, median / max from the pen-up): the server starts the run "
              f"{statistics.median(parts['running']):.2f} / {max(parts['running']):.2f} s; the run ends "
              + (f"{statistics.median(parts['done']):.2f} / {max(parts['done']):.2f} s; " if parts["done"] else "- ; ")
              + (f"the Prediction shows {statistics.median(parts['shown']):.2f} / {max(parts['shown']):.2f} s"
                 if parts["shown"] else ""))
    late = [d["late_s"] for d in drawings if d.get("late_s") is not None]
    if late:
        print(f"late (Prediction after --timeout {args.timeout:g} s, shown once the page was idle): {len(late)}, "
              f"after {', '.join(f'{x:.1f}' for x in sorted(late))} s")
    correct = sum(d.get("shown") == str(d["digit"]) for d in drawings)
    print(f"digits read correctly: {correct} of {len(drawings)}")
    print(f"lost drawings: {len(lost)} of {len(drawings)}"
          + (f" ({result['cut_short']} more cut short by an error or --max-seconds, not counted)"
             if result.get("cut_short") else ""))
    for d, reasons in lost:
        print(f"  drawer {d['session']} drawing {d['drawing']} (a {d['digit']}, {d['strokes']} stroke(s)): "
              f"{'; '.join(reasons)}; under the pen at each press: {d.get('under')}")
    print(f"errors: {len(errors) + len(result['drawer_errors'])}")
    for who, e in errors:
        print(f"  trainer {who}: {e}")
    for who, e in result["drawer_errors"]:
        print(f"  drawer {who}: {e}")
    rates = []
    for before, after in result["progress"]:
        if before and after:
            rates.append((after[1] - before[1]) * math.ceil(DIGITS_TRAIN / args.batch) / result["wall_s"])
    states = [after[0] if after else "?" for _, after in result["progress"]]
    if rates:
        print(f"training sessions: {len(rates)} read, steps per second each (from the epoch counter, to "
              f"±{math.ceil(DIGITS_TRAIN / args.batch) / 10:g} steps): median {statistics.median(rates):.1f}, "
              f"min {min(rates):.1f}, max {max(rates):.1f}, sum {sum(rates):.1f}; states at the end: "
              + ", ".join(sorted(set(states))))
    if "server_cpu" in result:
        print(f"server CPU: {result['server_cpu']:.2f} of one core over the drawing phase "
              f"({result['server_threads']} threads at the end)")
    if result["cpus"]:
        print("busy share per CPU (everything on the machine): "
              + ", ".join(f"cpu{c} {v:.0%}" for c, v in sorted(result["cpus"].items())))
    bad = bool(lost) or bool(errors) or bool(result["drawer_errors"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
