"""Deep or fat? The lecture's closing question, answered by experiment.

1. Universality: N sigmoid neurons in one hidden layer fit a 1-D curve.
2. Deep (k layers of n) against fat (1 layer of m) at equal parameter counts on the digits.
The math is lessons.deep_or_fat; charts and words are ui.views.deep_fat_view; the experiment's run,
trained one network at a time by ui.fragments, is ui.sections.deep_or_fat_run.
"""

import streamlit as st

import nnlib
from lessons import deep_or_fat as experiments
from services import limits
from ui.sections import deep_or_fat_run
from ui.views import deep_fat_view as view

N_CHOICES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128)
CPU_BUDGETS = (5_000, 10_000, 20_000, 40_000, 60_000, 100_000, 150_000)
GPU_BUDGETS = CPU_BUDGETS + (200_000, 250_000)  # the fat network tops out at 1,024 neurons (273k)
ON_GPU = nnlib.backend.is_gpu()


@st.cache_data(show_spinner=False, max_entries=64)
def curve_fit(target: str, n_hidden: int) -> experiments.CurveFit:
    return experiments.fit_curve(target, n_hidden, seed=0)


st.title("Deep or fat?")
st.markdown("One hidden layer with enough neurons can represent any continuous function (the *universality "
            "theorem*). So why go deep? Try both halves of the argument yourself.")

# --- 1. universality ---------------------------------------------------------------
st.header("1 · One hidden layer can fit any curve")
controls, chart = st.columns([1, 2], gap="large")
with controls:
    target = st.selectbox("Curve to fit", list(experiments.TARGETS), key="dof_target",
                          format_func=lambda k: experiments.TARGETS[k][0])
    n_hidden = st.select_slider("Hidden neurons N", options=N_CHOICES, value=4, key="dof_neurons")
    show_parts = st.toggle("Show each neuron's share", key="dof_parts",
                           help="The fit is the sum of these curves, vᵢ·σ(wᵢx + bᵢ), plus a bias.")
    with st.spinner("Fitting…"):
        fit = curve_fit(target, n_hidden)
        errors = [curve_fit(target, n).mse for n in N_CHOICES]
    st.metric("Mean squared error", f"{fit.mse:.2g}")
    st.caption(f"1 input → {n_hidden} sigmoid neurons → 1 linear output, trained with Adam on "
               f"{experiments.CURVE_POINTS} points for {experiments.CURVE_EPOCHS} epochs. Each neuron starts as a "
               "steep step at its own place on the x-axis; training moves and reshapes the steps.")
with chart:
    st.plotly_chart(view.curve_figure(fit, show_parts), key="dof_curve_chart", width="stretch")
with st.expander("Error against N", expanded=False):
    st.plotly_chart(view.error_figure(N_CHOICES, errors, n_hidden), key="dof_error_chart", width="stretch")

# --- 2. deep against fat ------------------------------------------------------------
st.header("2 · Deep or fat, at the same number of parameters")
st.markdown("For each parameter budget, a **deep** network (k hidden layers of n neurons) and a **fat** one "
            "(one hidden layer of m neurons) get the same number of weights and biases (within 2%). Both "
            "read the 16×16 digits (256 inputs → 10 outputs) and train alike: Adam, learning rate 0.001, "
            "batches of 64, the same epochs and seeds.")
budgets_all = GPU_BUDGETS if ON_GPU else CPU_BUDGETS
budgets = st.pills("Parameter budgets (weights + biases per network)", budgets_all, selection_mode="multi",
                   default=[5_000, 20_000, 60_000, 150_000], key="dof_budgets", format_func=lambda b: f"{b:,}")
c1, c2, c3 = st.columns(3)
depth = c1.slider("Deep: hidden layers k", 2, limits.MAX_HIDDEN_LAYERS, 3, key="dof_depth")
epochs = c2.slider("Epochs", 5, 60 if ON_GPU else 30, 20, step=5, key="dof_epochs")
n_seeds = c3.slider("Seeds per network", 1, 5, 3, key="dof_seeds",
                    help="Each network is trained from this many random starts; the chart shows every one.")
st.caption(f"This server allows at most {limits.MAX_HIDDEN_LAYERS} hidden layers, "
           f"{limits.MAX_NEURONS_PER_LAYER:,} neurons per layer and {limits.MAX_PARAMS:,} parameters per network, "
           f"so the fat network stops at {limits.MAX_NEURONS_PER_LAYER:,} neurons. "
           + ("Running on a GPU: larger budgets and more epochs are offered." if ON_GPU else
              "On a GPU server, larger budgets are offered. The default run takes under a minute."))

if st.button("Run the experiment", type="primary", key="dof_run"):
    deep_or_fat_run.start(budgets, depth, epochs, n_seeds)

run = st.session_state["deep_fat_run"]
left, right = st.columns([3, 2], gap="large")
with right:
    st.markdown("**The lecture's table, on speech**")
    st.markdown(view.seide_markdown())
    st.caption(view.SEIDE_2011_CITATION + ". Layers × neurons; lower is better.")
with left:
    st.markdown("**Deep against fat on the 16×16 digits**")
    deep_or_fat_run.live(run)
deep_or_fat_run.findings(run)
