"""Step 1, section 1: the lecture's slide network, number by number, with one parameter to change.

The numbers are nnlib's (lessons.slide_network holds the parameters); the drawing is
ui.views.network_figure's and the matrix form ui.views.latex's.
"""

import streamlit as st

from i18n import _, bound, pgettext
from lessons import slide_network as slide
from ui.sections import step1_lecture
from ui.views import latex
from ui.views.network_figure import model_figure
from ui.widgets import persistent, relabel


def reset_lecture():
    st.session_state["lecture_params"] = None  # the widgets follow (ui.widgets.persistent)
    st.session_state["lecture_x"] = (1.0, -1.0)


def set_input(x):
    st.session_state["lecture_x"] = x


def edit_parameter(ref) -> None:
    """A number box for one parameter; the student's value is kept in session_state["lecture_params"]."""
    def show(params):
        return slide.value(params or slide.SLIDE_PARAMS, ref)

    def keep(new, params):
        return slide.with_value(params or slide.SLIDE_PARAMS, ref, new)

    st.number_input(_("Value (marked red in the drawing)"), -10.0, 10.0, step=0.5,
                    **persistent("lecture_params", f"lecture_edit_{ref.layer}_{ref.row}_{ref.col}",
                                 show=show, keep=keep))


@st.fragment
def render():
    st.header(_("1 · The lecture's network, number by number"))
    drawing, controls = st.columns([2.4, 1], gap="medium")
    with controls:
        st.markdown(_("**Input x**"))
        c1, c2 = st.columns(2)
        x1 = c1.number_input("x1", -10.0, 10.0, step=0.5, **persistent("lecture_x", "lecture_x1", part=0))
        x2 = c2.number_input("x2", -10.0, 10.0, step=0.5, **persistent("lecture_x", "lecture_x2", part=1))
        c1, c2 = st.columns(2)
        c1.button("(1, −1)", key="lecture_x_slide", on_click=set_input, args=((1.0, -1.0),),
                  help=_("The slide's first example"), width="stretch")
        c2.button("(0, 0)", key="lecture_x_zero", on_click=set_input, args=((0.0, 0.0),),
                  help=_("The slide's second example"), width="stretch")
        st.markdown(_("**Change one parameter**"))
        c1, c2 = st.columns(2)
        layer = c1.selectbox(_("Layer"), [1, 2, 3], key="lecture_pick_layer")
        neuron = c2.selectbox(_("Neuron"), [1, 2], key="lecture_pick_neuron")
        relabel("lecture_pick_param")
        source = st.selectbox(_("Parameter"), slide.SOURCES, key="lecture_pick_param",
                              format_func=bound(slide.source_label))
        ref = slide.parameter(layer, neuron, source)
        edit_parameter(ref)
        st.button(_("Reset to the slide"), key="lecture_reset", on_click=reset_lecture, icon=":material/restart_alt:")
    params = st.session_state["lecture_params"] or slide.SLIDE_PARAMS
    model = slide.network(params)
    changed = slide.changed(params)
    with drawing:
        st.plotly_chart(model_figure(model, [x1, x2], highlight=(ref.layer, ref.row, ref.col)), key="lecture_figure",
                        config={"displayModeBar": False})
        note = (_("**Changed from the slide:** {changed}.").format(
            changed=pgettext("list separator", ", ").join(changed)) if changed else _("These are the slide's weights."))
        st.caption(_("Inside each neuron: its output a = σ(z); under it: z; above it: the bias b. "
                     "Blue links are positive weights, orange negative; thicker means larger |w|. {note}").format(
                         note=note))
    st.markdown(_(r"**The same numbers in matrix form**, $a^{l} = \sigma(W^{l} a^{l-1} + b^{l})$, "
                  "layer by layer (row j of W holds neuron j's weights):"))
    for column, tex in zip(st.columns(3), latex.matrix_form_latex(model, [x1, x2])):
        column.latex(r"\small " + tex)  # small enough for three layers side by side on a laptop
    # The article's words for what is drawn above, with this network's own numbers.
    words, layers = st.columns(2, gap="large")
    with words:
        step1_lecture.neuron_is_logistic_regression([x1, x2], params)
    with layers:
        step1_lecture.feed_forward_and_layers()
