"""Deep or fat?, part 3: where depth wins. A sawtooth that k layers of 2 ReLUs draw exactly, one layer cannot.

The experiment is lessons.depth_wins.depth_wins_steps, run one training at a time (StepRun in
st.session_state["depth_wins_run"]); charts and words are ui.views.depth_view's.
"""

import streamlit as st

import nnlib
from i18n import _
from lessons import depth_wins
from ui.sections.deep_or_fat_run import StepRun, finished_result, live_steps
from ui.views import depth_view as view
from ui.widgets import persistent

K_RANGE = (3, 8)   # k = 8: 128 teeth from 8 layers, the server's limit of hidden layers
SETTINGS = dict(tries=3, steps=3000, learning_rate=0.01)   # every training run, as depth_wins' defaults


def section() -> None:
    st.header(_("3 · Where depth wins: folding a sawtooth"))
    st.markdown(_(
        "Why go deep, if one layer can fit any continuous curve? Because some functions need far fewer "
        "parameters when they are built layer on layer. Take the *tent* t(x) = 2·relu(x) − 4·relu(x − ½): it "
        "folds [0, 1] onto itself, up to 1 at x = ½ and back down. Fold k times, t(t(…t(x))), and you get "
        "a sawtooth with 2^(k−1) teeth and 2^k straight pieces.\n\n"
        "- **Deep:** each hidden layer of **2 ReLUs** computes one tent of the layer below, so every layer "
        "*doubles* the folds the layers below made: it reuses their work as a module (the lecture's "
        "modularisation). k layers: 2^k pieces from 6k + 1 parameters.\n"
        "- **Fat:** one hidden layer of **2k ReLUs**, the same 6k + 1 parameters. Each ReLU bends the output "
        "at one x only, so n ReLUs make **at most n + 1 straight pieces**: 2k + 1, against 2^k."))
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    k = c1.slider(_("Folds k (the sawtooth has 2^(k−1) teeth)"), *K_RANGE, **persistent("dof_wins_k"))
    seed = c2.number_input(_("Seed (first random start)"), 0, 999, step=1, **persistent("dof_wins_seed"))
    if c3.button(_("Build and train"), type="primary", key="dof_wins_run"):
        st.session_state["depth_wins_run"] = StepRun(depth_wins.depth_wins_steps(k, int(seed), **SETTINGS),
                                                     k=k, seed=int(seed), **SETTINGS)
    st.caption(_("Each trained network: {tries} random starts (seed, seed + 1, …), full-batch Adam, learning rate "
                 "{learning_rate}, {steps:,} steps, on {points:,} points of [0, 1]; the best run is kept. The fat "
                 "network also trains from the best fat network we could build by hand. A progress bar follows the "
                 "runs.").format(points=depth_wins.SAWTOOTH_POINTS, **SETTINGS))
    run = st.session_state["depth_wins_run"]
    live_steps(run, show=lambda: _results(run, k, int(seed)))


def _results(run: StepRun | None, k: int, seed: int) -> None:
    result = finished_result(run, _("Choose k and press **Build and train**: the deep network is built by hand, "
                                    "and both shapes are also trained by gradient descent."))
    if result is None:
        return
    if (k, seed) != (result.k, result.seed):
        st.caption(_("These results are for k = {k}, seed {seed}. Press **Build and train** for k = {new_k}, seed "
                     "{new_seed}.").format(k=result.k, seed=result.seed, new_k=k, new_seed=seed))
    for i, (column, (net, title, color)) in enumerate(zip(st.columns(3), view.wins_panels(result))):
        column.plotly_chart(view.sawtooth_figure(result, net, title, color), key=f"dof_wins_chart_{i}",
                            width="stretch")
    st.caption(_("Light grey: the target t^{k}(x), {teeth} teeth. Seed {seed}; computed in {seconds:.1f} s on "
                 "{device}.").format(k=result.k, teeth=result.teeth, seed=result.seed, seconds=result.seconds,
                                     device=nnlib.backend.device_description()))
    st.dataframe(view.wins_rows(result), hide_index=True)
    for line in view.wins_findings(result, run.settings["tries"]):
        st.markdown(line)
    with st.expander(_("Why no fat network of this size can do better, and every training run")):
        st.markdown(view.floor_explanation(result))
        st.dataframe(view.attempt_rows(result), hide_index=True)
        st.plotly_chart(view.attempts_figure(result, run.settings["steps"]), key="dof_wins_attempts_chart",
                        width="stretch")
