"""Step 2 · Goodness of a function: softmax, cross-entropy, the total loss and its landscape.

UI only: the numbers come from nnlib and lessons (explain, landscape, grid); the tables are
ui.views.loss_tables' and the figures ui.views.figures'.
"""

import streamlit as st

import nnlib
from i18n import N_, _, bound
from lessons import explain, landscape
from lessons.grid import plane_grid
from services.model_files import fingerprint, trained_for
from ui import navigation
from ui.sections import step2_network_softmax
from ui.views import figures, loss_tables
from ui.widgets import persistent, relabel

navigation.enter(__file__)  # run alone (a fresh server's legacy mode), the page hands over to app.py

# The networks Section 3 can judge: stable codes in session state, words only where shown.
SOURCES = {"trained": N_("Your trained network (Step 3)"), "random": N_("Step 1's network, random θ")}
DATASET_NAMES = {"circle": N_("circle"), "xor": N_("xor"), "gaussian": N_("gaussian"), "spiral": N_("spiral")}

st.title(_("Step 2 · Goodness of a function"))
st.markdown(_("To pick the best function from the set, we need a number that says how *bad* a function is: "
              "the **loss**, given by a **loss function**. For classification the network ends in a **softmax**, "
              "and the loss function is the **cross-entropy** between its output and the target."))


@st.cache_data(max_entries=16, show_spinner=False)
def toy_data(name: str, noise: float, seed: int):
    """A toy training set (pure and read-only: every caller gets its own copy)."""
    return nnlib.datasets.toy(name, n=200, noise=noise, seed=seed)[0]


@st.cache_data(max_entries=32, show_spinner=False)
def cached_landscape(_model, model_key: str, name: str, noise: float, seed: int, p: int, q: int, span: float):
    """The landscape of ``_model`` (not hashed: ``model_key``, its fingerprint, stands for it in the cache key)."""
    model = _model.copy()  # the sweep moves two parameters: never on the caller's model
    X, y = toy_data(name, noise, seed)
    refs = landscape.parameter_refs(model)
    return landscape.loss_landscape(model, X, y, refs[p], refs[q], span=span, resolution=41)


@st.fragment
def softmax_and_cross_entropy():
    """Sections 1 and 2 (a fragment: moving z reruns only these)."""
    st.header(_("1 · Softmax, live"))
    controls, charts = st.columns([1, 2.4], gap="medium")
    with controls:
        st.latex(r"y_i = \frac{e^{z_i}}{\sum_j e^{z_j}}")
        z = [st.slider(f"z{i + 1}", -8.0, 8.0, step=0.1, **persistent("softmax_z", f"softmax_z{i + 1}", part=i))
             for i in range(3)]
    y = explain.softmax_values(z)
    with charts:
        c1, c2 = st.columns(2)
        labels = ["1", "2", "3"]
        c1.plotly_chart(figures.bar_figure(z, labels, _("z (any real number)"), _("Input z (logits)")),
                        key="softmax_z_chart", config={"displayModeBar": False})
        c2.plotly_chart(figures.bar_figure(y, labels, _("y (probability)"), _("Output y = softmax(z)"),
                                           y_range=[0, 1.12], color=figures.CLASS_COLORS[1]),
                        key="softmax_y_chart", config={"displayModeBar": False})
    exps = explain.exponentials(z)
    st.dataframe(loss_tables.softmax_table(z, exps, y), hide_index=True, key="softmax_table")
    st.caption(_("y ≈ ({values}). Σ e^z = {sum_exp:.3f}. Every yᵢ lies in (0, 1) and they add up to {total:.2f}: "
                 "the output is a probability distribution. The largest z gets the largest share, amplified by "
                 "the exponential.").format(values=", ".join(f"{v:.2f}" for v in y), sum_exp=exps.sum(),
                                            total=y.sum()))

    # --- 2 · Cross-entropy for one example -----------------------------------------------------------
    st.header(_("2 · Cross-entropy: the loss of one example"))
    left, right = st.columns([1, 2.4], gap="medium")
    with left:
        true = st.radio(_("True class"), [1, 2, 3], horizontal=True,  # shown from 1, kept from 0
                        **persistent("ce_target", "ce_target_radio", show=lambda c: c + 1, keep=lambda t, _: t - 1))
        terms = explain.cross_entropy_terms(y, true - 1)
        st.metric("C(y, ŷ)", f"{terms.sum():.3f}")
    with right:
        st.latex(r"C(y, \hat y) = -\sum_i \hat y_i \ln y_i = -\ln y_{\text{true}}")
        table = loss_tables.cross_entropy_table(y, true - 1, terms)
        st.dataframe(table, hide_index=True, key="ce_table", column_config=loss_tables.column_labels(table))
        st.caption(_("The target ŷ is one-hot, so only the true class's term is non-zero: C is small when the "
                     "network gives the true class a high probability, and grows without bound as that "
                     "probability → 0."))


