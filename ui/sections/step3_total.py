"""Step 3, end of the backprop tab: the total gradient ∂L/∂w = Σₙ ∂Cⁿ/∂w over the slides' two inputs.

Every number is lessons.total_gradient.total_gradient's (backprop per example, their sum, and central
differences of L = Σₙ Cⁿ); ui.views.backprop_views lays them out as a table.
"""

import numpy as np
import streamlit as st

from i18n import _
from lessons.total_gradient import LECTURE_INPUTS, LECTURE_LABELS, total_gradient
from ui.views import backprop_views as bv

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _vector(v) -> str:
    return "(" + ", ".join(f"{float(x):g}".replace("-", "−") for x in v) + ")"


def labels_ui() -> np.ndarray:
    """One class per example; the slides give none, so LECTURE_LABELS are the starting choice."""
    cols = st.columns(len(LECTURE_INPUTS))
    labels = []
    for n, (col, x, label) in enumerate(zip(cols, LECTURE_INPUTS, LECTURE_LABELS), start=1):
        sup = str(n).translate(_SUP)
        labels.append(col.radio(
            _("Target ŷ{n} for x{n} = {x}").format(n=sup, x=_vector(x)), [0, 1], index=int(label), key=f"tg_label_{n}",
            horizontal=True, format_func=lambda c: _vector(np.eye(2)[c])))
    return np.array(labels)


def render(model_for, loss: str, loss_name: str) -> None:
    """The total-gradient table for the network of the chosen loss (``model_for(loss)`` builds it afresh)."""
    st.markdown(_("#### The total gradient: ∂L/∂w = Σₙ ∂Cⁿ/∂w"))
    st.markdown(_(
        "Gradient descent needs the gradient of the **total** loss L = Σₙ Cⁿ over all the training examples. "
        "The derivative of a sum is the sum of the derivatives, so backprop runs once per example and the "
        "results add up. Here the slides' two inputs go through the same network ({loss}).").format(loss=loss_name))
    with st.container(border=True):
        labels = labels_ui()
    model = model_for(loss)
    result = total_gradient(model, LECTURE_INPUTS, labels)
    st.latex(bv.total_loss_latex(result))
    table = bv.total_gradient_table(model, result)
    labels = bv.column_labels(table)
    st.dataframe(table, hide_index=True, key="tg_table", height=38 + 35 * len(table),
                 column_config=labels | {
                     c: st.column_config.NumberColumn(labels.get(c), format="%.6f") for c in table.columns[1:-1]} | {
                     "difference": st.column_config.NumberColumn(labels["difference"], format="%.1e")})
    st.caption(_("Each ∂Cⁿ/∂w column is backprop on example n alone; {sum} adds them. The finite difference is "
                 "(L(w + ε) − L(w − ε)) / 2ε of the total L itself, ε = 10⁻⁶, in float64. The largest difference "
                 "between the two is {error:.1e}: the sum of the examples' gradients is the gradient of L.").format(
                     sum=bv.SUM_COLUMN, error=result.max_numeric_error))
