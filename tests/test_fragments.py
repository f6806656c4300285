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


# --- turns for background ticks (issue 13: ten students training, one drawing) ----------------------
def _in_thread(fn):
    import threading

    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    return thread


def _until(condition, seconds=5.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def test_at_most_slots_ticks_run_at_once_in_the_order_they_asked():
    import threading

    from ui.fragments import FairShare

    share = FairShare(slots=1, yield_s=0.0, wait_s=10.0)
    order, overlap, lock = [], [], threading.Lock()
    first_in, go = threading.Event(), threading.Event()

    def tick(name):
        with share.tick() as turn:
            assert turn
            with lock:
                order.append(name)
                overlap.append(share.running)
            if name == 0:
                first_in.set()
                go.wait(10)  # holds the only turn until the others are in line behind it

    threads = [_in_thread(lambda: tick(0))]
    assert first_in.wait(5)
    for n in (1, 2, 3):
        threads.append(_in_thread(lambda n=n: tick(n)))
        _until(lambda n=n: share.waiting == n)  # in line before the next one asks
    assert share.running == 1
    go.set()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3] and max(overlap) == 1 and share.running == 0 and share.waiting == 0


def _student(share, started, release):
    """Another session's run that a student waits for (its own thread, as each session's script has)."""
    with share.interactive():
        started.set()
        release.wait(10)


def test_a_tick_makes_way_for_another_sessions_interactive_run_for_at_most_yield_s():
    import threading
    import time

    from ui.fragments import FairShare

    # The student's run lasts: the tick holds back yield_s, then goes anyway (training slowed, never stopped).
    share = FairShare(slots=2, yield_s=0.3, wait_s=10.0)
    started, release = threading.Event(), threading.Event()
    thread = _in_thread(lambda: _student(share, started, release))
    assert started.wait(5)
    assert share.others_interactive() == 1
    t0 = time.monotonic()
    with share.tick() as turn:
        waited = time.monotonic() - t0
    release.set()
    thread.join(5)
    assert turn and waited >= 0.25 and share.others_interactive() == 0

    # The student's run ends after 0.1 s: the tick goes then, long before its yield_s of 30 s.
    share = FairShare(slots=2, yield_s=30.0, wait_s=60.0)
    started, release = threading.Event(), threading.Event()
    thread = _in_thread(lambda: _student(share, started, release))
    assert started.wait(5)
    threading.Timer(0.1, release.set).start()
    t0 = time.monotonic()
    with share.tick() as turn:
        waited = time.monotonic() - t0
    thread.join(5)
    assert turn and 0.05 <= waited < 20  # (the 20 s only catches a tick that waited out yield_s)


def test_the_yield_counts_from_a_free_turn_not_from_the_time_in_line():
    """A tick that waited in line behind another still makes way for a student's run once its turn is free."""
    import threading
    import time

    from ui.fragments import FairShare

    share = FairShare(slots=1, yield_s=0.4, wait_s=10.0)
    holding, done = threading.Event(), threading.Event()

    def hog():
        with share.tick():
            holding.set()
            done.wait(10)

    hog_thread = _in_thread(hog)
    assert holding.wait(5)
    admitted = []

    def in_line():
        with share.tick() as turn:
            admitted.append((turn, time.monotonic()))

    waiter = _in_thread(in_line)
    _until(lambda: share.waiting == 1)
    time.sleep(0.5)  # in line for longer than yield_s
    started, release = threading.Event(), threading.Event()
    student = _in_thread(lambda: _student(share, started, release))
    assert started.wait(5)
    freed = time.monotonic()
    done.set()       # the turn is free while the student's run is in progress
    waiter.join(5)
    assert admitted and admitted[0][0] and admitted[0][1] - freed >= 0.35
    release.set()
    for t in (hog_thread, student):
        t.join(5)


