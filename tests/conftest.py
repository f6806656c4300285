"""Shared fixtures: every backend for the core suite, and a live app + Chromium for browser tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from nnlib import backend
from tests.streamlit_mode import app_py_in_charge

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _cupy_available() -> bool:
    try:
        backend.resolve("cupy")
        return True
    except backend.BackendError:
        return False


@pytest.fixture(params=["numpy", "array_api_strict", "cupy"])
def xp_backend(request):
    """Run a test once per backend; CuPy is skipped, with the reason, where no GPU is usable."""
    if request.param == "cupy" and not _cupy_available():
        pytest.skip("CuPy backend: " + backend.cupy_or_reason()[1])
    previous = backend.name
    backend.set_backend(request.param)
    yield request.param
    backend.set_backend(previous)


@pytest.fixture(autouse=True, scope="session")
def _streamlit_navigation_mode():
    """Every AppTest run goes through app.py, as on a live server (see streamlit_mode.py)."""
    with app_py_in_charge():
        yield


# --- headless pages (AppTest) ------------------------------------------------------
def open_page(page: str, timeout: float = 60, **state):
    """An AppTest session that ran app.py once, got ``state`` put into session state, then opened ``page``."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=timeout).run()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def plotly_spec(at, key: str) -> dict:
    """The plotly figure (as a dict) of the chart whose widget key ends with ``key``."""
    import json

    chart = next(e for e in at.get("plotly_chart") if e.proto.id.endswith(key))
    return json.loads(chart.proto.spec)


# --- live app and browser ---------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app():
    """Run `streamlit run app.py` on a free port; yield its URL; stop it afterwards."""
    port = _free_port()
    env = {**os.environ, "NNLIB_BACKEND": "numpy", "PYTHONUNBUFFERED": "1"}
    log = open(tempfile.mkstemp(suffix=".log")[1], "w+")  # noqa: SIM115 (lives as long as the server)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"streamlit did not start; log: {Path(log.name).read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def app_url():
    """One live app for the whole test session."""
    with running_app() as url:
        yield url


@pytest.fixture(scope="session")
def _playwright():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail("browser tests must run in CI, but " + message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture
def browser_page(_playwright, tmp_path):
    """A fresh headless Chromium page (1280×1100 viewport)."""
    ctx = _playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 1100})
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.set_default_timeout(30_000)
    yield page
    ctx.close()


# Step 3: pause, unless the run has ended. One step in the page: a check and then a click could straddle
# the run's end (a toy run is spread over about 60 ticks, some 7 s).
PAUSE_IF_RUNNING = """() => {
    const b = document.querySelector('.st-key-train_pause button');
    if (b && !b.disabled) b.click();
}"""


def wait_for_app(page, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit has finished running the script (no 'Running...' indicator)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const s = document.querySelector('[data-testid="stStatusWidget"]');
            return !s || !s.innerText.includes('Running');
        }""", timeout=timeout_ms)
    page.wait_for_timeout(300)


SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def screenshot(page, name: str) -> Path:
    """Save a screenshot under artifacts/screenshots/ (ignored by git) for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

