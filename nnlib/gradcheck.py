"""Finite-difference gradient check: is backprop's ∂L/∂w what the definition says?

For each checked parameter w the central difference
    (L(w + ε) − L(w − ε)) / 2ε
estimates ∂L/∂w with an error of order ε². Compared with backprop's value, the
relative error |g − ĝ| / max(|g| + |ĝ|, tiny) should be about 1e-7 or smaller in
float64; a wrong derivative gives errors near 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import backend
from .validation import check_int, check_number


@dataclass(frozen=True)
class GradientCheck:
    """Backprop against finite differences, one row per checked entry.

    param: index into model.params; index: the entry's position in that array.
    """

    param: list[int]
    index: list[tuple]
    backprop: np.ndarray
    numeric: np.ndarray
    relative_error: np.ndarray

    @property
    def max_relative_error(self) -> float:
        return float(np.max(self.relative_error)) if self.relative_error.size else 0.0

    @property
    def absolute_error(self) -> np.ndarray:
        return np.abs(np.asarray(self.backprop) - np.asarray(self.numeric))

    def passed(self, tol: float = 1e-6, atol: float = 1e-9) -> bool:
        """Every entry agrees to relative error ``tol``, or to ``atol`` absolutely.

        Central differences in float64 carry an absolute rounding error of about
        1e-10 (machine ε · L / ε), which dominates the relative error of entries
        whose gradient is itself near zero; a wrong formula misses by far more.
        """
        ok = (self.relative_error < tol) | (self.absolute_error < atol)
        return bool(np.all(ok))


def relative_error(a, b, floor=1e-10):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)


def _loss(model, X, T, reduction):
    """L (reduction 'sum') or L/N ('mean') at the current parameters, as a float."""
    out = model.forward(X)[-1]
    total = backend.to_float(backend.xp.sum(model.example_losses(out.z, out.a, T)))
    return total / X.shape[0] if reduction == "mean" else total


def gradient_check(model, X, y, eps: float = 1e-6, max_entries_per_param: int | None = None,
                   seed=0, reduction: str = "mean") -> GradientCheck:
    """Compare backprop's gradients with central differences.

    Run it on a float64 model (``model.copy('float64')``): float32 rounding swamps ε.
    ``max_entries_per_param`` checks a random sample of entries in big layers.
    The model's parameters are restored exactly afterwards.
    """
    if model.dtype != "float64":
        raise ValueError(f"gradient checks need a float64 model; use model.copy('float64'). "
                         f"Received dtype={model.dtype!r}")
    check_number("eps", eps, 0.0, low_open=True)
    if max_entries_per_param is not None:
        check_int("max_entries_per_param", max_entries_per_param)
    Xb, T = model.check_data(X, y)
    grads, _ = model.backward(model.forward(Xb), T, reduction)
    grads = [backend.to_numpy(g) for g in grads]
    rng = np.random.default_rng(seed)
    rows = {"param": [], "index": [], "backprop": [], "numeric": []}
    for k, p in enumerate(model.params):
        shape = tuple(p.shape)
        indices = list(np.ndindex(*shape))
        if max_entries_per_param is not None and len(indices) > max_entries_per_param:
            picks = rng.choice(len(indices), size=max_entries_per_param, replace=False)
            indices = [indices[i] for i in sorted(picks)]
        for idx in indices:
            original = backend.to_float(p[idx])
            p[idx] = original + eps
            up = _loss(model, Xb, T, reduction)
            p[idx] = original - eps
            down = _loss(model, Xb, T, reduction)
            p[idx] = original
            rows["param"].append(k)
            rows["index"].append(idx)
            rows["backprop"].append(grads[k][idx])
            rows["numeric"].append((up - down) / (2 * eps))
    bp, num = np.array(rows["backprop"]), np.array(rows["numeric"])
    return GradientCheck(rows["param"], rows["index"], bp, num, relative_error(bp, num))