def test_a_tick_in_its_own_threads_interactive_run_takes_no_turn_and_no_limit_is_no_wait():
    import threading
    import time

    from ui.fragments import FairShare

    share = FairShare(slots=1, yield_s=5.0, wait_s=5.0)
    holding, done = threading.Event(), threading.Event()

    def hog():  # another session's tick holds the only turn
        with share.tick():
            holding.set()
            done.wait(10)

    thread = _in_thread(hog)
    assert holding.wait(5)
    with share.interactive():  # a click on Start runs the first tick inside the session's own run
        t0 = time.monotonic()
        with share.tick() as turn:
            assert turn and time.monotonic() - t0 < 0.5 and share.running == 1
    done.set()
    thread.join(5)
    with share.interactive(False):  # a timer's tick is not interactive
        assert share.others_interactive() == 0
    unlimited = FairShare(slots=0)
    with unlimited.tick() as a, unlimited.tick() as b:
        assert a and b


def test_a_tick_that_gets_no_turn_in_time_is_told_so():
    import threading

    from ui.fragments import FairShare

    share = FairShare(slots=1, yield_s=0.0, wait_s=0.2)
    holding, done = threading.Event(), threading.Event()

    def hog():
        with share.tick():
            holding.set()
            done.wait(5)

    thread = _in_thread(hog)
    assert holding.wait(5)
    with share.tick() as turn:
        assert not turn
    assert share.waiting == 0
    done.set()
    thread.join(5)
    assert share.running == 0


def test_a_tick_without_a_turn_skips_its_slice_but_still_draws_the_views(monkeypatch):
    import contextlib
    import threading

    from ui import fragments
    from ui.fragments import FairShare

    share = FairShare(slots=1, yield_s=0.0, wait_s=0.2)
    # AppTest's runs are a student's (interactive): here they stand for a timer's ticks.
    monkeypatch.setattr(share, "interactive", lambda yes=True: contextlib.nullcontext())
    monkeypatch.setattr(fragments, "FAIR_SHARE", share)
    holding, done = threading.Event(), threading.Event()

    def hog():  # another session's tick holds the only turn
        with share.tick():
            holding.set()
            done.wait(10)

    at = AppTest.from_function(_script)
    at.session_state["tick_s"] = 0.1
    thread = _in_thread(hog)
    assert holding.wait(5)
    at.run()
    assert at.session_state["job"]["done"] == 0 and [m.value for m in at.markdown] == ["done 0"]
    done.set()
    thread.join(5)
    at.run()  # the turn is free again: the slice runs
    assert at.session_state["job"]["done"] == 1 and not at.exception


def test_the_limits_come_from_the_environment_with_sane_defaults(monkeypatch):
    from ui import fragments

    monkeypatch.setattr(fragments.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.delenv("NNLIB_TICK_SLOTS", raising=False)
    assert fragments.default_slots() == 1              # 2 cores: one for the ticks, one kept free
    monkeypatch.setattr(fragments.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert fragments.default_slots() == 7
    monkeypatch.setattr(fragments.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert fragments.default_slots() == 1
    monkeypatch.setenv("NNLIB_TICK_SLOTS", "0")
    assert fragments.default_slots() == 0              # no limit
    monkeypatch.setenv("NNLIB_TICK_SLOTS", "3")
    assert fragments.default_slots() == 3
    for bad in ("many", "-1", "2.5"):
        monkeypatch.setenv("NNLIB_TICK_SLOTS", bad)
        assert fragments.default_slots() == 1
    for text, value in (("0.2", 0.2), ("", 0.5), ("nan", 0.5), ("inf", 0.5), ("-1", 0.5)):
        monkeypatch.setenv("NNLIB_TICK_YIELD_S", text)
        assert fragments.env_number("NNLIB_TICK_YIELD_S", 0.5) == value
    assert fragments.FAIR_SHARE.yield_s >= 0 and fragments.FAIR_SHARE.wait_s >= 0
