"""Deep or fat?, part 1: one hidden layer of N sigmoids fits a curve (the universality theorem).

The fits are lessons.deep_or_fat.fit_curve's, cached (each one is immutable and depends only on the
curve and N); charts and words are ui.views.deep_fat_view's.
"""

import streamlit as st

from i18n import _, bound
from lessons import deep_or_fat as experiments
from ui.views import deep_fat_view as view
from ui.widgets import relabel

N_CHOICES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128)


@st.cache_data(show_spinner=False, max_entries=64)
def curve_fit(target: str, n_hidden: int) -> experiments.CurveFit:
    return experiments.fit_curve(target, n_hidden, seed=0)


def section() -> None:
    """Section 1: choose a curve and N, see the fit, its error, and each neuron's share."""
    st.header(_("1 · One hidden layer can fit any continuous curve"))
    controls, chart = st.columns([1, 2], gap="large")
    with controls:
        relabel("dof_target")
        target = st.selectbox(_("Curve to fit"), list(experiments.TARGETS), key="dof_target",
                              format_func=bound(lambda k: _(experiments.TARGETS[k][0])))
        n_hidden = st.select_slider(_("Hidden neurons N"), options=N_CHOICES, value=4, key="dof_neurons")
        show_parts = st.toggle(_("Show each neuron's share"), key="dof_parts",
                               help=_("The fit is the sum of these curves, vᵢ·σ(wᵢx + bᵢ), plus a bias."))
        with st.spinner(_("Fitting…")):
            fit = curve_fit(target, n_hidden)
            errors = [curve_fit(target, n).mse for n in N_CHOICES]
        st.metric(_("Mean squared error"), f"{fit.mse:.2g}")
        st.caption(_("1 input → {n} sigmoid neurons → 1 linear output, trained with Adam on {points} points for "
                     "{epochs} epochs. Each neuron starts as a steep step at its own place on the x-axis; training "
                     "moves and reshapes the steps.").format(n=n_hidden, points=experiments.CURVE_POINTS,
                                                            epochs=experiments.CURVE_EPOCHS))
    with chart:
        st.plotly_chart(view.curve_figure(fit, show_parts), key="dof_curve_chart", width="stretch")
        if not experiments.TARGETS[target][2]:
            st.warning(view.jump_note(fit), icon=":material/warning:")
    with st.expander(_("Error against N"), expanded=False):
        st.plotly_chart(view.error_figure(N_CHOICES, errors, n_hidden), key="dof_error_chart", width="stretch")
