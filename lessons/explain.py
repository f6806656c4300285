"""Numbers a lesson shows next to the network: softmax, cross-entropy terms, the costliest examples.

Everything here takes numbers computed by nnlib (``model.trace``, ``per_example_loss``)
and arranges them for a reader; no new math is hidden here. Results are NumPy.
How they are written on screen (LaTeX, tables) is the UI's job: see ``ui/views/latex.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from lessons.grid import plane_grid
from nnlib import activations, backend, losses


def multiply_adds(sizes) -> int:
    """Multiply-adds for one input through a fully connected network: Σ n_in·n_out over the layers."""
    sizes = list(sizes)
    return sum(a * b for a, b in zip(sizes, sizes[1:]))


def count_params_formula(sizes) -> str:
    """The parameter count written out, one term (n_in + 1)·n_out per layer: "(2+1)·4 + (4+1)·2".

    Each neuron has one weight per input and a bias; the terms add up to ``spec.count_params()``.
    """
    sizes = list(sizes)
    return " + ".join(f"({a}+1)·{b}" for a, b in zip(sizes, sizes[1:]))


@dataclass(frozen=True)
class FunctionSet:
    """Members of one function set over the input plane: models, their grids, and the seconds they took."""

    seeds: list[int]
    models: list
    grids: list
    seconds: float

    @property
    def inputs(self) -> int:
        """How many inputs went through the networks: every grid point of every member."""
        return sum(g.xs.shape[0] * g.ys.shape[0] for g in self.grids)


def function_set(spec, first_seed: int, scale: float = 3.0, draws: int = 6, resolution: int = 40) -> FunctionSet:
    """``draws`` random members of the set that ``spec`` defines (seeds first_seed, …), each over the plane.

    The time covers drawing the networks and computing every neuron on every grid point.
    """
    started = time.perf_counter()
    seeds = [first_seed + k for k in range(draws)]
    models = [random_function(spec, seed, scale) for seed in seeds]
    grids = [plane_grid(m, resolution=resolution) for m in models]
    return FunctionSet(seeds, models, grids, time.perf_counter() - started)


def softmax_values(z) -> np.ndarray:
    """y = softmax(z) for one vector z (n,), computed by nnlib's softmax on the active backend."""
    z = np.asarray(z, dtype=np.float64)
    return backend.to_numpy(activations.softmax(backend.asarray(z[None, :], "float64")))[0]


def exponentials(z) -> np.ndarray:
    """e^{z_i} for one vector z (n,): the unnormalised scores softmax divides by their sum."""
    z = np.asarray(z, dtype=np.float64)
    return backend.to_numpy(backend.xp.exp(backend.asarray(z, "float64")))


def cross_entropy_terms(y, target: int) -> np.ndarray:
    """Each term −ŷᵢ ln yᵢ of C(y, ŷ) for a one-hot ŷ with the true class ``target``; their sum is C.

    y: probabilities (n,). Uses nnlib's cross-entropy on each one-hot coordinate, so the
    clipping that keeps ln(0) finite is the library's.
    """
    y = np.asarray(y, dtype=np.float64)
    if not 0 <= int(target) < y.shape[0]:
        raise ValueError(f"target must be a class from 0 to {y.shape[0] - 1}. Received: target={target!r}")
    t = np.zeros_like(y)
    t[int(target)] = 1.0
    # Row i holds only the i-th coordinate of y and ŷ, so per_example gives the i-th term alone.
    ce = losses.get("cross_entropy")
    eye = np.eye(y.shape[0])
    yy, tt = backend.asarray(eye * y + (1 - eye), "float64"), backend.asarray(eye * t, "float64")
    return backend.to_numpy(ce.per_example(yy, tt)) + 0.0  # + 0.0 turns −0.0 into 0.0 for display


@dataclass(frozen=True)
class Contributors:
    """The examples with the largest Cⁿ: their indices, losses and share of L = Σₙ Cⁿ."""

    index: np.ndarray
    loss: np.ndarray
    share: np.ndarray
    total: float


def top_contributors(per_example, k: int = 5) -> Contributors:
    """The k examples that add most to the total loss L = Σₙ Cⁿ (largest first)."""
    per_example = np.asarray(per_example, dtype=float)
    k = max(0, min(int(k), per_example.shape[0]))
    order = np.argsort(-per_example, kind="stable")[:k]
    total = float(per_example.sum())
    share = per_example[order] / total if total > 0 else np.zeros(k)
    return Contributors(order, per_example[order], share, total)


def true_class_probabilities(probabilities, labels) -> np.ndarray:
    """For each example n, the probability the network gives its true class: probabilities[n, labels[n]].

    probabilities: (N, classes) from ``model.predict``; labels: (N,) ints.
    """
    probabilities = np.asarray(probabilities)
    return probabilities[np.arange(probabilities.shape[0]), np.asarray(labels)]


def random_function(spec, seed: int, scale: float = 3.0):
    """One member of the function set that ``spec`` defines, with a random θ.

    Each weight of a layer with n_in inputs is drawn from N(0, scale²/n_in) and each bias
    from N(0, (scale/6)²). Dividing by n_in keeps every z of about the same size whatever
    the width, so ``scale`` alone sets how wiggly the functions get. Training starts from a
    gentler initialisation (see nnlib.initializers); this draw is for *showing* the set.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive. Received: scale={scale!r}")
    model = spec.build(seed=seed, dtype="float32")
    rng = np.random.default_rng(seed)
    theta = [rng.normal(0.0, scale / np.sqrt(p.shape[1]), size=p.shape) if p.ndim == 2
             else rng.normal(0.0, scale / 6.0, size=p.shape) for p in model.get_weights()]
    model.set_weights(theta)
    return model


def time_batched_vs_one_by_one(model, X, loop_limit: int = 200) -> tuple[float, float]:
    """Seconds per input for X (N, n_in): all rows as one chain of matrix products vs one row at a time.

    The one-at-a-time loop runs on the first ``loop_limit`` rows only (it is slow: that is the point).
    ``predict`` returns NumPy, so a GPU is synchronised inside both timings.
    """
    X = np.asarray(X)
    model.predict(X[:2])  # warm up: first calls allocate
    t0 = time.perf_counter()
    model.predict(X)
    batched = (time.perf_counter() - t0) / X.shape[0]
    rows = X[:loop_limit]
    t0 = time.perf_counter()
    for row in rows:
        model.predict(row[None, :])
    return batched, (time.perf_counter() - t0) / rows.shape[0]
