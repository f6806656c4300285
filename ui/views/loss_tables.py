"""Step 2's tables: softmax, one example's cross-entropy, and the examples that add most to L.

Only arranging and rounding lives here: every number comes from nnlib via lessons.explain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from i18n import N_, _

# The columns' headers as a student reads them (the tables keep these stable names; tests read them).
COLUMN_LABELS = {
    "output y_i": N_("output y_i"), "target ŷ_i": N_("target ŷ_i"), "class": N_("class"),
    "P(true class)": N_("P(true class)"), "share of L": N_("share of L"), "target ŷ": N_("target ŷ"),
}


def column_labels(table: pd.DataFrame) -> dict[str, str]:
    """``column_config`` for st.dataframe: each worded column's header in the session's language."""
    return {c: _(COLUMN_LABELS[c]) for c in table.columns if c in COLUMN_LABELS}


def softmax_table(z, exps, y) -> pd.DataFrame:
    """One row per class i: z_i, e^z_i and y_i = softmax(z)_i, rounded to 3 decimals."""
    return pd.DataFrame({"i": np.arange(1, len(z) + 1), "z_i": z, "e^z_i": exps, "y_i": y}).round(3)


def cross_entropy_table(y, true: int, terms) -> pd.DataFrame:
    """One row per class i: the output y_i, the one-hot target ŷ_i (``true`` is 0-based) and −ŷ_i ln y_i."""
    y = np.asarray(y)
    onehot = np.eye(y.shape[0], dtype=int)[true]
    return pd.DataFrame({"i": np.arange(1, y.shape[0] + 1), "output y_i": y.round(3), "target ŷ_i": onehot,
                         "−ŷ_i ln y_i": np.asarray(terms).round(3)})


def top_examples_table(X, labels, p_true, top) -> pd.DataFrame:
    """The costliest examples (lessons.explain.Contributors ``top``): inputs, class, P(true class), Cⁿ, share."""
    k = len(top.index)
    return pd.DataFrame({
        "#": np.arange(1, k + 1), "x1": X[top.index, 0], "x2": X[top.index, 1],
        "class": labels[top.index], "P(true class)": p_true, "Cⁿ": top.loss,
        "share of L": [f"{s:.1%}" for s in top.share]}).round(3)
