"""Step 1's lecture notes: what the article says about neurons, layers and depth, beside the live network.

Every number shown here is computed by nnlib (the slide network's first neuron, with the
student's edits, run as a one-neuron layer); the words follow the article in ``shared/seeds`` and the course notes.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import nnlib
from i18n import _
from lessons import slide_network as slide


def first_neuron(params=None) -> nnlib.Sequential:
    """Neuron 1 of the slide network's layer 1 alone (with the student's edits): a = σ(w·x + b)."""
    W, b = (params or slide.SLIDE_PARAMS)[:2]
    layer = nnlib.Dense(2, 1, activation="sigmoid", dtype="float64", weights=W[:1], bias=b[:1])
    return nnlib.Sequential([layer], loss="mse")


def neuron_is_logistic_regression(x, params=None) -> None:
    """A sigmoid neuron is a logistic regression: its weights and bias are the parameters."""
    model = first_neuron(params)
    (trace,) = model.trace(np.asarray(x, dtype=float)[None, :])
    (w1, w2), b = model.layers[0].get_weights()[0][0], model.layers[0].get_weights()[1][0]
    z, a = float(trace.z[0, 0]), float(trace.a[0, 0])
    st.markdown(_(
        "**A neuron with sigmoid is a logistic regression.** Logistic regression computes "
        r"$P(C_1 \mid x) = \sigma(w \cdot x + b)$: a weighted sum plus a bias, squashed into (0, 1). "
        "A sigmoid neuron computes exactly that, so the network above is many logistic regressions, "
        "each with **its own weights and bias**; those weights and biases are the network's parameters θ."))
    # Two short lines, so the formula fits half a laptop screen or a phone.
    st.latex(rf"\begin{{aligned}} z &= {w1:g}\cdot({x[0]:g}) {w2:+g}\cdot({x[1]:g}) {b:+g} = {z:.4g} \\ "
             rf"a &= \sigma(z) = {a:.4f} \end{{aligned}}")
    st.caption(_("Neuron 1 of layer 1, for the input x above, run alone by nnlib. Read as a logistic "
                 "regression, it puts x in class 1 with probability {p:.2f}.").format(p=a))


def feed_forward_and_layers() -> None:
    """Fully connected, feed-forward, and the names of the layers."""
    st.markdown(_(
        "- **Fully connected:** every neuron's output goes to every neuron of the next layer, and every "
        "neuron's inputs come from every neuron of the layer before.\n"
        "- **Feed-forward:** signals flow one way, from the input layer through the hidden layers to the "
        "output layer. No connection leads back to an earlier layer (no feedback).\n"
        "- **Input layer:** the inputs x themselves, as many as the data has values. They are *not* neurons: "
        "nothing is computed there.\n"
        "- **Hidden layers:** the layers between input and output. They transform the features: the last "
        "hidden layer's outputs are a new set of features.\n"
        "- **Output layer:** the last layer; its neurons' outputs are the network's output y. For a "
        "classifier it is a classifier working on the hidden layers' new features."))


def why_deep() -> None:
    """Where the "deep" in deep learning comes from, and why it needs the matrix form and GPUs."""
    st.markdown(_(
        "**Why \"deep\"?** Because the connections are designed by people, layers can be stacked many times: "
        "ResNet (2015) has **152 layers**. Such deep networks need special training techniques, and a great "
        "deal of computation: many millions of multiply-adds for every input. Nobody loops over neurons one by "
        "one at that size: written as matrix operations (section 5 above), the whole network is a chain of "
        "matrix products, which a GPU computes in parallel."))


def open_questions() -> None:
    """How many layers and neurons? The lecture's open questions, with honest pointers."""
    st.markdown(_(
        "**How many layers? How many neurons in each?** There is no formula: the lecture's answer is "
        "*trial and error plus intuition*. Deep learning moves the hard part: instead of **feature "
        "engineering** (hand-made features, hard for speech and images), you **design the network**.\n\n"
        "**Can the structure be found automatically?** Yes, by searching over structures, e.g. "
        "*evolutionary artificial neural networks*; the article notes these methods are not widespread.\n\n"
        "**Can we design the structure ourselves?** Yes: a *convolutional neural network* (CNN) is a "
        "structure designed for images. This app stays with fully connected networks, as the lecture does; "
        "try your own structures in section 2, and see *Deep or fat?* for what depth does."))
