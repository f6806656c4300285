"""Step 3, second tab: gradient descent's path on the loss contour of a two-parameter model.

The math is lessons.descent's; the figures are ui.views.gradient_views'; this module lays them out.
"""

import streamlit as st

from i18n import _, ngettext
from lessons import descent
from ui.views import gradient_views as gv

PATH_RATES = [0.01, 0.03, 0.1, 0.2, 0.3, 0.4, 0.5, 1.0]
PLOT_CONFIG = {"displayModeBar": False}


# One entry each: no arguments, so one value ever (bounded anyway, so that a later argument cannot grow it).
@st.cache_data(max_entries=1)
def descent_surface() -> descent.LossSurface:
    return descent.loss_surface(descent.TINY_DATA)


@st.cache_data(max_entries=1)
def descent_minimum() -> tuple[float, float]:
    return descent.TINY_DATA.minimum()


def render() -> None:
    """The path tab: start point, rate and steps; the path on the contour, L per step, the fitted neuron."""
    problem = descent.TINY_DATA
    st.markdown(_(
        "One sigmoid neuron, **y = σ(w·x + b)**, fits 8 points on a line. It has just two parameters, "
        "θ = (w, b), so the total loss **L(w, b) = Σ Cⁿ** is a landscape you can see whole. Pick where "
        "gradient descent starts and how big its steps are; each step is **θ ← θ − η ∇L(θ)**."))
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns(4)
        w0 = c1.slider(_("Start w⁰"), -3.0, 5.0, -2.0, 0.1, key="path_w0")
        b0 = c2.slider(_("Start b⁰"), -8.0, 4.0, 2.0, 0.1, key="path_b0")
        rate = c3.select_slider(_("Learning rate η"), PATH_RATES, value=0.1, key="path_rate")
        steps = c4.slider(_("Steps"), 0, 100, 30, key="path_steps")
    path = descent.descent_path(problem, (w0, b0), rate, steps)
    best = descent_minimum()
    contour, side = st.columns([3, 2])
    contour.plotly_chart(gv.descent_figure(descent_surface(), path, best), key="path_chart", config=PLOT_CONFIG)
    with side:
        st.plotly_chart(gv.path_loss_figure(path, float(problem.loss(*best))), key="path_loss_chart",
                        config=PLOT_CONFIG)
        st.plotly_chart(gv.neuron_fit_figure(problem, path.thetas[-1]), key="path_fit_chart", config=PLOT_CONFIG)
    rises = [k for k in range(path.steps) if path.losses[k + 1] > path.losses[k]]
    if rises:
        st.warning(_("With η = {rate:g} the loss went **up** at step {step}: the step jumped across the valley. "
                     "A smaller learning rate takes smaller, safer steps.").format(rate=rate, step=rises[0] + 1),
                   icon=":material/trending_up:")
    if path.steps:
        (w, b), (gw, gb), (w1, b1) = path.thetas[0], path.gradients[0], path.thetas[1]
        st.markdown(_("**The first step, with its numbers:**"))
        st.latex(rf"\begin{{aligned}}\theta^1 &= \theta^0 - \eta\,\nabla L(\theta^0) \\ "
                 rf"&= ({w:.3f},\ {b:.3f}) - {rate:g}\,({gw:.3f},\ {gb:.3f}) \\ "
                 rf"&= ({w1:.3f},\ {b1:.3f})\end{{aligned}}")
        st.caption(ngettext(
            "L went from {start:.3f} to {end:.3f} in {n} step; the lowest possible L is {lowest:.3f}, "
            "at w = {w:.2f}, b = {b:.2f}.",
            "L went from {start:.3f} to {end:.3f} in {n} steps; the lowest possible L is {lowest:.3f}, "
            "at w = {w:.2f}, b = {b:.2f}.", path.steps).format(
                start=path.losses[0], end=path.losses[-1], n=path.steps, lowest=float(problem.loss(*best)),
                w=best[0], b=best[1]))
    with st.expander(_("Every step as numbers")):
        table = gv.path_table(path, rows=path.steps + 1)
        st.dataframe(table, hide_index=True, key="path_table", column_config=gv.path_table_labels())
