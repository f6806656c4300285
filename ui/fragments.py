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

:func:`keep_fragment_reruns_on_their_page` (installed by app.py) keeps a fragment's late rerun from
blanking the page the student has just opened.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import streamlit as st

_LOG = logging.getLogger(__name__)

TICK_S = 0.12  # a live view asks for a redraw about 8 times a second while work runs

Report = Callable[[float, str], None]


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
        if tick_s and active():
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
