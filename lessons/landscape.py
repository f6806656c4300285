"""The loss landscape: the total loss L(θ) as two chosen parameters vary, the rest held fixed.

For parameters p and q of a model, ``loss_landscape`` evaluates L on a grid of
(p, q) values around the current θ. All grid points run as one batched forward
pass: a layer whose W or b varies gets a leading grid axis, so the whole picture
costs a few matrix products instead of R² separate evaluations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from i18n import _
from nnlib import backend
from nnlib.model import REDUCTIONS
from nnlib.validation import check_choice, check_int


@dataclass(frozen=True)
class ParamRef:
    """One scalar parameter: layer (0-based), row j (the neuron) and col i (its input), or col=None for bᵢ."""

    layer: int
    row: int
    col: int | None = None

    @property
    def label(self) -> str:
        l, j = self.layer + 1, self.row + 1
        if self.col is None:
            return _("{name} (bias of layer {layer}, neuron {neuron})").format(
                name=f"b{_sup(l)}{_sub(j)}", layer=l, neuron=j)
        return _("{name} (layer {layer}: input {input} → neuron {neuron})").format(
            name=f"w{_sup(l)}{_sub(j)},{_sub(self.col + 1)}", layer=l, input=self.col + 1, neuron=j)

    def get(self, model) -> float:
        W, b = model.layers[self.layer].get_weights()
        return float(W[self.row, self.col] if self.col is not None else b[self.row])


_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sup(n: int) -> str:
    return str(n).translate(_SUP)


def _sub(n: int) -> str:
    return str(n).translate(_SUB)


def parameter_refs(model, limit: int = 300) -> list[ParamRef]:
    """Every scalar parameter of ``model`` (weights then bias, layer by layer), at most ``limit``."""
    refs = []
    for l, layer in enumerate(model.layers):
        refs += [ParamRef(l, j, i) for j in range(layer.n_out) for i in range(layer.n_in)]
        if layer.use_bias:
            refs += [ParamRef(l, j) for j in range(layer.n_out)]
        if len(refs) >= limit:
            break
    return refs[:limit]


@dataclass(frozen=True)
class Landscape:
    """L over a grid. p_values (R,), q_values (R,); loss (R, R) with row = q, column = p.

    theta: the current (p, q); loss_at_theta: L there; reduction: 'sum' (L = Σₙ Cⁿ) or 'mean' (L/N).
    """

    p: ParamRef
    q: ParamRef
    p_values: np.ndarray
    q_values: np.ndarray
    loss: np.ndarray
    theta: tuple[float, float]
    loss_at_theta: float
    reduction: str


def loss_landscape(model, X, y, p: ParamRef, q: ParamRef, span: float = 3.0, resolution: int = 41,
                   reduction: str = "sum", max_elements: int = 4_000_000) -> Landscape:
    """L(θ) with p and q swept over [current − span, current + span]; every other parameter fixed.

    X: inputs (N, n_in); y: labels (N,) or one-hot (N, n_out). The model is not changed.
    ``max_elements`` bounds memory: the grid is processed in chunks of G points with G·N·width ≤ it.
    """
    if p == q:
        raise ValueError(f"pick two different parameters. Received the same one twice: {p.label}")
    check_int("resolution", resolution, 2, 201)
    if not span > 0:
        raise ValueError(f"span must be positive. Received: span={span!r}")
    check_choice("reduction", reduction, REDUCTIONS)
    for ref in (p, q):
        layer = model.layers[ref.layer] if 0 <= ref.layer < len(model.layers) else None
        if layer is None or not 0 <= ref.row < layer.n_out or (
                ref.col is not None and not 0 <= ref.col < layer.n_in) or (ref.col is None and not layer.use_bias):
            raise ValueError(f"{ref} is not a parameter of this model ({model.sizes()}).")
    theta = (p.get(model), q.get(model))
    p_values = np.linspace(theta[0] - span, theta[0] + span, resolution)
    q_values = np.linspace(theta[1] - span, theta[1] + span, resolution)
    gp, gq = np.meshgrid(p_values, q_values)  # (R, R), row = q
    Xb, T = model.check_data(X, y)
    n, width = Xb.shape[0], max(model.sizes())
    chunk = max(1, max_elements // max(1, n * width))
    flat_p, flat_q = gp.ravel(), gq.ravel()
    totals = [_batched_loss(model, Xb, T, p, q, flat_p[s:s + chunk], flat_q[s:s + chunk])
              for s in range(0, flat_p.shape[0], chunk)]
    loss = np.concatenate(totals).reshape(resolution, resolution)
    if reduction == "mean":
        loss = loss / n
    at_theta = _batched_loss(model, Xb, T, p, q, np.array([theta[0]]), np.array([theta[1]]))[0]
    return Landscape(p, q, p_values, q_values, loss, theta,
                     float(at_theta / n if reduction == "mean" else at_theta), reduction)


def _batched_loss(model, X, T, p: ParamRef, q: ParamRef, p_vals: np.ndarray, q_vals: np.ndarray) -> np.ndarray:
    """Σₙ Cⁿ for G settings of (p, q) at once, as NumPy (G,).

    A layer whose parameters vary uses weights of shape (G, n_in, n_out) (transposed, so a batch
    of activations (G, N, n_in) multiplies them directly); the others keep their single W.
    """
    g = p_vals.shape[0]
    a = X  # (N, n_in) until the first varied layer, then (G, N, n)
    z = None
    for l, layer in enumerate(model.layers):
        W, b = layer.get_weights()
        Wt = W.T.astype(np.float64)
        b = np.zeros(layer.n_out) if b is None else b.astype(np.float64)
        refs = [(r, v) for r, v in ((p, p_vals), (q, q_vals)) if r.layer == l]
        if refs:
            Wt = np.repeat(Wt[None], g, axis=0)              # (G, n_in, n_out)
            b = np.repeat(b[None, None, :], g, axis=0)       # (G, 1, n_out)
            for r, v in refs:
                if r.col is None:
                    b[:, 0, r.row] = v
                else:
                    Wt[:, r.col, r.row] = v
        z = a @ backend.asarray(Wt, model.dtype) + backend.asarray(b, model.dtype)
        a = layer.activation(z)
    if z.ndim == 2:  # neither parameter was reached (cannot happen for valid refs), keep shapes uniform
        z, a = z[None, ...], a[None, ...]
    per_example = model.example_losses(z, a, T)  # (G, N): T (N, k) broadcasts over the grid
    return backend.to_numpy(backend.xp.sum(per_example, axis=-1)).astype(np.float64)
