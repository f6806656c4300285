"""Reading a digit, saying when the network is unsure, and teaching it one example.

A :class:`Reading` holds the ten softmax outputs yᵢ = P(digit = i | x) and
what the page says about them. The network counts as unsure when its top
probability is low or when the distribution is spread out, measured by the
entropy H = −Σᵢ yᵢ ln yᵢ (0 when one digit has all the probability,
ln 10 ≈ 2.30 when all ten are equally likely).

:func:`teach` is the lecture's three steps on a single drawing: the network is
the function (step 1), the cross-entropy C = −ln y_label says how wrong it is
(step 2), and one gradient-descent step θ ← θ − η ∇C moves it (step 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import to_numpy
from ..model import Sequential
from ..optimizers import SGD
from ..validation import as_numbers, first_bad, shown
from .errors import N_, ExplainedError

UNSURE_TOP = 0.6        # unsure when the top probability is below this ...
UNSURE_ENTROPY = 1.0    # ... or the entropy (nats) is above this


@dataclass(frozen=True)
class Reading:
    """What the network reads in one image.

    probabilities: (10,) float, sums to 1. digit: argmax. entropy: H in nats.
    candidates: the two most likely digits, most likely first.
    """

    probabilities: np.ndarray
    digit: int
    entropy: float
    candidates: tuple[int, int]

    @property
    def confidence(self) -> float:
        return float(self.probabilities[self.digit])

    @property
    def unsure(self) -> bool:
        return self.confidence < UNSURE_TOP or self.entropy > UNSURE_ENTROPY

    def as_dict(self) -> dict:
        return {"digit": self.digit, "probabilities": [round(float(p), 6) for p in self.probabilities],
                "confidence": round(self.confidence, 6), "entropy": round(self.entropy, 6),
                "unsure": self.unsure, "candidates": list(self.candidates)}


def entropy(p: np.ndarray) -> float:
    """H(p) = −Σᵢ pᵢ ln pᵢ in nats (terms with pᵢ = 0 count as 0)."""
    p = np.asarray(p, dtype=np.float64)
    nz = p[p > 0]
    return float(-(nz * np.log(nz)).sum())


def reading_from(probabilities) -> Reading:
    """The :class:`Reading` of a network's outputs (10,); NaN or infinite outputs are a ValueError, never a digit."""
    p = as_numbers("probabilities", probabilities).astype(np.float64).reshape(-1)
    if p.size < 2:
        raise ValueError(f"probabilities must hold at least two values (one per class). "
                         f"Received shape {np.shape(probabilities)}.")
    finite = np.isfinite(p)
    if not np.all(finite):  # argmax would read NaN as the digit 0
        raise ExplainedError(N_("probabilities must be finite numbers; NaN or infinity means the network's outputs "
                                "overflowed, so there is no reading. Received: {value}"),
                             value=first_bad("probabilities", p, ~finite))
    order = np.argsort(-p, kind="stable")
    return Reading(probabilities=p, digit=int(order[0]), entropy=entropy(p),
                   candidates=(int(order[0]), int(order[1])))


def read(model: Sequential, x) -> Reading:
    """The network's reading of one input x (256,)."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a nnlib.Sequential. Received: model={shown(model)}")
    x = as_numbers("x", x)
    if x.shape != (model.n_in,):
        raise ValueError(f"x must be one input of shape ({model.n_in},). Received shape {x.shape}.")
    return reading_from(model.predict(x.astype(np.float32)))


@dataclass(frozen=True)
class TeachResult:
    """One gradient step on one example: probabilities and loss C = −ln y_label, before and after."""

    label: int
    learning_rate: float
    before: Reading
    after: Reading
    loss_before: float
    loss_after: float
    gradient_norm: float


def cross_entropy(model: Sequential, x, label: int) -> float:
    """C = −ln y_label for one input x (256,): the loss of this single example."""
    return float(model.per_example_loss(np.asarray(x, dtype=np.float32)[None, :], [label])[0])


def teach(model: Sequential, x, label: int, learning_rate: float = 0.1) -> TeachResult:
    """One step θ ← θ − η ∇C on the single example (x, label), in place on ``model``.

    Pass the student's own copy: a shared model must never be changed.
    ``gradient_norm`` is ‖∇C‖ over every weight and bias.
    """
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < model.n_out:
        raise ValueError(f"label must be a digit from 0 to {model.n_out - 1}. Received: label={shown(label)}")
    X = np.asarray(x, dtype=np.float32).reshape(1, -1)
    before = read(model, X[0])
    loss_before, grads = model.loss_and_grads(X, [int(label)])
    norm = float(np.sqrt(sum(float((np.asarray(g, dtype=np.float64) ** 2).sum()) for g in map(to_numpy, grads))))
    SGD(learning_rate=learning_rate).step(model.params, grads)
    after = read(model, X[0])
    return TeachResult(int(label), float(learning_rate), before, after, float(loss_before),
                       cross_entropy(model, X[0], int(label)), norm)
