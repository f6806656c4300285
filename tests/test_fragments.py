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


# --- a fragment rerun that arrives after the student left its page (issue 13) ----------------------
def _rerun(**fields):
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

    return RerunData(**fields)


class _Runner:
    """What ui.fragments reads from Streamlit's ScriptRunner: the page shown, and the last run's query."""

    def __init__(self, shown):
        from types import SimpleNamespace

        self._pages_manager = SimpleNamespace(current_page_script_hash=shown)
        self._ctx = SimpleNamespace(query_string="layers=4%2C4")

    def _get_script_run_ctx(self):
        return self._ctx


def test_a_fragment_rerun_for_the_page_shown_runs_as_asked():
    from ui.fragments import _on_the_page_shown

    data = _rerun(page_script_hash="step3", fragment_id_queue=["f"], is_auto_rerun=True)
    assert _on_the_page_shown(_Runner("step3"), data) is data
    full = _rerun(page_script_hash="digits")  # a full rerun may change the page: that is a page switch
    assert _on_the_page_shown(_Runner("step3"), full) is full
    unknown = _rerun(page_script_hash="digits", fragment_id_queue=["f"])  # no full run yet in this session
    assert _on_the_page_shown(_Runner(""), unknown) is unknown


def test_a_fragment_rerun_for_a_page_left_redraws_the_page_shown():
    """The browser asked for Step 3, then for the digit page's fragment: Step 3 is drawn, never emptied."""
    from ui.fragments import _on_the_page_shown

    late = _rerun(page_script_hash="digits", page_name="", fragment_id_queue=["canvas-fragment"],
                  query_string="old=1")
    data = _on_the_page_shown(_Runner("step3"), late)
    assert data.page_script_hash == "step3" and data.fragment_id_queue == []  # the whole page shown
    assert not data.is_fragment_scoped_rerun and not data.is_auto_rerun
    assert data.query_string == "layers=4%2C4"  # the address of the page shown, not of the page left


def test_the_guard_wraps_streamlits_script_runner_once():
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    from ui.fragments import keep_fragment_reruns_on_their_page

    keep_fragment_reruns_on_their_page()
    wrapped = ScriptRunner._run_script
    assert wrapped._keeps_fragments_on_their_page
    keep_fragment_reruns_on_their_page()  # app.py calls it on every run
    assert ScriptRunner._run_script is wrapped
    at = AppTest.from_function(_script).run()  # scripts still run through it
    assert at.session_state["job"]["done"] == 3 and not at.exception
