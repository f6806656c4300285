"""A network's function over the 2-D input plane, for heatmaps.

For a model with two inputs, evaluate it on a regular grid over
[−extent, extent]² and return every neuron's output there: the picture that
TensorFlow Playground draws in each neuron and behind the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnlib.validation import check_int


@dataclass(frozen=True)
class PlaneGrid:
    """Values over the plane. xs, ys: (R,) axis ticks; each map is (R, R), row = y, column = x.

    layers[l][k] is neuron k of layer l (l = 0 is the first hidden layer) over the grid;
    output is the network's last layer (same as layers[-1]).
    """

    xs: np.ndarray
    ys: np.ndarray
    layers: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        return self.layers[-1]

    def class_probability(self, k: int = 1) -> np.ndarray:
        """The output neuron k over the grid (for softmax outputs: P(class k))."""
        return self.output[k]

    def points(self) -> np.ndarray:
        """The grid's inputs (R², 2), (x1, x2) row by row: the rows the maps were computed from."""
        return grid_points(self.xs, self.ys)


def grid_points(xs, ys) -> np.ndarray:
    """Every (x, y) of the grid xs × ys as rows (len(xs)·len(ys), 2), y-major: row = y, column = x."""
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def plane_grid(model, resolution: int = 60, extent: float = 1.0, inputs=None) -> PlaneGrid:
    """Evaluate a model of the plane on a resolution×resolution grid over [−extent, extent]².

    inputs: None for a model of (x₁, x₂) itself, or a function that turns the grid's points (P, 2)
    into the model's input features (P, n_in), such as lessons.features.transform with the chosen names.
    """
    check_int("resolution", resolution, 2, 400)
    xs = np.linspace(-extent, extent, resolution)
    ys = np.linspace(-extent, extent, resolution)
    points = grid_points(xs, ys)
    features = points if inputs is None else inputs(points)
    if features.ndim != 2 or features.shape[1] != model.n_in:
        raise ValueError(f"plane heatmaps need the model's {model.n_in} inputs at every point of the plane. "
                         f"Received {features.shape[1] if features.ndim == 2 else 'no'} input columns"
                         + ("" if inputs is not None else " (x1 and x2 only: pass inputs= for other features)")
                         + ".")
    # One batched forward pass gives every neuron at every grid point.
    layers = [t.a.T.reshape(-1, resolution, resolution) for t in model.trace(features)]
    return PlaneGrid(xs, ys, layers)
