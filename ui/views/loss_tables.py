"""Step 2's tables: softmax, one example's cross-entropy, and the examples that add most to L.

Only arranging and rounding lives here: every number comes from nnlib via lessons.explain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


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
