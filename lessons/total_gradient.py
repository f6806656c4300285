"""The total gradient: ∂L/∂w = Σₙ ∂Cⁿ/∂w, shown on the lecture's network with a softmax output.

The total loss is L = Σₙ Cⁿ, so its derivative by any parameter w is the sum of each example's
∂Cⁿ/∂w: backpropagation runs once per example (or once on the batch, which sums them), and
the sum is checked here against central finite differences of L itself:

    ∂L/∂w ≈ (L(w + ε) − L(w − ε)) / 2ε        (error of order ε², float64)

The network is the slides' 2-2-2-2 network (weights from ``nnlib.presets.LECTURE_WEIGHTS``)
with a softmax output layer and cross-entropy, C(y, ŷ) = −Σᵢ ŷᵢ ln yᵢ: cross-entropy goes with
softmax, and then the output layer's ∂C/∂z is simply y − ŷ. Results are NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnlib import Dense, Sequential
from nnlib.presets import LECTURE_WEIGHTS

# The slides feed the network (1, −1) and (0, 0). The slides give no labels for them; the
# classes here are this lesson's choice, one example of each class.
LECTURE_INPUTS = np.array([[1.0, -1.0], [0.0, 0.0]])
LECTURE_LABELS = np.array([0, 1])


def lecture_softmax_network() -> Sequential:
    """The slides' network with a softmax output: sigmoid, sigmoid, softmax; cross-entropy; float64.

    The two hidden layers are the slides' (same W and b); the output layer keeps the slides'
    W³ and b³ but turns z³ into probabilities y = softmax(z³) instead of two sigmoids.
    """
    activations = ["sigmoid"] * (len(LECTURE_WEIGHTS) - 1) + ["softmax"]
    layers = [Dense(2, 2, activation=act, dtype="float64", weights=W, bias=b)
              for (W, b), act in zip(LECTURE_WEIGHTS, activations)]
    return Sequential(layers, loss="cross_entropy")


def parameter_names(model) -> list[str]:
    """One name per parameter, in ``model.params`` order, counted from 1 as on the slides.

    W^l_{ji} is the weight from input i to neuron j of layer l; b^l_j is neuron j's bias.
    E.g. ['W1[1,1]', 'W1[1,2]', 'W1[2,1]', 'W1[2,2]', 'b1[1]', 'b1[2]', 'W2[1,1]', …].
    """
    names = []
    for l, layer in enumerate(model.layers, start=1):
        names += [f"W{l}[{j + 1},{i + 1}]" for j in range(layer.n_out) for i in range(layer.n_in)]
        if layer.use_bias:
            names += [f"b{l}[{j + 1}]" for j in range(layer.n_out)]
    return names


def _flat_grads(model, X, y) -> np.ndarray:
    """∂(Σₙ Cⁿ)/∂θ over the examples in (X, y), flattened in ``params`` order, from model.backprop."""
    parts = []
    for layer in model.backprop(X, y, reduction="sum"):
        parts.append(layer.grad_W.ravel())
        if layer.grad_b is not None:
            parts.append(layer.grad_b.ravel())
    return np.concatenate(parts)


def _total_loss(model, X, y) -> float:
    return float(np.sum(model.per_example_loss(X, y)))


@dataclass(frozen=True)
class TotalGradient:
    """Each example's gradient, their sum, and two checks of it, one column per parameter.

    names: (P,) parameter names; X: (N, n_in) inputs; labels: (N,) classes.
    example_losses: Cⁿ (N,); total_loss: L = Σₙ Cⁿ.
    per_example: ∂Cⁿ/∂θ (N, P), backprop on example n alone.
    summed: Σₙ ∂Cⁿ/∂θ (P,).
    batch: ∂L/∂θ from one backprop on all N examples with reduction='sum' (P,).
    numeric: central differences (L(θ + ε) − L(θ − ε)) / 2ε, one parameter at a time (P,).
    """

    names: tuple[str, ...]
    X: np.ndarray
    labels: np.ndarray
    example_losses: np.ndarray
    total_loss: float
    per_example: np.ndarray
    summed: np.ndarray
    batch: np.ndarray
    numeric: np.ndarray
    eps: float

    @property
    def max_batch_error(self) -> float:
        """max |Σₙ ∂Cⁿ/∂θ − ∂L/∂θ (one batch)|: the same sum, only added up elsewhere."""
        return float(np.max(np.abs(self.summed - self.batch)))

    @property
    def max_numeric_error(self) -> float:
        """max |Σₙ ∂Cⁿ/∂θ − finite difference of L|: of order ε² plus rounding (about 1e-10)."""
        return float(np.max(np.abs(self.summed - self.numeric)))


def total_gradient(model=None, X=None, y=None, eps: float = 1e-6) -> TotalGradient:
    """∂L/∂θ = Σₙ ∂Cⁿ/∂θ for ``model`` on examples X (N, n_in) with labels y (N,).

    Defaults: :func:`lecture_softmax_network` on :data:`LECTURE_INPUTS` and :data:`LECTURE_LABELS`.
    The model must be float64 (float32 rounding would swamp ε); its weights are restored after the
    finite differences.
    """
    model = lecture_softmax_network() if model is None else model
    if model.dtype != "float64":
        raise ValueError(f"the total-gradient check needs a float64 model; use model.copy('float64'). "
                         f"Received dtype={model.dtype!r}")
    X = LECTURE_INPUTS if X is None else np.atleast_2d(np.asarray(X, dtype=np.float64))
    y = LECTURE_LABELS if y is None else np.asarray(y)
    if not eps > 0:
        raise ValueError(f"eps must be a positive number. Received: eps={eps!r}")
    per_example = np.stack([_flat_grads(model, X[n:n + 1], y[n:n + 1]) for n in range(X.shape[0])])
    batch = _flat_grads(model, X, y)

    theta = model.get_weights()
    flat = np.concatenate([p.ravel() for p in theta])
    numeric = np.empty_like(flat)

    def loss_at(vector):
        arrays, start = [], 0
        for p in theta:
            arrays.append(vector[start:start + p.size].reshape(p.shape))
            start += p.size
        model.set_weights(arrays)
        return _total_loss(model, X, y)

    try:
        for i in range(flat.size):
            step = np.zeros_like(flat)
            step[i] = eps
            numeric[i] = (loss_at(flat + step) - loss_at(flat - step)) / (2 * eps)
    finally:
        model.set_weights(theta)
    losses = model.per_example_loss(X, y)
    return TotalGradient(tuple(parameter_names(model)), X, y, losses, float(np.sum(losses)),
                         per_example, per_example.sum(axis=0), batch, numeric, float(eps))
