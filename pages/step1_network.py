"""Step 1 · Define a set of functions: the neural network (lecture network, builder, function set, neurons).

UI only: section 1 is ui/sections/step1_slide.py and the builder ui/sections/step1_builder.py; the
numbers come from nnlib and lessons (slide_network, explain, grid).
"""

import streamlit as st

import nnlib
from i18n import _
from lessons import explain
from lessons.grid import plane_grid
from ui import navigation
from ui.sections import step1_builder, step1_lecture, step1_slide
from ui.views import figures
from ui.views.network_figure import model_figure

navigation.enter(__file__)  # run alone (a fresh server's legacy mode), the page hands over to app.py

DRAWS = 6  # networks shown side by side in "the function set"

st.title(_("Step 1 · Define a set of functions"))
st.markdown(_(
    "A **neuron** multiplies each input by a weight, adds a bias and applies an **activation function**: "
    r"$z = w_1x_1 + w_2x_2 + b$, $a = \sigma(z)$. Neurons in layers, each fed by every neuron "
    "of the layer before, make a **fully connected feed-forward network**."))


def next_draw():
    st.session_state["function_seed"] += 1


@st.fragment
def own_network_section():
    st.header(_("2 · Build your own network"))
    st.markdown(_("The **network structure** (layers, neurons, activation function) defines a *set of functions*; "
                  "the parameters "
                  "θ (every W and b) pick one function from it. This network is the one **Step 3 trains**."))
    spec = st.session_state["spec"]
    controls, drawing = st.columns([1, 2], gap="medium")
    with controls:
        step1_builder.builder(spec)
        st.metric(_("Parameters"), f"{spec.count_params():,}",
                  help=_("Each neuron has one weight per input and a bias."))
        st.caption(f"{explain.count_params_formula(spec.sizes)} = {spec.count_params():,}")
        st.page_link("pages/step3_training.py", label=_("Train it in Step 3"), icon=":material/model_training:")

    st.header(_("3 · The function set: one structure, many functions"))
    left, right = st.columns([1, 3])
    with left:
        st.markdown(_("Each random θ gives a different function of (x1, x2). Colour: the network's "
                      "output P(class 1), from orange (0) to blue (1)."))
        scale = st.slider(_("Spread of the random θ"), 0.5, 6.0, 3.0, 0.5, key="function_scale",
                          help=_("Weights ~ N(0, spread²/n_in), biases ~ N(0, (spread/6)²)"))
        st.button(_("New draw"), key="function_new_draw", on_click=next_draw, icon=":material/casino:")
    functions = explain.function_set(spec, st.session_state["function_seed"] * DRAWS, scale, DRAWS)
    first = f"θ #{functions.seeds[0] + 1}"
    with drawing:
        st.plotly_chart(model_figure(functions.models[0], max_neurons=8, link_labels=False), key="own_figure",
                        config={"displayModeBar": False})
        st.caption(_("Drawn with {theta} from the function set below; hover a link for its weight.").format(
            theta=first))
    with right:
        st.plotly_chart(figures.function_set_figure(functions.grids, [f"θ #{s + 1}" for s in functions.seeds]),
                        key="function_set", config={"displayModeBar": False})

    st.header(_("4 · What each neuron computes"))
    text, tiles = st.columns([1, 2])
    text.markdown(_("Every neuron of {theta} over the same plane, one column per layer, "
                    "as in TensorFlow Playground (blue: positive output, orange: negative, each tile on its own "
                    "scale; hover for the value).\n\nHidden layers do **feature transformation**: each neuron is a new "
                    "feature of (x1, x2), and the output layer is a classifier on those features.").format(theta=first))
    tiles.plotly_chart(figures.neuron_tiles_figure(plane_grid(functions.models[0], resolution=30)),
                       key="neuron_tiles", config={"displayModeBar": False})

    st.header(_("5 · Why matrix form makes the GPU useful"))
    per_input, points = explain.multiply_adds(spec.sizes), functions.inputs
    c1, c2, c3 = st.columns(3)
    c1.metric(_("Multiply-adds per input"), f"{per_input:,}")
    c2.metric(_("For the {n} inputs above").format(n=f"{points:,}"), f"{per_input * points:,}")
    c3.metric(_("Computed in"), f"{functions.seconds * 1e3:.1f} ms")
    st.markdown(_(
        "A layer is one matrix product: with one input per row, $Z = X W^\\top + b$ handles all "
        "{n} inputs of the heatmaps at once, so each network above is just {products} matrix "
        "products. A GPU runs thousands of multiply-adds in parallel, so the chain of matrix operations "
        "runs much faster there than one neuron at a time. This server computes on "
        "**{device}**.").format(n=f"{points:,}", products=len(spec.sizes) - 1,
                                device=nnlib.backend.device_description()))
    if st.button(_("Time it: matrix form vs one input at a time"), key="time_matrix_form", icon=":material/timer:"):
        inputs = functions.grids[0].points()
        batched, one_by_one = explain.time_batched_vs_one_by_one(functions.models[0], inputs)
        t1, t2, t3 = st.columns(3)
        t1.metric(_("Per input, all at once"), f"{batched * 1e6:.2f} µs")
        t2.metric(_("Per input, one at a time"), f"{one_by_one * 1e6:.1f} µs")
        t3.metric(_("Matrix form is faster by"), f"{one_by_one / batched:.0f}×")
        st.caption(_("Measured now on {device}: {n} inputs as one batch, then {loop} of them one by one, "
                     "each through the same network.").format(device=nnlib.backend.device_description(),
                                                              n=f"{len(inputs):,}", loop=200))


def depth_section():
    st.header(_("6 · Why deep, and how deep?"))
    left, right = st.columns(2, gap="large")
    with left:
        step1_lecture.why_deep()
    with right:
        step1_lecture.open_questions()
        st.page_link("pages/deep_or_fat.py", label=_("Deep or fat? Try it"), icon=":material/stacks:")


step1_slide.render()
own_network_section()
depth_section()
