"""A picture for every neuron of a network, as TensorFlow Playground draws one inside each neuron.

For a network of the plane (2-D data sets, any input features), a neuron's picture is its output a
over the plane [−1, 1]², and an input neuron's picture is its feature over the plane.

For the 16×16 digits the plane has no meaning. A first-layer neuron's picture is then its 256
weights as a 16×16 image (the pattern it responds to), and a deeper neuron's picture is its mean
output over the digits of each class, drawn as 2 rows of 5 (0–4 above 5–9): which digits light it up.

Every picture is a 2-D array with row 0 at the bottom (the plane's lowest x₂), the layout of
:class:`lessons.grid.PlaneGrid`'s maps; ui.views.playground_network draws them.
"""

from __future__ import annotations

import numpy as np

from lessons import features as feats
from lessons.grid import plane_grid
from nnlib.datasets import DIGIT_CLASSES, DIGIT_SIDE


def plane_pictures(model, names, resolution: int = 16) -> list[list[np.ndarray]]:
    """Pictures of a plane network: [inputs (F maps), hidden layer 1, …, output], each (R, R).

    model: an nnlib Sequential whose inputs are the features ``names`` of lessons.features.
    """
    names = feats.check_names(names)
    grid = plane_grid(model, resolution=resolution, inputs=lambda points: feats.transform(points, names))
    return [list(feats.feature_grid(names, resolution=resolution))] + [list(layer) for layer in grid.layers]


def class_grid(values: np.ndarray) -> np.ndarray:
    """10 values, one per digit class, as a (2, 5) picture with row 0 at the bottom: 5–9 below 0–4."""
    return np.asarray(values, dtype=np.float64).reshape(2, 5)[::-1]


def digit_pictures(model, X: np.ndarray, y: np.ndarray) -> list[list[np.ndarray]]:
    """Pictures of a digits network: [[] (no input pictures), layer 1, …, output].

    Layer 1: each neuron's weights (row k of nnlib's W, (n_out, n_in)) as a (16, 16) picture
    (row 0 at the bottom, so the digit stands upright when drawn). Later layers: each neuron's mean
    output a over the examples of each class in X (N, 256), y (N,), as a (2, 5) picture
    (:func:`class_grid`); a class missing from y reads 0.
    """
    W = np.asarray(model.layers[0].get_weights()[0], dtype=np.float64)
    first = [W[k].reshape(DIGIT_SIDE, DIGIT_SIDE)[::-1] for k in range(W.shape[0])]
    traces = model.trace(X)
    y = np.asarray(y)
    counts = np.bincount(y, minlength=DIGIT_CLASSES)[:DIGIT_CLASSES]
    layers = [first]
    for t in traces[1:]:
        a = np.asarray(t.a, dtype=np.float64)
        sums = np.zeros((DIGIT_CLASSES, a.shape[1]))
        np.add.at(sums, y, a)
        means = sums / np.maximum(counts, 1)[:, None]
        layers.append([class_grid(means[:, k]) for k in range(a.shape[1])])
    return [[]] + layers
