"""Rerun time of the pages after a widget change (issue 3: a widget change reruns within 300 ms).

Each interaction is one widget change driven through Streamlit's AppTest, which reruns the
*whole* page script (in a browser, the sections in ``st.fragment`` rerun alone, so this is an
upper bound). The reference, timed in the same process and interleaved round by round so a
busy neighbour slows everything alike, is a rerun of the Home page: Streamlit's own cost of a
rerun with a few elements and no computation. Printed per interaction: median ms, the ratio to
the reference, and whether it fits the 300 ms budget.

Run:  python -m benchmarks.bench_page_reruns [--rounds 7]   (from the repository root)
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks import _setup  # must come first: pins BLAS threads before numpy loads

# isort: split
from streamlit.testing.v1 import AppTest

from lessons.deep_or_fat import TARGETS
from tests.streamlit_mode import app_py_in_charge

APP = str(_setup.ROOT / "app.py")
BUDGET_MS = 300.0


def _page(path):
    at = AppTest.from_file(APP, default_timeout=60).run()
    if path:
        at.switch_page(path).run()
    return at


def _toggle(values):
    """Alternate between two values so every rerun really changes something."""
    state = {"i": 0}

    def next_value():
        state["i"] += 1
        return values[state["i"] % 2]
    return next_value


def interactions():
    """(name, AppTest, action) triples; each action changes one widget and reruns."""
    s1, s2, home = _page("pages/step1_network.py"), _page("pages/step2_loss.py"), _page(None)
    s3, dof = _page("pages/step3_training.py"), _page("pages/deep_or_fat.py")
    x1, w, layers = _toggle([0.5, 1.0]), _toggle([0.0, -2.0]), _toggle([3, 2])
    z, cls, q, seed = _toggle([2.0, -3.0]), _toggle([2, 1]), _toggle([3, 1]), _toggle([1, 0])
    rate, data, path_rate, bp = _toggle([0.1, 0.03]), _toggle(["xor", "circle"]), _toggle([0.3, 0.1]), _toggle([5, 9])
    neurons, target = _toggle([8, 4]), _toggle(list(TARGETS)[:2])
    return [
        ("reference: Home rerun", home, lambda: home.run()),
        ("Step 1: change x1", s1, lambda: s1.number_input(key="lecture_x1").set_value(x1()).run()),
        ("Step 1: edit a weight", s1, lambda: s1.number_input(key="lecture_edit_0_0_0").set_value(w()).run()),
        ("Step 1: hidden layers 2↔3", s1, lambda: s1.slider(key="build_layers").set_value(layers()).run()),
        ("Step 1: new draw", s1, lambda: s1.button(key="function_new_draw").click().run()),
        ("Step 2: move z3", s2, lambda: s2.slider(key="softmax_z3").set_value(z()).run()),
        ("Step 2: true class", s2, lambda: s2.radio(key="ce_target_radio").set_value(cls()).run()),
        ("Step 2: θ seed", s2, lambda: s2.number_input(key="loss_seed").set_value(seed()).run()),
        ("Step 2: landscape parameter", s2, lambda: s2.selectbox(key="land_q").set_value(q()).run()),
        ("Step 3: learning rate", s3, lambda: s3.select_slider(key="step3_learning_rate").set_value(rate()).run()),
        ("Step 3: data set", s3, lambda: s3.radio(key="step3_dataset").set_value(data()).run()),
        ("Step 3: path's learning rate", s3, lambda: s3.select_slider(key="path_rate").set_value(path_rate()).run()),
        ("Step 3: backprop step", s3, lambda: s3.slider(key="bp_step").set_value(bp()).run()),
        ("Deep or fat: hidden neurons", dof, lambda: dof.select_slider(key="dof_neurons").set_value(neurons()).run()),
        ("Deep or fat: curve", dof, lambda: dof.selectbox(key="dof_target").set_value(target()).run()),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(_setup.blas_description())
    with app_py_in_charge():
        run(args.rounds)


def run(rounds: int) -> None:
    cases = interactions()
    for _, _, action in cases:  # warm up: imports, caches, first figures
        action()
    times = {name: [] for name, _, _ in cases}
    for _ in range(rounds):
        for name, at, action in cases:
            t0 = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - t0)
            assert not at.exception, f"{name}: {at.exception}"
    ref = statistics.median(times[cases[0][0]]) * 1e3
    print(f"{'interaction':32s} {'median ms':>10s} {'× Home':>8s}  budget {BUDGET_MS:.0f} ms")
    for name, _, _ in cases:
        ms = statistics.median(times[name]) * 1e3
        verdict = "ok" if ms <= BUDGET_MS else "OVER"
        print(f"{name:32s} {ms:10.1f} {ms / ref:8.2f}  {verdict}")


if __name__ == "__main__":
    main()
