"""Where depth hurts: 是不是隐藏层越多越好? Is a deeper network always better?

Backpropagation multiplies ∂C/∂z by σ′(z) at every layer on the way down, and the sigmoid's σ′ is
at most ¼, so with the usual initialisation ∂L/∂W shrinks layer by layer towards the input and a
deep sigmoid network barely moves (:func:`depth_hurts`). ReLU (σ′ = 1 where active, with He
initialisation) or weights scaled to undo the ¼ keep the gradient's size, and the same depth trains.

The other half of the answer, where depth wins, is :mod:`lessons.depth_wins`. Every number comes
from running nnlib; results are frozen dataclasses of NumPy arrays.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np

from i18n import N_, _
from nnlib import NetworkSpec, Trainer, TrainingDiverged, datasets
from nnlib.validation import check_int
from services import limits

# family -> (hidden activation, weight scale or None for nnlib's 'auto' initialiser, label). The label
# stays English in the results; it is translated where it is shown.
FAMILIES = {
    "sigmoid": ("sigmoid", None, N_("sigmoid, Glorot init (nnlib's default)")),
    "sigmoid_x4": ("sigmoid", 4.0, N_("sigmoid, weights N(0, 4²/n_in): ×4 undoes σ′(0) = ¼")),
    "relu": ("relu", None, N_("ReLU, He init (nnlib's default)")),
}


def depth_network(family: str, depth: int, width: int, n_in: int = 256, n_out: int = 10, seed: int = 0):
    """depth hidden layers of ``width`` neurons of one :data:`FAMILIES` family, softmax + cross-entropy.

    For 'sigmoid_x4' every hidden layer's W is redrawn from N(0, 16/n_in): each backward step
    multiplies ∂C/∂z by Wᵀ (about ×√(n·16/n) = ×4 in size) and by σ′(z) (about ¼ near z = 0).
    """
    if family not in FAMILIES:
        raise ValueError(f"Unknown family {family!r}. Choose one of: {', '.join(FAMILIES)}.")
    activation, scale, _label = FAMILIES[family]
    spec = limits.check_spec(NetworkSpec(n_in, (width,) * check_int("depth", depth), n_out, activation))
    model = spec.build(seed=seed)
    if scale is not None:
        rng = np.random.default_rng(seed)
        weights = model.get_weights()
        for i in range(0, 2 * depth, 2):   # [W1, b1, W2, b2, ...]: the hidden layers' W
            n_in_i = weights[i].shape[1]
            weights[i] = rng.normal(0.0, scale / np.sqrt(n_in_i), size=weights[i].shape)
        model.set_weights(weights)
    return model


@dataclass(frozen=True)
class GradientSizes:
    """The size of ∂(L/N)/∂W of every layer at the starting θ, input layer first (depth + 1 values).

    mean_abs_grad: mean |∂L/∂w| over the layer's weights; grad_norm: ‖∂L/∂W‖ (Frobenius);
    mean_abs_delta: mean |∂L/∂z| over the layer's neurons and the examples.
    """

    family: str
    label: str
    depth: int
    width: int
    mean_abs_grad: np.ndarray
    grad_norm: np.ndarray
    mean_abs_delta: np.ndarray


@dataclass(frozen=True)
class TrainingCurve:
    """One network trained by SGD: epoch 0 (the start) to ``epochs``, one value per epoch."""

    family: str
    label: str
    depth: int
    width: int
    epoch: np.ndarray
    loss: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    seconds: float


@dataclass(frozen=True)
class DepthHurts:
    """Gradient sizes and training curves for every (family, depth); settings alongside."""

    depths: tuple[int, ...]
    width: int
    learning_rate: float
    batch_size: int
    n_train: int
    n_test: int
    epochs: int
    seed: int
    gradients: tuple[GradientSizes, ...]
    curves: tuple[TrainingCurve, ...]
    seconds: float

    def gradient(self, family: str, depth: int) -> GradientSizes:
        return next(g for g in self.gradients if g.family == family and g.depth == depth)

    def curve(self, family: str, depth: int) -> TrainingCurve:
        return next(c for c in self.curves if c.family == family and c.depth == depth)


def gradient_sizes(model, X, y, family: str = "", label: str = "") -> GradientSizes:
    """Per-layer size of ∂(L/N)/∂W and ∂(L/N)/∂z from ``model.backprop`` on (X, y)."""
    layers = model.backprop(X, y, reduction="mean")
    return GradientSizes(
        family, label, len(layers) - 1, layers[0].grad_W.shape[0],
        np.array([float(np.mean(np.abs(l.grad_W))) for l in layers]),
        np.array([float(np.linalg.norm(l.grad_W)) for l in layers]),
        np.array([float(np.mean(np.abs(l.delta))) for l in layers]))


def depth_hurts_steps(depths=(2, 5, 8), width: int = 64, families=tuple(FAMILIES), epochs: int = 40,
                      learning_rate: float = 0.1, batch_size: int = 32, n_train: int = 1000,
                      n_test: int = 500, seed: int = 0, data=None):
    """:func:`depth_hurts` one network at a time: a generator for a page's progress bar.

    It yields ``(fraction done, what runs next)`` before each network and returns the
    :class:`DepthHurts`; ``seconds`` counts only the time spent inside it.
    """
    clock = time.perf_counter()
    limits.check_epochs(epochs)
    (X, y), (X_test, y_test) = data if data is not None else datasets.digits()
    X, y, X_test, y_test = X[:n_train], y[:n_train], X_test[:n_test], y_test[:n_test]
    n_out = int(max(y.max(), y_test.max())) + 1
    plan = [(family, depth) for family in families for depth in depths]
    gradients, curves = [], []
    seconds = time.perf_counter() - clock
    for i, (family, depth) in enumerate(plan):
        yield i / len(plan), _("Network {i} of {n}: {depth} hidden layers, {family}").format(
            i=i + 1, n=len(plan), depth=depth, family=_(FAMILIES[family][2]))
        clock = time.perf_counter()
        model = depth_network(family, depth, width, X.shape[1], n_out, seed)
        label = FAMILIES[family][2]
        gradients.append(gradient_sizes(model, X, y, family, label))
        trainer = Trainer(model, X, y, optimizer="sgd", learning_rate=learning_rate,
                          batch_size=batch_size, X_test=X_test, y_test=y_test, seed=seed)
        history = [trainer.history[0]]
        # A blown-up loss ends the curve there; the model keeps its last good weights.
        with contextlib.suppress(TrainingDiverged):
            for progress in trainer.epochs(epochs):
                history.append(progress)
        curves.append(TrainingCurve(
            family, label, depth, width, np.array([p.epoch for p in history]),
            np.array([p.loss for p in history]), np.array([p.train_accuracy for p in history]),
            np.array([p.test_accuracy for p in history]), time.perf_counter() - clock))
        seconds += time.perf_counter() - clock
    return DepthHurts(tuple(depths), width, learning_rate, batch_size, int(X.shape[0]), int(X_test.shape[0]),
                      epochs, seed, tuple(gradients), tuple(curves), seconds)


def depth_hurts(depths=(2, 5, 8), width: int = 64, families=tuple(FAMILIES), epochs: int = 40,
                learning_rate: float = 0.1, batch_size: int = 32, n_train: int = 1000,
                n_test: int = 500, seed: int = 0, data=None) -> DepthHurts:
    """Measure ∂L/∂W per layer at the start, then train each network by SGD with the same settings.

    data: ``((X_train, y_train), (X_test, y_test))``; default: the 16×16 digits (first n_train
    training and n_test test digits). Every network is built from ``seed`` and shuffled with it.
    """
    steps = depth_hurts_steps(depths, width, families, epochs, learning_rate, batch_size, n_train,
                              n_test, seed, data)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
