"""Input features: what the network is given about a point (x₁, x₂), as in TensorFlow Playground.

The 2-D data sets live in [−1, 1]². Besides x₁ and x₂ themselves, a student may feed the network
products and waves of them: with x₁² and x₂² a circle is a straight line in feature space, so even a
network without hidden layers separates the circle data. :func:`transform` turns points (N, 2) into
the chosen features (N, F); the network's input layer then has F neurons.

The sine features are sin(π·x): on [−1, 1], sin x itself is nearly x (it bends by less than 16 %),
a copy of x₁ that teaches nothing. The Playground draws its points on [−6, 6], where sin x makes
almost two waves; sin(πx) makes one full wave across our plane, and its label says so.

Pure NumPy: pages and tests call it without a network or a GPU.
"""

from __future__ import annotations

import numpy as np

from lessons.grid import grid_points
from nnlib.validation import as_numbers, check_int, check_number, shown

# name -> (label shown to students, f(x1, x2) elementwise on NumPy arrays), in the Playground's order.
FEATURES = {
    "x1": ("x₁", lambda x1, x2: x1),
    "x2": ("x₂", lambda x1, x2: x2),
    "x1_squared": ("x₁²", lambda x1, x2: x1 * x1),
    "x2_squared": ("x₂²", lambda x1, x2: x2 * x2),
    "x1_times_x2": ("x₁x₂", lambda x1, x2: x1 * x2),
    "sin_x1": ("sin πx₁", lambda x1, x2: np.sin(np.pi * x1)),
    "sin_x2": ("sin πx₂", lambda x1, x2: np.sin(np.pi * x2)),
}
DEFAULT = ("x1", "x2")  # the plain inputs: transform(X, DEFAULT) is X itself


def check_names(names) -> tuple[str, ...]:
    """``names`` as a tuple when it is a non-empty list or tuple of distinct FEATURES names, else ValueError."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise ValueError(f"names must be a list of feature names such as ['x1', 'x2']. Received: names={shown(names)}")
    if not names:
        raise ValueError("names must choose at least one input feature: the network needs an input. "
                         "Received: names=[]")
    for name in names:
        if not isinstance(name, str) or name not in FEATURES:
            raise ValueError(f"Unknown input feature {shown(name)}. Choose from: {', '.join(FEATURES)}.")
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"each input feature may be chosen once. Received {twice!r} twice in names={shown(names)}")
    return tuple(names)


def labels(names) -> list[str]:
    """The students' labels of ``names``, e.g. ['x₁', 'x₁²']."""
    return [FEATURES[name][0] for name in check_names(names)]


def transform(X2, names) -> np.ndarray:
    """The chosen features of every point: X2 (N, 2) -> (N, len(names)), column k = feature names[k].

    X2: points (x₁, x₂), one per row, finite real numbers. The result keeps a float32 input's
    dtype (what the data sets hold) and is float64 otherwise. E.g. the point (0.5, −1) with
    names ['x1', 'x1_squared', 'x1_times_x2'] gives [0.5, 0.25, −0.5].
    """
    names = check_names(names)
    X = as_numbers("X", X2)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"expected points X of shape (N, 2): one (x₁, x₂) per row. Received shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must hold finite numbers. Received NaN or an infinity.")
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    x1, x2 = X[:, 0].astype(np.float64), X[:, 1].astype(np.float64)
    columns = [FEATURES[name][1](x1, x2) for name in names]
    return np.stack(columns, axis=1).astype(dtype, copy=False)


def feature_grid(names, resolution: int = 60, extent: float = 1.0) -> np.ndarray:
    """Every chosen feature over a resolution×resolution grid of [−extent, extent]²: (F, R, R).

    The picture the Playground draws in each input neuron; row = x₂, column = x₁, the layout of
    :func:`lessons.grid.plane_grid`'s maps.
    """
    names = check_names(names)
    check_int("resolution", resolution, 2, 400)
    extent = check_number("extent", extent, 0.0, low_open=True)
    ticks = np.linspace(-extent, extent, resolution)
    values = transform(grid_points(ticks, ticks), names)
    return values.T.reshape(len(names), resolution, resolution)
