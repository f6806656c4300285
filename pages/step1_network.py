"""Step 1 · Define a set of functions: the neural network (lecture network, builder, function set, neurons)."""

import time

import numpy as np
import streamlit as st

import nnlib
from lessons import explain
from lessons.grid import plane_grid
from nnlib.presets import LECTURE_WEIGHTS
from services import limits
from ui.views import figures, latex
from ui.views.network_figure import model_figure

SLIDE_PARAMS = [np.array(p, dtype=float) for W, b in LECTURE_WEIGHTS for p in (W, b)]
DRAWS = 6  # networks shown side by side in "the function set"

st.title("Step 1 · Define a set of functions")
st.markdown(
    "A **neuron** multiplies each input by a weight, adds a bias and applies an activation: "
    r"$z = w_1x_1 + w_2x_2 + b$, $a = \sigma(z)$. Neurons in layers, each fed by every neuron "
    "of the layer before, make a **fully connected feed-forward network**.")


def reset_lecture():
    st.session_state["lecture_params"] = None
    st.session_state["lecture_x"] = (1.0, -1.0)
    for key in [k for k in st.session_state if str(k).startswith("lecture_edit_")] + ["lecture_x1", "lecture_x2"]:
        del st.session_state[key]


def set_input(x):
    st.session_state["lecture_x"] = x
    st.session_state["lecture_x1"], st.session_state["lecture_x2"] = x


@st.fragment
def lecture_section():
    st.header("1 · The lecture's network, number by number")
    params = [p.copy() for p in (st.session_state["lecture_params"] or SLIDE_PARAMS)]
    drawing, controls = st.columns([2.4, 1], gap="medium")
    with controls:
        st.markdown("**Input x**")
        # Widget values are dropped when the student visits another page; "lecture_x" keeps them.
        st.session_state.setdefault("lecture_x1", st.session_state["lecture_x"][0])
        st.session_state.setdefault("lecture_x2", st.session_state["lecture_x"][1])
        c1, c2 = st.columns(2)
        x1 = c1.number_input("x1", -10.0, 10.0, step=0.5, key="lecture_x1")
        x2 = c2.number_input("x2", -10.0, 10.0, step=0.5, key="lecture_x2")
        st.session_state["lecture_x"] = (x1, x2)
        c1, c2 = st.columns(2)
        c1.button("(1, −1)", key="lecture_x_slide", on_click=set_input, args=((1.0, -1.0),),
                  help="The slide's first example", width="stretch")
        c2.button("(0, 0)", key="lecture_x_zero", on_click=set_input, args=((0.0, 0.0),),
                  help="The slide's second example", width="stretch")
        st.markdown("**Change one parameter**")
        c1, c2 = st.columns(2)
        layer = c1.selectbox("Layer", [1, 2, 3], key="lecture_pick_layer")
        neuron = c2.selectbox("Neuron", [1, 2], key="lecture_pick_neuron")
        source = st.selectbox("Parameter", ["weight from input 1", "weight from input 2", "bias b"],
                              key="lecture_pick_param")
        l, j = layer - 1, neuron - 1
        i = None if source == "bias b" else int(source[-1]) - 1
        current = params[2 * l][j, i] if i is not None else params[2 * l + 1][j]
        st.session_state.setdefault(f"lecture_edit_{l}_{j}_{i}", float(current))
        value = st.number_input("Value (marked red in the drawing)", -10.0, 10.0, step=0.5,
                                key=f"lecture_edit_{l}_{j}_{i}")
        if value != current:
            if i is None:
                params[2 * l + 1][j] = value
            else:
                params[2 * l][j, i] = value
            st.session_state["lecture_params"] = params
        st.button("Reset to the slide", key="lecture_reset", on_click=reset_lecture, icon=":material/restart_alt:")
    model = nnlib.presets.lecture_network()
    model.set_weights(params)
    changed = [f"layer {k // 2 + 1} {'W' if k % 2 == 0 else 'b'}" for k, (p, s) in
               enumerate(zip(params, SLIDE_PARAMS)) if not np.array_equal(p, s)]
    with drawing:
        st.plotly_chart(model_figure(model, [x1, x2], highlight=(l, j, i)), key="lecture_figure",
                        config={"displayModeBar": False})
        st.caption("Inside each neuron: its output a = σ(z); under it: z; above it: the bias b. "
                   "Blue links are positive weights, orange negative; thicker means larger |w|. "
                   + (f"**Changed from the slide:** {', '.join(changed)}." if changed else
                      "These are the slide's weights."))
    st.markdown(r"**The same numbers in matrix form**, $a^{l} = \sigma(W^{l} a^{l-1} + b^{l})$, "
                "layer by layer (row j of W holds neuron j's weights):")
    for column, tex in zip(st.columns(3), latex.matrix_form_latex(model, [x1, x2])):
        column.latex(r"\small " + tex)  # small enough for three layers side by side on a laptop


def next_draw():
    st.session_state["function_seed"] += 1


ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]


def apply_builder():
    """on_change of any builder widget: the new spec, or a message and the last good spec kept."""
    spec, n = st.session_state["spec"], st.session_state["build_layers"]
    last = spec.hidden[-1] if spec.hidden else 4
    hidden = tuple(int(st.session_state.get(f"build_n{k}", last)) for k in range(n))
    try:
        st.session_state["spec"] = limits.check_spec(nnlib.NetworkSpec(
            n_in=2, hidden=hidden, n_out=2, activation=st.session_state["build_activation"]))
    except ValueError as err:  # LimitExceeded included
        st.session_state["build_error"] = f"{err} Keeping your last network: {spec.describe()}"


