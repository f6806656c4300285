"""Step 1, section 2: the widgets that build the student's own network (the one Step 3 trains).

Every widget mirrors session_state["spec"] (ui.widgets.persistent), which a shared link or a loaded
file may also set; a change builds a new spec, checked against this server's limits (services.limits).
"""

import streamlit as st

import nnlib
from i18n import N_, _, bound
from services import limits
from ui.widgets import persistent

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]
ACTIVATION_LABELS = {"linear": N_("linear")}  # the others are names kept in both languages


def activation_label(name: str) -> str:
    return _(ACTIVATION_LABELS[name]) if name in ACTIVATION_LABELS else name


def describe(spec: nnlib.NetworkSpec) -> str:
    """The network in one line, in the session's language: "2 → 4 → 2 (relu, 22 parameters)"."""
    return _("{sizes} ({activation}, {n} parameters)").format(
        sizes=" → ".join(str(s) for s in spec.sizes), activation=activation_label(spec.activation),
        n=f"{spec.count_params():,}")


def rebuild(_value, spec: nnlib.NetworkSpec) -> nnlib.NetworkSpec:
    """The spec the builder's widgets now ask for, or ``spec`` kept with a message when it is refused."""
    n = st.session_state["build_layers"]
    last = spec.hidden[-1] if spec.hidden else 4  # a new layer starts as wide as the last one
    hidden = tuple(int(st.session_state.get(f"build_n{k}", last)) for k in range(n))
    try:
        return limits.check_spec(nnlib.NetworkSpec(n_in=2, hidden=hidden, n_out=2,
                                                   activation=st.session_state["build_activation"]))
    except ValueError as err:  # LimitExceeded included
        st.session_state["build_error"] = _("{error} Keeping your last network: {network}").format(
            error=err, network=describe(spec))
        return spec


def builder(spec: nnlib.NetworkSpec) -> None:
    """Widgets for the hidden layers and the activation of ``spec``."""
    st.slider(_("Hidden layers"), 0, limits.MAX_HIDDEN_LAYERS,
              **persistent("spec", "build_layers", show=lambda s: len(s.hidden), keep=rebuild))
    cols = st.columns(4)
    for k in range(len(spec.hidden)):
        cols[k % 4].number_input(_("Layer {n}").format(n=k + 1), min_value=1, step=1,
                                 **persistent("spec", f"build_n{k}", show=lambda s, k=k: s.hidden[k], keep=rebuild))
    options = ACTIVATIONS if spec.activation in ACTIVATIONS else [*ACTIVATIONS, spec.activation]
    st.selectbox(_("Activation σ"), options, format_func=bound(activation_label),
                 **persistent("spec", "build_activation", show=lambda s: s.activation, keep=rebuild))
    if st.session_state["build_error"]:
        st.error(st.session_state["build_error"])
        st.session_state["build_error"] = None
