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
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

TICK_S = 0.12  # a live view asks for a redraw about 8 times a second while work runs

Report = Callable[[float, str], None]


def run_in_slices(advance: Callable[[Report], object], *, active: Callable[[], bool],
                  show: Callable[[], None] | None = None, tick_s: float | None = TICK_S) -> None:
    """Run ``advance`` slice by slice in a fragment while ``active()``, drawing ``show`` between slices.

    advance(report): one bounded slice of the work, saved in session state as it goes; it may call
        ``report(fraction, text)`` to fill a progress bar (shown under ``show`` while slices run).
    active(): whether there is work to do now (False when done, paused or failed).
    show(): the views of the work, drawn once per run of the fragment. Without ``tick_s`` it is also
        drawn between slices, into one placeholder: those calls must each draw something new (the
        work moved on) and use no widget keys.
    tick_s: seconds between ticks while active; None runs the slices back to back until done.
    """
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
        if active() != was_active:
            st.rerun()  # started, finished, paused or failed in here: redraw the whole page
        if show is not None:
            show()
        if reports:
            fraction, text = reports[-1]
            st.progress(_fraction(fraction), text=text)

    slices()


def _fraction(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)
