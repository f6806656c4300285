"""One way to run long work on a page: in a fragment, one bounded slice at a time.

Long work (training a network, a series of experiments, a download) keeps its state in
``st.session_state`` and advances in slices. Streamlit's fast reruns stop a running script at its
next ``st.*`` call when the student clicks something, so only the slice in progress is lost, and
the next run carries on from the saved state: the page stays responsive and nothing restarts.

    run_in_slices(lambda report: run.run_slice(0.05), active=lambda: run.running, show=draw)

There are two paces. With ``tick_s`` (Step 3) the fragment reruns itself every ``tick_s`` seconds
while the work is active and does one slice per tick, so the buttons beside it (Pause) answer
between slices and the views redraw several times a second. With ``tick_s=None`` (a job the student
waits for: an experiment, a download) the slices run back to back in this run, with a progress bar.
Either way the whole page reruns once when the work stops, so what depends on it (a Start button,
the results below) is drawn anew.

Ticks take turns on the server (:class:`FairShare`, issue 13): at most ``NNLIB_TICK_SLOTS`` ticks run at
once in the server process (by default one fewer than its cores), first come first served, and a tick
holds back for up to ``NNLIB_TICK_YIELD_S`` seconds while another session runs something a student is
waiting for (a click, a stroke on the digit canvas, a page). Without that, ten students training the
largest network keep ten threads busy on the server's cores, and a student who draws a digit gets about an
eleventh of the CPU (``python -m benchmarks.contention`` measures it).

:func:`keep_fragment_reruns_on_their_page` (installed by app.py) keeps a fragment's late rerun from
blanking the page the student has just opened.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterator

import streamlit as st

_LOG = logging.getLogger(__name__)

TICK_S = 0.1  # a live view asks for a redraw 10 times a second while work runs (issue 12: at least 8 seen)

Report = Callable[[float, str], None]


# --- turns for background ticks ------------------------------------------------------------------
def env_number(name: str, default: float, kind: type = float) -> float:
    """The environment variable ``name`` as a finite number ≥ 0 of ``kind``, or ``default`` (with a
    warning in the log when it is set to something else)."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
        if math.isfinite(value) and value >= 0:
            return value
    except ValueError:
        pass
    _LOG.warning("%s=%r is not a number ≥ 0: using %s", name, text, default)
    return default


