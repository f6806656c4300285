"""TensorFlow Playground's two regression data sets, on the plane [−1, 1]² the 2-D sets use.

Regression asks for a number per point instead of a class: the network ends in one linear neuron
and is trained with mean squared error. The Playground draws its points on [−6, 6]²; here a point
x = u / 6, so the functions below are the Playground's, read at u = 6x:

* "plane": y = (u₁ + u₂) / 10 = 0.6·(x₁ + x₂), a tilted plane from −1.2 to 1.2.
* "gaussians": six signed bumps in two rows, +1 −1 +1 over −1 +1 −1. Each bump is 1 at its centre
  and falls linearly to 0 at distance 2 (u units), i.e. b(x) = max(0, 1 − 3‖x − c‖); no two
  bumps overlap, so y is their signed sum (the Playground takes the largest in size: the same).

``noise`` works as in the Playground: a point stays where it is drawn, but its value is read at
the point moved by Gaussian noise of that standard deviation (in x units), so nearby points
disagree a little. Pure NumPy, with an explicit seed.
"""

from __future__ import annotations

import numpy as np

from nnlib.datasets import train_test_split
from nnlib.initializers import make_rng
from nnlib.validation import as_numbers, check_int, check_number, shown

REGRESSION_SETS = ("plane", "gaussians")
PLAYGROUND_RADIUS = 6.0  # the Playground's plane is [−6, 6]²; ours is that divided by 6
# (centre u₁, centre u₂, sign) in the Playground's units.
BUMPS = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
         (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))
BUMP_RADIUS = 2.0        # in the Playground's units: a bump reaches 0 this far from its centre


def _plane(x1, x2):
    return PLAYGROUND_RADIUS * (x1 + x2) / 10.0


def _gaussians(x1, x2):
    y = np.zeros_like(x1)
    for cx, cy, sign in BUMPS:
        d = PLAYGROUND_RADIUS * np.hypot(x1 - cx / PLAYGROUND_RADIUS, x2 - cy / PLAYGROUND_RADIUS)
        y += sign * np.clip(1.0 - d / BUMP_RADIUS, 0.0, 1.0)
    return y


_FUNCTIONS = {"plane": _plane, "gaussians": _gaussians}


def _check_name(name) -> str:
    if not isinstance(name, str) or name not in _FUNCTIONS:
        raise ValueError(f"Unknown regression data set {shown(name)}. Choose one of: {', '.join(REGRESSION_SETS)}.")
    return name


def target(name: str, X) -> np.ndarray:
    """The noiseless value of every point: X (N, 2) in [−1, 1]² -> y (N,) float64.

    E.g. target('plane', [[0.5, 0.5]]) is [0.6]; target('gaussians', [[-4/6, 2.5/6]]) is [1.0].
    """
    f = _FUNCTIONS[_check_name(name)]
    X = as_numbers("X", X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"expected points X of shape (N, 2). Received shape {X.shape}.")
    X = X.astype(np.float64)
    return f(X[:, 0], X[:, 1])


def regression(name: str, n: int = 400, noise: float = 0.0, test_fraction: float = 0.5, seed=0):
    """A 2-D regression set: ``(X_train, y_train), (X_test, y_test)``, like ``nnlib.datasets.toy``.

    X is float32 (N, 2), uniform in [−1, 1]²; y is float32 (N,), each point's value (not a class).
    noise (0 to 0.5): the standard deviation of the jitter of the point at which y is read.
    test_fraction (strictly between 0 and 1): the share of the n points held out for testing.
    seed: int or Generator; the same arguments give the same arrays.
    """
    f = _FUNCTIONS[_check_name(name)]
    check_int("n", n, 4, 100_000)
    if not isinstance(noise, (int, float)) or isinstance(noise, bool) or not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise must be a number from 0 to 0.5. Received: noise={shown(noise)}")
    check_number("test_fraction", test_fraction, 0.0, 1.0, low_open=True, high_open=True)
    rng = make_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(int(n), 2))
    read_at = X + rng.normal(0.0, noise, size=X.shape) if noise else X
    y = f(read_at[:, 0], read_at[:, 1])
    return train_test_split(X.astype(np.float32), y.astype(np.float32), test_fraction, rng, stratify=False)
