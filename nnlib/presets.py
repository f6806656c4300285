"""Networks from the lecture, built with exact weights."""

from __future__ import annotations

from .layers import Dense
from .model import Sequential

# Hung-yi Lee's slide network: 2 inputs, three sigmoid layers of 2 neurons.
# Row j of each W holds neuron j's weights (z = W·x + b).
LECTURE_WEIGHTS = (
    ([[1.0, -2.0], [-1.0, 1.0]], [1.0, 0.0]),
    ([[2.0, -1.0], [-2.0, -1.0]], [0.0, 0.0]),
    ([[3.0, -1.0], [-1.0, 4.0]], [-2.0, 2.0]),
)


def lecture_network(loss: str = "mse") -> Sequential:
    """The slides' 2-2-2-2 all-sigmoid network, in float64 so its numbers are exact.

    Its outputs are independent sigmoids, not a probability distribution, so the
    default loss is mean squared error; pass loss='cross_entropy' for −Σ ŷᵢ ln yᵢ.
    """
    layers = [Dense(2, 2, activation="sigmoid", dtype="float64", weights=W, bias=b)
              for W, b in LECTURE_WEIGHTS]
    return Sequential(layers, loss=loss)