def default_slots() -> int:
    """Ticks that may run at once: ``NNLIB_TICK_SLOTS`` (0: no limit), else the cores this process may
    use less one, and at least one, so that one core stays free for what students wait for."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return int(env_number("NNLIB_TICK_SLOTS", max(1, cores - 1), int))


class FairShare:
    """Turns for background ticks, so that they cannot crowd out what a student is waiting for.

    A server-wide resource limiter: it counts threads and turns, and holds nothing of any session.

    - :meth:`interactive` marks the calling thread, for a ``with`` block, as running something a
      student waits for (keep_fragment_reruns_on_their_page marks every script run that is not a
      timer's tick). Each session's script runs in its own thread.
    - :meth:`tick` gives a timer's tick its turn: at most ``slots`` ticks hold one at a time (0: no
      limit), in the order they asked. The first in line starts as soon as a turn is free and no other
      thread is in an interactive run; while one is, it holds back, but for at most ``yield_s`` seconds
      from when the turn came free, so a long interactive run (a minute-long experiment) slows the
      others' training but never stops it. A tick that got no turn within ``wait_s`` is told so
      (False) and skips its work. A tick inside its own thread's interactive run (a click on Start, a
      change of a control next to a running training) is part of what the student waits for: it takes
      no turn and never waits.

    Waiting threads block on a condition: they cost no CPU. A request the waiting session makes
    meanwhile (Pause) is served when the tick's turn or ``wait_s`` comes, as Streamlit runs a
    session's requests one after another.
    """

    def __init__(self, slots: int, yield_s: float = 0.5, wait_s: float = 10.0):
        self.slots, self.yield_s, self.wait_s = int(slots), float(yield_s), float(wait_s)
        self._cond = threading.Condition()
        self._line: list[object] = []            # waiting ticks, first come first
        self._running = 0                        # ticks holding a turn
        self._interactive: dict[int, int] = {}   # thread id -> interactive runs in progress in it

    @contextlib.contextmanager
    def interactive(self, yes: bool = True) -> Iterator[None]:
        """Mark the calling thread as running something a student waits for, for the ``with`` block."""
        if not yes:
            yield
            return
        me = threading.get_ident()
        with self._cond:
            self._interactive[me] = self._interactive.get(me, 0) + 1
        try:
            yield
        finally:
            with self._cond:
                left = self._interactive.pop(me, 1) - 1
                if left:
                    self._interactive[me] = left
                self._cond.notify_all()

    def others_interactive(self) -> int:
        """Interactive runs in progress in threads other than the caller's."""
        me = threading.get_ident()
        with self._cond:
            return sum(n for thread, n in self._interactive.items() if thread != me)

    @property
    def running(self) -> int:
        """Ticks holding a turn now."""
        with self._cond:
            return self._running

    @property
    def waiting(self) -> int:
        """Ticks waiting for their turn."""
        with self._cond:
            return len(self._line)

    @contextlib.contextmanager
    def tick(self) -> Iterator[bool]:
        """A turn for one tick, for the ``with`` block: yields True once it has one (or needs none), False
        when none came within ``wait_s``."""
        with self._cond:
            free = self.slots <= 0 or threading.get_ident() in self._interactive
        if free:
            yield True
            return
        admitted = self._admit()
        try:
            yield admitted
        finally:
            if admitted:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

    def _admit(self) -> bool:
        me, thread = object(), threading.get_ident()
        start = time.monotonic()
        free_since = None  # when this tick was first in line with a turn free
        with self._cond:
            self._line.append(me)
            try:
                while True:
                    now = time.monotonic()
                    if self._line[0] is me and self._running < self.slots:
                        free_since = now if free_since is None else free_since
                        busy = any(t != thread for t in self._interactive)
                        if not busy or now - free_since >= self.yield_s:
                            self._running += 1
                            return True
                        timeout = free_since + self.yield_s - now
                    else:
                        free_since, timeout = None, None
                    left = start + self.wait_s - now
                    if left <= 0:
                        return False
                    self._cond.wait(left if timeout is None else min(left, timeout))
            finally:
                self._line.remove(me)
                self._cond.notify_all()  # the next in line may go now


FAIR_SHARE = FairShare(default_slots(), yield_s=env_number("NNLIB_TICK_YIELD_S", 0.5),
                       wait_s=env_number("NNLIB_TICK_WAIT_S", 10.0))


def run_in_slices(advance: Callable[[Report], object], *, active: Callable[[], bool],
                  show: Callable[[], None] | None = None, tick_s: float | None = TICK_S,
                  was_active: bool | None = None) -> None:
    """Run ``advance`` slice by slice in a fragment while ``active()``, drawing ``show`` between slices.

    advance(report): one bounded slice of the work, saved in session state as it goes; it may call
        ``report(fraction, text)`` to fill a progress bar (shown under ``show`` while slices run).
    active(): whether there is work to do now (False when done, paused or failed).
    show(): the views of the work, drawn once per run of the fragment. Without ``tick_s`` it is also
        drawn between slices, into one placeholder: those calls must each draw something new (the
        work moved on) and use no widget keys.
    tick_s: seconds between ticks while active; None runs the slices back to back until done.
    was_active: for a fragment nested in another fragment, whether the work was active at the last full
        run (which set the timer); by default, whether it is active now.
    """
    if was_active is None:
        was_active = active()

    @st.fragment(run_every=tick_s if was_active and tick_s else None)
    def slices() -> None:
        reports: list[tuple[float, str]] = []
        ticking = bool(tick_s) and active()
        # A tick's slice and its redraw take one turn of the server (FairShare); without a turn in time
        # the tick only redraws (a fragment's run must draw its elements, or they vanish).
        with FAIR_SHARE.tick() if ticking else contextlib.nullcontext(True) as turn:
            if ticking and turn and active():  # still active after the wait
                advance(lambda fraction, text: reports.append((fraction, text)))
            elif not tick_s and active():
                # Views and bar go into placeholders that each slice redraws. (With a timer they are drawn
                # straight into the fragment instead: a placeholder emptied on every tick would remount them.)
                view, bar = st.empty(), st.empty()
                while True:
                    advance(lambda fraction, text: bar.progress(_fraction(fraction), text=text))
                    if not active():
                        break
                    if show is not None:
                        with view.container():
                            show()
            if show is not None:
                show()  # before a rerun too: the views keep their last frame until the whole page is redrawn
            if active() != was_active:
                st.rerun()  # started, finished, paused or failed in here: redraw the whole page
            if reports:
                fraction, text = reports[-1]
                st.progress(_fraction(fraction), text=text)

    slices()