def builder(spec):
    """Widgets for the hidden layers. They always show ``spec`` (which may also come from a shared link)."""
    st.session_state["build_layers"] = len(spec.hidden)
    st.session_state["build_activation"] = spec.activation
    for k, n in enumerate(spec.hidden):
        st.session_state[f"build_n{k}"] = n
    st.slider("Hidden layers", 0, limits.MAX_HIDDEN_LAYERS, key="build_layers", on_change=apply_builder)
    cols = st.columns(4)
    for k in range(len(spec.hidden)):
        cols[k % 4].number_input(f"Layer {k + 1}", min_value=1, step=1, key=f"build_n{k}", on_change=apply_builder)
    options = ACTIVATIONS if spec.activation in ACTIVATIONS else [*ACTIVATIONS, spec.activation]
    st.selectbox("Activation σ", options, key="build_activation", on_change=apply_builder)
    if st.session_state["build_error"]:
        st.error(st.session_state["build_error"])
        st.session_state["build_error"] = None


@st.fragment
def own_network_section():
    st.header("2 · Build your own network")
    st.markdown("The **structure** (layers, neurons, activation) defines a *set of functions*; the parameters "
                "θ (every W and b) pick one function from it. This network is the one **Step 3 trains**.")
    spec = st.session_state["spec"]
    controls, drawing = st.columns([1, 2], gap="medium")
    with controls:
        builder(spec)
        terms = " + ".join(f"({a}+1)·{b}" for a, b in zip(spec.sizes, spec.sizes[1:]))
        st.metric("Parameters", f"{spec.count_params():,}", help="Each neuron has one weight per input and a bias.")
        st.caption(f"{terms} = {spec.count_params():,}")
        st.page_link("pages/step3_training.py", label="Train it in Step 3", icon=":material/model_training:")

    st.header("3 · The function set: one structure, many functions")
    left, right = st.columns([1, 3])
    with left:
        st.markdown("Each random θ gives a different function of (x1, x2). Colour: the network's "
                    "output P(class 1), from orange (0) to blue (1).")
        scale = st.slider("Spread of the random θ", 0.5, 6.0, 3.0, 0.5, key="function_scale",
                          help="Weights ~ N(0, spread²/n_in), biases ~ N(0, (spread/6)²)")
        st.button("New draw", key="function_new_draw", on_click=next_draw, icon=":material/casino:")
    seed = st.session_state["function_seed"]
    started = time.perf_counter()
    models = [explain.random_function(spec, seed * DRAWS + k, scale) for k in range(DRAWS)]
    grids = [plane_grid(m, resolution=40) for m in models]
    elapsed_ms = (time.perf_counter() - started) * 1e3
    with drawing:
        st.plotly_chart(model_figure(models[0], max_neurons=8, link_labels=False), key="own_figure",
                        config={"displayModeBar": False})
        st.caption(f"Drawn with θ #{seed * DRAWS + 1} from the function set below; hover a link for its weight.")
    with right:
        st.plotly_chart(figures.function_set_figure(grids, [f"θ #{seed * DRAWS + k + 1}" for k in range(DRAWS)]),
                        key="function_set", config={"displayModeBar": False})

    st.header("4 · What each neuron computes")
    text, tiles = st.columns([1, 2])
    text.markdown(f"Every neuron of θ #{seed * DRAWS + 1} over the same plane, one column per layer, "
                  "as in TensorFlow Playground (blue: positive output, orange: negative, each tile on its own "
                  "scale; hover for the value).\n\nHidden layers are **feature transformers**: each neuron is a new "
                  "feature of (x1, x2), and the output layer is a classifier on those features.")
    tiles.plotly_chart(figures.neuron_tiles_figure(plane_grid(models[0], resolution=30)), key="neuron_tiles",
                       config={"displayModeBar": False})

    st.header("5 · Why matrix form makes the GPU useful")
    per_input = explain.multiply_adds(spec.sizes)
    points = DRAWS * grids[0].xs.shape[0] ** 2
    c1, c2, c3 = st.columns(3)
    c1.metric("Multiply-adds per input", f"{per_input:,}")
    c2.metric(f"For the {points:,} inputs above", f"{per_input * points:,}")
    c3.metric("Computed in", f"{elapsed_ms:.1f} ms")
    st.markdown(
        f"A layer is one matrix product: with one input per row, $Z = X W^\\top + b$ handles all "
        f"{points:,} inputs of the heatmaps at once, so each network above is just {len(spec.sizes) - 1} matrix "
        "products. A GPU runs thousands of multiply-adds in parallel, so the chain of matrix operations "
        f"runs much faster there than one neuron at a time. This server computes on "
        f"**{nnlib.backend.device_description()}**.")
    if st.button("Time it: matrix form vs one input at a time", key="time_matrix_form", icon=":material/timer:"):
        points_xy = np.stack(np.meshgrid(grids[0].xs, grids[0].ys), axis=-1).reshape(-1, 2)
        batched, one_by_one = explain.time_batched_vs_one_by_one(models[0], points_xy)
        t1, t2, t3 = st.columns(3)
        t1.metric("Per input, all at once", f"{batched * 1e6:.2f} µs")
        t2.metric("Per input, one at a time", f"{one_by_one * 1e6:.1f} µs")
        t3.metric("Matrix form is faster by", f"{one_by_one / batched:.0f}×")
        st.caption(f"Measured now on {nnlib.backend.device_description()}: {len(points_xy):,} inputs as one batch, "
                   "then 200 of them one by one, each through the same network.")


lecture_section()
own_network_section()