@st.fragment
def total_loss_and_landscape():
    """Sections 3 and 4: one network on one data set, its total loss and its landscape."""
    st.header(_("3 · The total loss over a data set"))
    trained = trained_for(st.session_state["model"], st.session_state["model_dataset"], nnlib.datasets.TOY_SETS)
    sources = (["trained"] if trained is not None else []) + ["random"]
    c1, c2, c3 = st.columns([1.4, 1, 1])
    relabel("loss_source")
    source = c1.selectbox(_("Network"), sources, key="loss_source", format_func=bound(lambda code: _(SOURCES[code])))
    use_trained = source == "trained"
    if use_trained:  # a trained network is judged on the data it was trained for
        st.session_state["loss_dataset"] = st.session_state["model_dataset"]
    shared_set = st.session_state["dataset"]
    st.session_state.setdefault("loss_dataset", shared_set if shared_set in nnlib.datasets.TOY_SETS else "circle")
    relabel("loss_dataset")
    name = c2.selectbox(_("Data set"), nnlib.datasets.TOY_SETS, key="loss_dataset", disabled=use_trained,
                        format_func=bound(lambda n: _(DATASET_NAMES[n]) if n in DATASET_NAMES else n))
    theta_seed = c3.number_input(_("Seed of θ"), 0, 10_000, step=1, key="loss_seed", disabled=use_trained)
    model = trained.copy() if use_trained else st.session_state["spec"].build(seed=int(theta_seed))
    X, labels = toy_data(name, float(st.session_state["noise"]), int(st.session_state["seed"]))
    per_example = model.per_example_loss(X, labels)
    evaluation = model.evaluate(X, labels)
    top = explain.top_contributors(per_example, k=8)
    st.latex(r"L = \sum_{n=1}^{N} C^n")
    st.caption(_("The lecture's total loss adds up every example's Cⁿ. Training usually minimises the mean L / N "
                 "instead: the same best θ, and a learning rate that need not change with N."))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(_("N examples"), f"{evaluation.n}")
    m2.metric(_("Total loss L = Σ Cⁿ"), f"{evaluation.total_loss:.2f}")
    m3.metric(_("Mean loss L / N"), f"{evaluation.mean_loss:.4f}")
    m4.metric(_("Accuracy"), f"{evaluation.accuracy:.0%}")
    plot, table = st.columns([1, 1.3], gap="medium")
    plot.plotly_chart(figures.loss_points_figure(X, labels, per_example, top.index, plane_grid(model, resolution=50)),
                      key="loss_points",
                      config={"displayModeBar": False})
    p_true = explain.true_class_probabilities(model.predict(X[top.index]), labels[top.index])
    table.markdown(_("**The {k} examples that add most to L** (ringed on the plane; point size ∝ Cⁿ, "
                     "background: the network's P(class 1))").format(k=len(top.index)))
    top_table = loss_tables.top_examples_table(X, labels, p_true, top)
    table.dataframe(top_table, hide_index=True, key="top_table", column_config=loss_tables.column_labels(top_table))
    step2_network_softmax.render(model, X, labels, worst=top.index[0])

    # --- 4 · The loss landscape ----------------------------------------------------------------------
    st.header(_("4 · The loss landscape"))
    st.markdown(_("L is a function of θ. Hold every parameter but two fixed and sweep those two: the picture is "
                  "the landscape that Step 3's gradient descent walks down."))
    refs = landscape.parameter_refs(model)
    options = list(range(len(refs)))
    c1, c2, c3 = st.columns([1.4, 1.4, 1])
    for key, first in (("land_p", 0), ("land_q", 1)):  # the first two parameters, until the student picks others
        if st.session_state.get(key) not in options:
            st.session_state[key] = first
        relabel(key)
    p = c1.selectbox(_("Parameter on the x axis"), options, format_func=bound(lambda k: refs[k].label), key="land_p")
    q = c2.selectbox(_("Parameter on the y axis"), options, format_func=bound(lambda k: refs[k].label), key="land_q")
    span = c3.slider(_("Range ± around θ"), 0.5, 10.0, 3.0, 0.5, key="land_span")
    if p == q:
        st.info(_("Pick two different parameters to see a landscape."))
    else:
        land = cached_landscape(model, fingerprint(model), name, float(st.session_state["noise"]),
                                int(st.session_state["seed"]), p, q, float(span))
        st.plotly_chart(figures.landscape_figure(land, refs[p].label, refs[q].label), key="landscape",
                        config={"displayModeBar": False})
        st.caption(_("Contours of the total loss L = Σ Cⁿ over the {n} examples; ✕ marks the current θ "
                     "(L = {loss:.2f}). Lowest L on this grid: {lowest:.2f}.").format(
                         n=evaluation.n, loss=land.loss_at_theta, lowest=land.loss.min()))


softmax_and_cross_entropy()
total_loss_and_landscape()
