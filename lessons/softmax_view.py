"""Softmax on the network's own outputs: where the y in C(y, ŷ) comes from.

For one input x the output layer computes z = W·a + b; softmax turns z into probabilities

    yᵢ = e^{zᵢ} / Σⱼ e^{zⱼ},

and cross-entropy compares them with the one-hot target ŷ: C = −Σᵢ ŷᵢ ln yᵢ = −ln y_target,
whose gradient at the output layer is ∂C/∂z = y − ŷ. Everything here is read from nnlib
(``model.trace``, ``model.per_example_loss``, ``model.backprop``), except e^z and Σe^z, which
are the same formula written out so a page can show its parts. Results are NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnlib import activations


@dataclass(frozen=True)
class SoftmaxBreakdown:
    """The output layer of one example, taken apart (k outputs).

    z: the output layer's z (k,), from ``model.trace``. exp_z: e^{zᵢ} (k,), in float64 (inf when a
    zᵢ passes about 709). sum_exp: Σⱼ e^{zⱼ}. y: softmax(z) as the library computed it, the
    output layer's a (k,). The library subtracts max(z) first, which leaves y unchanged and keeps
    e^{z − max z} ≤ 1 from overflowing: shift = max(z), exp_shifted = e^{z − shift} (k,).
    target, loss, grad_z: the true class, C = −ln y_target (``model.per_example_loss``) and the
    output layer's ∂C/∂z = y − ŷ (``model.backprop``); None when no target is given.
    """

    z: np.ndarray
    exp_z: np.ndarray
    sum_exp: float
    y: np.ndarray
    shift: float
    exp_shifted: np.ndarray
    target: int | None = None
    loss: float | None = None
    grad_z: np.ndarray | None = None

    @property
    def y_from_parts(self) -> np.ndarray:
        """e^{zᵢ} / Σⱼ e^{zⱼ} from the shifted parts: the formula, which equals ``y``."""
        return self.exp_shifted / np.sum(self.exp_shifted)


def softmax_breakdown(model, x, target: int | None = None) -> SoftmaxBreakdown:
    """z, e^z, Σe^z and y = softmax(z) at ``model``'s output for one input x (n_in,).

    The model's output layer must be a softmax. With ``target`` (a class 0 … k−1), also the
    cross-entropy C = −ln y_target and ∂C/∂z = y − ŷ of that example.
    """
    output = model.layers[-1].activation
    if not isinstance(output, activations.Softmax):
        raise ValueError(f"the output layer's activation must be softmax to show softmax on it. "
                         f"Received: activation={output.name!r}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be one example of shape ({model.n_in},). Received shape {x.shape}.")
    last = model.trace(x[None, :])[-1]
    z = last.z[0].astype(np.float64)
    with np.errstate(over="ignore"):
        exp_z = np.exp(z)
    shift = float(np.max(z))
    exp_shifted = np.exp(z - shift)
    loss = grad_z = None
    if target is not None:
        if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < model.n_out:
            raise ValueError(f"target must be a class from 0 to {model.n_out - 1}. Received: target={target!r}")
        target = int(target)
        loss = float(model.per_example_loss(x[None, :], [target])[0])
        grad_z = model.backprop(x[None, :], [target], reduction="sum")[-1].delta[0]
    return SoftmaxBreakdown(z, exp_z, float(np.sum(exp_z)), last.a[0].astype(np.float64), shift,
                            exp_shifted, target, loss, grad_z)