def _fraction(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def keep_fragment_reruns_on_their_page() -> None:
    """Make a fragment's rerun that arrives after the student left its page redraw the page shown instead.

    A widget inside a fragment can report its value just after a click on another page: the digit
    canvas sends a stroke up to 0.2 s after the pen is lifted. The browser then asks for that
    fragment's rerun on the page it is leaving, right behind the request for the new page. Streamlit
    queues it behind the new page's run and then runs it with the old page's hash; the fragment no
    longer exists ("Couldn't find fragment with id …" in the log), and the browser, told that the old
    page is running, removes everything the new page drew: the main area stays empty until the
    student clicks again.

    A fragment rerun never changes the page. So when one asks for another page than the one the
    session shows (the page that app.py's st.navigation chose in the last full run), this runs the
    page shown instead, in full. Streamlit's script runner is wrapped once per server process; where
    its internals differ (another Streamlit version), nothing is changed and a warning is logged.

    The same wrapper tells :data:`FAIR_SHARE` which runs a student is waiting for: every run that is
    not a timer's tick (``is_auto_rerun``). (A run that follows on at once, by ``st.rerun``, keeps the
    mark of the run it follows.)
    """
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    run_script = getattr(ScriptRunner, "_run_script", None)
    if run_script is None:
        _LOG.warning("Streamlit's ScriptRunner has changed: late fragment reruns are not guarded")
        return
    if getattr(run_script, "_keeps_fragments_on_their_page", False):
        return
    try:
        from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

        fields = {f.name for f in dataclasses.fields(RerunData)}
    except (ImportError, TypeError):
        fields = set()
    needed = {"page_script_hash", "page_name", "fragment_id_queue", "is_fragment_scoped_rerun", "is_auto_rerun",
              "query_string"}
    if not needed <= fields:
        _LOG.warning("Streamlit's RerunData has changed: late fragment reruns are not guarded")
        return

    def _run_script(self, rerun_data):
        rerun_data = _on_the_page_shown(self, rerun_data)
        with FAIR_SHARE.interactive(not rerun_data.is_auto_rerun):
            return run_script(self, rerun_data)

    _run_script._keeps_fragments_on_their_page = True
    ScriptRunner._run_script = _run_script


def _on_the_page_shown(runner, rerun_data):
    """``rerun_data``, or a full run of the page shown when it is a fragment rerun for another page."""
    if not rerun_data.fragment_id_queue or not rerun_data.page_script_hash:
        return rerun_data
    pages = getattr(runner, "_pages_manager", None)
    shown = getattr(pages, "current_page_script_hash", "")
    if not shown or rerun_data.page_script_hash == shown:
        return rerun_data
    _LOG.info("A fragment rerun for page %s arrived after the session moved to page %s: redrawing that page",
              rerun_data.page_script_hash, shown)
    ctx = getattr(runner, "_get_script_run_ctx", lambda: None)()
    return dataclasses.replace(
        rerun_data, page_script_hash=shown, page_name="", fragment_id_queue=[], is_fragment_scoped_rerun=False,
        is_auto_rerun=False, query_string=getattr(ctx, "query_string", rerun_data.query_string))
