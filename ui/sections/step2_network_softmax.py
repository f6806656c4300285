"""Step 2: softmax on the network's own outputs, for one example (where the y in C(y, ŷ) comes from).

The numbers are lessons.softmax_view's: the output layer's z from ``model.trace``, its exponentials,
their sum, y = softmax(z) as the network computes it, the example's Cⁿ and ∂Cⁿ/∂z = y − ŷ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from i18n import _
from lessons.softmax_view import softmax_breakdown
from ui.views.loss_tables import column_labels


def breakdown_table(b) -> pd.DataFrame:
    """One row per output neuron: z, e^z, y = e^z / Σ e^z, the target ŷ and ∂C/∂z = y − ŷ."""
    k = b.z.shape[0]
    onehot = np.eye(k, dtype=int)[b.target]
    return pd.DataFrame({"class": np.arange(k), "z": b.z, "e^z": b.exp_z, "y = softmax(z)": b.y,
                         "target ŷ": onehot, "∂C/∂z = y − ŷ": b.grad_z + 0.0}).round(4)


def render(model, X, labels, worst: int) -> None:
    """Pick an example (the costliest by default); show its softmax step by step."""
    st.subheader(_("Where y comes from: softmax on this network's own z"))
    left, right = st.columns([1, 2.4], gap="medium")
    with left:
        n = st.number_input(_("Example n"), 0, len(labels) - 1, int(worst), step=1, key="net_softmax_example",
                            help=_("Starts at the example that adds most to L (ringed above)."))
        x, target = X[int(n)], int(labels[int(n)])
        b = softmax_breakdown(model, x, target)
        st.markdown(_("x = ({x1:.2f}, {x2:.2f}), true class **{target}**").format(x1=x[0], x2=x[1], target=target))
        st.metric("Cⁿ = −ln y_true", f"{b.loss:.4f}")
    with right:
        c1, c2 = st.columns(2)
        c1.latex(r"z = W^{L} a^{L-1} + b^{L}, \quad y_i = \frac{e^{z_i}}{\sum_j e^{z_j}}")
        c2.latex(r"C^n = -\ln y_{\text{true}}, \quad \frac{\partial C^n}{\partial z_i} = y_i - \hat y_i")
        table = breakdown_table(b)
        st.dataframe(table, hide_index=True, key="net_softmax_table", column_config=column_labels(table))
        st.caption(_("The output layer's z for this example, computed by the network; Σ e^z = {sum_exp:.4g}. "
                     "Softmax turns it into y, the y of C(y, ŷ). Step 3's backpropagation starts from the last "
                     "column: ∂C/∂z = y − ŷ.").format(sum_exp=b.sum_exp))
