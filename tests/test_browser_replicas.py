"""Two replicas behind nginx (deploy/replicas.py), driven by headless Chromium.

One test, in the order a lecture would meet them: sessions stick to their replica (every response a
browser gets comes from one replica, and its state survives reruns and a dropped WebSocket), then one
replica crashes: its sessions see Streamlit's reconnect and get a fresh session on the live replica,
the other replica's sessions are untouched, and new browsers go to the live one.

The replicas share the developer's nnlib cache (``nnlib.datasets.cache_dir()``), so the Dockerfile's
build-time step runs but finds the cache built; ``python -m deploy.replicas`` starts from an empty one.
"""

from __future__ import annotations

import os
import re
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, screenshot

from deploy.replicas import Replicas, nginx_binary
from nnlib import datasets

pytestmark = pytest.mark.browser

WAIT_IDLE = """() => {
    const s = document.querySelector('[data-testid="stStatusWidget"]');
    return !s || !s.innerText.includes('Running');
}"""
# Every text the status widget shows, recorded from the page's start ("CONNECTING" on a reconnect).
WATCH_STATUS = """() => {
    window.__statuses = [];
    window.__status = "";
    new MutationObserver(() => {
        const s = document.querySelector('[data-testid="stStatusWidget"]');
        const text = s ? s.innerText.trim() : "";
        if (text !== window.__status && text) window.__statuses.push(text);
        window.__status = text;
    }).observe(document, {subtree: true, childList: true, characterData: true});
}"""
TIMEOUT_MS = 90_000
# Step 3's "step once" button (by its widget key) and its epoch count ("Epoch 2.0"): the session state
# this test follows. A fresh session shows epoch 0.
STEP_BUTTON = ".st-key-train_step button"
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def _needs(path_ok: bool, message: str):
    if not path_ok:
        if os.environ.get("CI"):
            pytest.fail("the replica test must run in CI, but " + message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def cluster():
    _needs(nginx_binary() is not None, "nginx is missing: apt-get install nginx")
    with Replicas(2, cache_dir=datasets.cache_dir(), log=lambda *_: None).start() as replicas:
        yield replicas


@pytest.fixture(scope="module")
def browser(_playwright):
    b = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


class Session:
    """One student's browser: its own context (cookies), every response's X-Upstream, its WebSockets."""

    def __init__(self, browser, cluster, key: str | None = None):
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000})
        if key:  # a browser that already holds the cookie nginx set on its first visit
            self.context.add_cookies([{"name": "stroute", "value": key, "url": cluster.url}])
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.upstreams: list[tuple[str, str]] = []     # (path, replica that answered last)
        self.sockets_opened = self.sockets_closed = 0
        self.page.on("response", self._response)
        self.page.on("websocket", self._socket)
        self.page.add_init_script(f"({WATCH_STATUS})()")
        self.url = cluster.url

    def _response(self, response):
        if response.url.startswith(self.url) and "x-upstream" in response.headers:
            self.upstreams.append((response.url[len(self.url):], response.headers["x-upstream"].split(",")[-1].strip()))

    def _socket(self, ws):
        self.sockets_opened += 1
        ws.on("close", self._closed)

    def _closed(self, _ws):
        self.sockets_closed += 1

    def wait_reconnected(self, shown: int, opened: int, seconds: float = 60):
        """Until the status showed "Connecting" after the first ``shown`` statuses, a new WebSocket
        opened, and the status no longer says "Connecting"."""
        self.page.wait_for_function(f"() => window.__statuses.slice({shown}).some(t => /connecting/i.test(t))")
        deadline = time.time() + seconds
        while self.sockets_opened <= opened:
            assert time.time() < deadline, "no new WebSocket after the reconnect"
            self.page.wait_for_timeout(100)
        self.page.wait_for_function("""() => {
            const s = document.querySelector('[data-testid="stStatusWidget"]');
            return !s || !/connecting/i.test(s.innerText);
        }""")

    def idle(self):
        self.page.wait_for_selector('[data-testid="stApp"]')
        self.page.wait_for_function(WAIT_IDLE)

    def open_step3(self):
        self.idle()
        self.page.get_by_role("link", name=re.compile("Step 3")).first.click()
        self.page.locator(STEP_BUTTON).first.wait_for()
        self.idle()

    def errors(self) -> list[str]:
        return self.page.locator(ERRORS).all_inner_texts()

    def step_once(self):
        """One optimizer step; clicked again if the click landed while the page was still redrawing."""
        before = self.epoch()
        for _ in range(3):
            self.page.locator(STEP_BUTTON).first.click()
            try:
                self.wait_epoch(lambda e: e > before, f"an epoch past {before}", seconds=20)
            except AssertionError:
                continue
            self.idle()
            return
        raise AssertionError(f"Step did not advance the epoch past {before}")

    def epoch(self) -> float:
        """Step 3's epoch count (session state: a fresh session starts at 0)."""
        found = re.search(r"\bepoch\s+([\d,]+(?:\.\d+)?)", self.page.inner_text('[data-testid="stMain"]'), re.I)
        assert found, "no epoch count on Step 3"
        return float(found.group(1).replace(",", ""))

    def wait_epoch(self, predicate, what: str, seconds: float = 60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if predicate(self.epoch()):
                    return
            except AssertionError:   # the page is redrawing
                pass
            self.page.wait_for_timeout(200)
        path = screenshot(self.page, "replicas-failure")
        raise AssertionError(f"Step 3 never showed {what} (screenshot: {path}); statuses {self.statuses()}; "
                             f"last answers {self.upstreams[-5:]}")

    def replicas_since(self, start: int) -> set[str]:
        return {up for _, up in self.upstreams[start:]}

    def statuses(self) -> list[str]:
        return self.page.evaluate("() => window.__statuses")

    def close(self):
        self.context.close()


def test_large_files_come_through_nginx_whole(cluster):
    # nginx spools answers larger than its buffers to disk (Plotly's script is 4.7 MB): its workers
    # must be able to write there, or the browser gets a cut file and "Failed to fetch module".
    import glob

    import streamlit

    static = Path(streamlit.__file__).parent / "static" / "static" / "js"
    biggest = max(glob.glob(str(static / "*.js")), key=os.path.getsize)
    with urllib.request.urlopen(f"{cluster.url}/static/js/{Path(biggest).name}", timeout=60) as response:
        assert len(response.read()) == os.path.getsize(biggest)


def test_sessions_stick_to_their_replica_and_a_crash_moves_only_its_own(cluster, browser):
    r0, r1 = (r.address for r in cluster.replicas)

    # A first visit without the cookie: nginx sets one, and everything after the page itself
    # (scripts, health, host config) comes from a single replica.
    fresh = Session(browser, cluster)
    fresh.page.goto(cluster.url)
    fresh.idle()
    cookie = next(c for c in fresh.context.cookies() if c["name"] == "stroute")
    assert re.fullmatch(r"[0-9a-f]{32}", cookie["value"]) and cookie["httpOnly"]
    assert len(fresh.replicas_since(1)) == 1, fresh.upstreams
    fresh.close()

    # One student on each replica (cookie values that nginx's hash maps there).
    key_a = cluster.key_for(0)
    a = Session(browser, cluster, key_a)
    b = Session(browser, cluster, cluster.key_for(1))
    for s in (a, b):   # both pages load at once, each on its own replica
        s.page.goto(cluster.url, wait_until="commit")
    for s in (a, b):
        s.open_step3()
        s.step_once()   # a rerun that changes the session's state: epoch > 0
    epochs = {s: s.epoch() for s in (a, b)}
    assert all(e > 0 for e in epochs.values()), epochs
    assert a.replicas_since(0) == {r0} and b.replicas_since(0) == {r1}, (a.upstreams, b.upstreams)

    # nginx restarts: every WebSocket drops, Streamlit reconnects, and the cookie brings each browser
    # back to its replica, which still holds its session: the next step continues from where it was.
    before = {s: (len(s.statuses()), s.sockets_opened) for s in (a, b)}
    cluster.restart_nginx()
    for s in (a, b):
        s.wait_reconnected(*before[s])
        s.step_once()
        assert s.epoch() > epochs[s]
        epochs[s] = s.epoch()
    assert a.replicas_since(0) == {r0} and b.replicas_since(0) == {r1}, (a.upstreams, b.upstreams)

    # Replica 0 crashes. Its student sees "Connecting", and the page's next run is a fresh session on
    # replica 1 (Streamlit keeps showing the old page until then): Step 3 starts again from epoch 0.
    # Replica 1's student keeps the session and the WebSocket; new browsers go to replica 1.
    seen = {s: len(s.upstreams) for s in (a, b)}
    before_a, b_closed = (len(a.statuses()), a.sockets_opened), b.sockets_closed
    cluster.kill(0)
    a.wait_reconnected(*before_a)
    a.page.locator(STEP_BUTTON).first.click()
    a.wait_epoch(lambda e: e < epochs[a], f"a fresh session (below epoch {epochs[a]}) after its replica died")
    a.idle()
    assert a.replicas_since(seen[a]) == {r1}, a.upstreams[seen[a]:]
    assert cluster.upstream(key_a) == r1   # its cookie now maps to the live replica

    b.step_once()   # the untouched session still answers, from where it was
    assert b.epoch() > epochs[b]
    assert b.sockets_closed == b_closed and b.replicas_since(seen[b]) <= {r1}

    late = Session(browser, cluster)   # a new student, no cookie yet
    late.page.goto(cluster.url)
    late.idle()
    assert late.replicas_since(0) == {r1}, late.upstreams
    for s in (a, b, late):
        assert not s.errors(), s.errors()
        s.close()

