"""Draw a digit: what happens inside the network for the student's own drawing.

Every hidden layer as a strip of neurons lighting up, and the pictures the first layer's most
active neurons respond to. The numbers are lessons.digit_insides', the charts ui.views.digit_insides_view's.
"""

from __future__ import annotations

import streamlit as st

from i18n import _
from lessons.digit_insides import STRIP_COLUMNS, TOP_K, insides
from ui.views import digit_insides_view as view


def number(v: float, sign: bool = False) -> str:
    """2.56, or +3.02 / −0.40 with ``sign`` (a true minus sign)."""
    return (f"{v:+.2f}" if sign else f"{v:.2f}").replace("-", "−")


def why_it_fired(n, activation: str) -> str:
    """The sum that makes the most active neuron fire, in words and numbers."""
    return _("Why neuron {neuron} fires most: your ink on its blue weights adds **{excitation}**, ink on its "
             "orange weights adds **{inhibition}**, and its bias **{bias}**, so z = w·x + b = **{z}** and "
             "a = {activation}(z) = **{a}**.").format(
        neuron=n.index + 1, excitation=number(n.excitation, True), inhibition=number(n.inhibition, True),
        bias=number(n.bias, True), z=number(n.z), activation=activation, a=number(n.a))


def render(model, x, k: int = TOP_K) -> None:
    """Show the hidden layers of ``model`` for one input x (256,) and its first layer's k most active neurons."""
    st.subheader(_("Inside the network"))
    st.write(_("The hidden layers are the network's **feature extractor**: each neuron computes z = w·x + b "
               "from the layer below and fires, a = σ(z), when it finds the pattern its weights look for. "
               "The output layer then classifies these features, not the pixels. Below, your drawing lights "
               "up the neurons of each hidden layer (blue = firing, grey = silent; hover for the values)."))
    inside = insides(model, x, k)
    if not inside.hidden:
        st.info(_("This network has no hidden layer: its output neurons read the 256 pixels directly."),
                icon=":material/info:")
        return
    strips, pictures = st.columns(2, gap="medium")
    with strips:
        marked = [n.index for n in inside.top]
        for layer in inside.hidden:
            st.vega_lite_chart(view.layer_strip_chart(layer, marked if layer.number == 1 else ()).to_vega_lite(),
                               width="content", key=f"digits_insides_layer_{layer.number}",
                               alt=_("{title}: one cell per neuron, coloured by its activation").format(
                                   title=view.strip_title(layer)))
        negative = any(float(layer.a.min()) < 0 for layer in inside.hidden)
        if negative:
            caption = _("One cell per neuron, in a fixed place, {columns} to a row: draw another digit and another "
                        "pattern lights up. *Lit* means z > 0. The outlined cells of layer 1 are the neurons whose "
                        "pictures are shown. Orange: a negative activation (these neurons can output less than 0).")
        else:
            caption = _("One cell per neuron, in a fixed place, {columns} to a row: draw another digit and another "
                        "pattern lights up. *Lit* means z > 0. The outlined cells of layer 1 are the neurons whose "
                        "pictures are shown.")
        st.caption(caption.format(columns=STRIP_COLUMNS))
    with pictures:
        first = inside.hidden[0]
        st.vega_lite_chart(view.top_neurons_chart(inside.top).to_vega_lite(), width="content",
                           key="digits_insides_top",
                           alt=_("The most active first-layer neurons: each one's weights as a 16 by 16 picture, "
                                 "and the weights times the input"))
        st.caption(_("**weights w**: the neuron's 256 weights as a 16 × 16 picture (blue +, orange −). "
                     "**w × x**: each weight times your pixel, so only your ink counts; "
                     "z is their sum plus the bias. Each picture has its own scale."))
        st.markdown(why_it_fired(inside.top[0], first.activation))
