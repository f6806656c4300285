"""Inside the network for one drawing: every hidden layer lighting up, and what its first layer looks for.

The lecture calls the hidden layers a **feature extractor**: neuron j of a layer computes
z_j = w_j · x + b_j from the layer below and outputs a_j = σ(z_j); the output layer classifies
those features, not the pixels. For one input x (a drawing's 256 grey levels) this module gives

- every hidden layer's z and a (the output layer's probabilities are the page's answer already);
- the k most active neurons of the first hidden layer, each with its weights w_j as a 16×16
  picture, the picture w_j ⊙ x (what each pixel adds to z_j: only the inked pixels count) and
  the sum that decides whether it fires, z_j = Σ(w_j ⊙ x) + b_j.

How a wide layer is drawn (see ``strip_shape``): its neurons in their own order, row by row,
32 to a row (512 → 16 × 32). A neuron of a dense layer has no place of its own, but a fixed place
lets a student draw a 3, then a 7, and see another pattern light up, and lets the page mark the
neurons whose pictures it shows. Sorted by activation, the strip would be the same falling ramp
for every drawing. 32 columns of 11-pixel cells fit a 420-pixel phone.

Plain NumPy and nnlib: no Streamlit (ui/views/digit_insides_view.py draws, ui/sections/digits_insides.py shows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

STRIP_COLUMNS = 32  # neurons per row of a strip: 512 = 16 × 32, and 32 cells of 11 px fit a phone
TOP_K = 8           # first-layer neurons whose pictures are shown


@dataclass(frozen=True)
class LayerActivity:
    """One hidden layer's values for one input: z = W·x + b and a = σ(z), shape (n,) each.

    number: 1 for the first hidden layer. lit: z > 0, the neurons whose weighted input is
    positive; for ReLU exactly those with a > 0 (for any rising σ, those with a > σ(0)).
    """

    number: int
    activation: str
    z: np.ndarray
    a: np.ndarray

    @property
    def n(self) -> int:
        return int(self.a.shape[0])

    @property
    def lit(self) -> np.ndarray:
        return self.z > 0

    @property
    def n_lit(self) -> int:
        return int(np.count_nonzero(self.lit))


@dataclass(frozen=True)
class TopNeuron:
    """A first-layer neuron and why it fired for this input.

    index: its place in the layer, from 0 (pages show index + 1). rank: 1 for the most active.
    weights: w_j (side, side), the picture the neuron responds to. evidence: w_j ⊙ x (side, side),
    what each pixel adds to z. z = Σ evidence + bias = excitation + inhibition + bias.
    """

    index: int
    rank: int
    a: float
    z: float
    bias: float
    weights: np.ndarray
    evidence: np.ndarray

    @property
    def excitation(self) -> float:
        """Σ of the positive w_i·x_i: ink where the weights are positive."""
        return float(self.evidence[self.evidence > 0].sum())

    @property
    def inhibition(self) -> float:
        """Σ of the negative w_i·x_i (≤ 0): ink where the weights are negative."""
        return float(self.evidence[self.evidence < 0].sum())


@dataclass(frozen=True)
class Insides:
    """What happens inside ``model`` for one input x (n_in,): hidden layers, first one first, and the
    first layer's k most active neurons, most active first (both empty for a network without a hidden layer)."""

    x: np.ndarray
    hidden: list[LayerActivity]
    top: list[TopNeuron]
    output: np.ndarray


def square_side(n_in: int) -> int:
    """The side of a square picture of n_in pixels (256 → 16); ValueError when n_in is not a square."""
    side = math.isqrt(n_in)
    if side * side != n_in:
        raise ValueError(f"weight pictures need a square input. Received {n_in} inputs.")
    return side


def strip_shape(n: int, columns: int = STRIP_COLUMNS) -> tuple[int, int]:
    """(rows, columns) of the grid a layer of n neurons is drawn in: ``columns`` to a row, one row when narrower.

    Neuron j sits at row j // columns, column j % columns; the last row may be short.
    """
    if n < 1:
        raise ValueError(f"a layer has at least one neuron. Received n={n}")
    cols = min(n, columns)
    return -(-n // cols), cols


def most_active(a, k: int) -> np.ndarray:
    """Indices of the k largest activations, largest first; ties go to the lower index."""
    a = np.asarray(a)
    return np.argsort(-a, kind="stable")[:max(0, min(k, a.shape[0]))]


def insides(model, x, k: int = TOP_K) -> Insides:
    """Every hidden layer's z and a for one input x (n_in,), and the first layer's k most active neurons.

    Works for any number of hidden layers and any activation; the first layer's input must be a
    square picture (256 = 16 × 16) for its weight pictures.
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    trace = model.trace(x)  # checks x's length and values
    hidden = [LayerActivity(i + 1, layer.activation.name, t.z[0].astype(np.float64), t.a[0].astype(np.float64))
              for i, (layer, t) in enumerate(zip(model.layers[:-1], trace[:-1]))]
    top = []
    if hidden:
        side = square_side(model.n_in)
        W, b = model.layers[0].get_weights()  # W (n_1, n_in): row j is neuron j's weights
        W = W.astype(np.float64)
        b = np.zeros(W.shape[0]) if b is None else b.astype(np.float64)
        first = hidden[0]
        for rank, j in enumerate(most_active(first.a, k), start=1):
            j = int(j)
            top.append(TopNeuron(index=j, rank=rank, a=float(first.a[j]), z=float(first.z[j]), bias=float(b[j]),
                                 weights=W[j].reshape(side, side), evidence=(W[j] * x).reshape(side, side)))
    return Insides(x=x, hidden=hidden, top=top, output=trace[-1].a[0].astype(np.float64))
