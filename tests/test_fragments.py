"""ui.fragments.run_in_slices: long work in slices, saved in session state, the page redrawn when it stops."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from ui.fragments import run_in_slices

    job = st.session_state.setdefault("job", {"done": 0, "total": 3, "ticking": None})
    st.session_state.setdefault("reruns", 0)
    st.session_state["reruns"] += 1

    def advance(report):
        report(job["done"] / job["total"], f"{job['done']} of {job['total']}")
        job["done"] += 1

    def show():
        st.write(f"done {job['done']}")

    run_in_slices(advance, active=lambda: job["done"] < job["total"], show=show,
                  tick_s=st.session_state.get("tick_s"))
    st.caption("finished" if job["done"] >= job["total"] else "working")


def test_without_a_timer_the_slices_run_until_done_then_the_page_redraws():
    at = AppTest.from_function(_script).run()
    assert at.session_state["job"]["done"] == 3
    assert at.session_state["reruns"] == 2                      # the run that did the work, then one redraw
    assert [m.value for m in at.markdown] == ["done 3"] and at.caption[0].value == "finished"
    assert not at.exception


def test_with_a_timer_each_run_does_one_slice():
    at = AppTest.from_function(_script)
    at.session_state["tick_s"] = 0.1
    at.run()                                                     # AppTest does not tick: one slice per run
    assert at.session_state["job"]["done"] == 1 and at.caption[0].value == "working"
    at.run()
    assert at.session_state["job"]["done"] == 2 and [m.value for m in at.markdown] == ["done 2"]
    at.run()                                                     # the last slice: the page reruns once
    assert at.session_state["job"]["done"] == 3 and at.caption[0].value == "finished"
    assert not at.exception
