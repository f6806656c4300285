"""Gradient descent on a two-parameter model, where the whole path can be drawn.

The model is one sigmoid neuron on a 1-D input, y = σ(w·x + b): logistic
regression. With θ = (w, b) there are exactly two parameters, so the total loss
L(θ) = Σₙ Cⁿ is a surface over the (w, b) plane, and gradient descent's path
θ⁰, θ¹, θ², … can be drawn on its contour map.

    Cⁿ = −[ŷⁿ ln yⁿ + (1 − ŷⁿ) ln(1 − yⁿ)]     (cross-entropy with two classes)
       = softplus(zⁿ) − ŷⁿ zⁿ,  zⁿ = w·xⁿ + b    (the same number, finite for any z)
    ∂Cⁿ/∂w = ∂z/∂w · ∂C/∂z = xⁿ (yⁿ − ŷⁿ),  ∂Cⁿ/∂b = yⁿ − ŷⁿ   (backprop for one neuron)
    θᵏ⁺¹ = θᵏ − η ∇L(θᵏ)

The math runs on ``backend.xp`` (array-API calls only); results come back as NumPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnlib import backend
from nnlib.activations import sigmoid, softplus
from nnlib.validation import check_int, check_number

# Past this size a parameter has clearly run away; the path stops there.
_RUNAWAY = 1e6


@dataclass(frozen=True)
class OneNeuron:
    """A tiny 1-D two-class data set and the neuron y = σ(w·x + b) that fits it.

    x: the inputs xⁿ; t: their targets ŷⁿ (0 or 1). Both are tuples of N floats.
    """

    x: tuple[float, ...]
    t: tuple[float, ...]

    def __post_init__(self):
        x, t = tuple(float(v) for v in self.x), tuple(float(v) for v in self.t)
        if not x or len(x) != len(t):
            raise ValueError(f"x and t must hold the same number (at least 1) of values. "
                             f"Received {len(x)} inputs and {len(t)} targets.")
        if any(v not in (0.0, 1.0) for v in t):
            raise ValueError(f"targets must be 0 or 1. Received: t={t}")
        if not all(math.isfinite(v) for v in x):
            raise ValueError(f"inputs must be finite numbers. Received: x={x}")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "t", t)

    def _z(self, w, b):
        """zⁿ = w·xⁿ + b for w, b of any (same) shape S: returns shape S + (N,)."""
        x = backend.asarray(self.x, "float64")
        return w[..., None] * x + b[..., None]

    def _args(self, w, b):
        w, b = backend.asarray(w, "float64"), backend.asarray(b, "float64")
        if w.shape != b.shape:
            raise ValueError(f"w and b must have the same shape. Received {tuple(w.shape)} and {tuple(b.shape)}.")
        return w, b

    def loss(self, w, b) -> np.ndarray:
        """L(w, b) = Σₙ Cⁿ for scalars or arrays w, b of one shape (e.g. a grid); NumPy out."""
        w, b = self._args(w, b)
        z = self._z(w, b)
        t = backend.asarray(self.t, "float64")
        return backend.to_numpy(backend.xp.sum(softplus(z) - t * z, axis=-1))

    def predict(self, w: float, b: float, x) -> np.ndarray:
        """The neuron's output y = σ(w·x + b) for inputs x (any shape); NumPy out."""
        x = backend.asarray(np.asarray(x, dtype=float), "float64")
        return backend.to_numpy(sigmoid(float(w) * x + float(b)))

    def gradient(self, w, b) -> np.ndarray:
        """∇L = (∂L/∂w, ∂L/∂b) = (Σₙ xⁿ(yⁿ − ŷⁿ), Σₙ (yⁿ − ŷⁿ)); shape S + (2,) for w, b of shape S."""
        xp = backend.xp
        w, b = self._args(w, b)
        dz = sigmoid(self._z(w, b)) - backend.asarray(self.t, "float64")  # ∂Cⁿ/∂z
        x = backend.asarray(self.x, "float64")
        return backend.to_numpy(xp.stack([xp.sum(x * dz, axis=-1), xp.sum(dz, axis=-1)], axis=-1))

    def minimum(self, iterations: int = 50) -> tuple[float, float]:
        """The best (w, b), by Newton's method (L is convex); needs both classes in t."""
        if len(set(self.t)) < 2:
            raise ValueError("with only one class the loss has no minimum: it keeps falling as |w| grows.")
        x, t = np.asarray(self.x), np.asarray(self.t)
        theta = np.zeros(2)
        for _ in range(iterations):
            y = 1.0 / (1.0 + np.exp(-(theta[0] * x + theta[1])))
            s = y * (1.0 - y)  # σ′(z): the Hessian is Σ σ′(zⁿ) [x, 1]ᵀ[x, 1]
            hessian = np.array([[np.sum(s * x * x), np.sum(s * x)], [np.sum(s * x), np.sum(s)]])
            theta = theta - np.linalg.solve(hessian, np.array([np.sum(x * (y - t)), np.sum(y - t)]))
        return float(theta[0]), float(theta[1])


# The path page's data: not separable (x = 0.8 is a 0 amid the 1s' side, x = 1.5 a 1), so L has
# a finite minimum; the inputs sit off-centre, so w and b are coupled and the valley is long and narrow.
TINY_DATA = OneNeuron(x=(-1.0, 0.0, 0.8, 1.5, 2.4, 3.0, 3.8, 4.6), t=(0, 0, 0, 1, 0, 1, 1, 1))


@dataclass(frozen=True)
class LossSurface:
    """L over a grid: ws (Rw,), bs (Rb,), loss (Rb, Rw) with row = b, column = w (for contour plots)."""

    ws: np.ndarray
    bs: np.ndarray
    loss: np.ndarray


def loss_surface(problem: OneNeuron, w_range=(-3.0, 5.0), b_range=(-8.0, 4.0), resolution: int = 81) -> LossSurface:
    """Evaluate L(w, b) on a resolution × resolution grid over w_range × b_range."""
    check_int("resolution", resolution, 2, 400)
    for name, (lo, hi) in (("w_range", w_range), ("b_range", b_range)):
        if not lo < hi:
            raise ValueError(f"{name} must run from a smaller to a larger number. Received: {name}={(lo, hi)}")
    ws = np.linspace(*w_range, resolution)
    bs = np.linspace(*b_range, resolution)
    gw, gb = np.meshgrid(ws, bs)
    return LossSurface(ws, bs, problem.loss(gw, gb))


@dataclass(frozen=True)
class DescentPath:
    """Where gradient descent went.

    thetas (K+1, 2): θ⁰ … θᴷ as (w, b); losses (K+1,): L(θᵏ); gradients (K+1, 2): ∇L(θᵏ).
    θᵏ⁺¹ = θᵏ − learning_rate · gradients[k]. diverged: the path stopped early because
    the loss or a parameter ran away (K is then smaller than the steps asked for).
    """

    thetas: np.ndarray
    losses: np.ndarray
    gradients: np.ndarray
    learning_rate: float
    diverged: bool

    @property
    def steps(self) -> int:
        return len(self.thetas) - 1


def descent_path(problem: OneNeuron, start=(0.0, 0.0), learning_rate: float = 0.1, steps: int = 30) -> DescentPath:
    """Run plain gradient descent θ ← θ − η∇L from ``start`` for ``steps`` steps and record every θ."""
    check_number("learning_rate", learning_rate, 0.0, low_open=True)
    check_int("steps", steps, 0, 10_000)
    theta = np.array([float(v) for v in start], dtype=float)
    if theta.shape != (2,) or not np.all(np.isfinite(theta)):
        raise ValueError(f"start must be two finite numbers (w, b). Received: start={start!r}")
    thetas, losses, grads = [theta], [float(problem.loss(theta[0], theta[1]))], []
    diverged = False
    for _ in range(int(steps)):
        g = problem.gradient(theta[0], theta[1])
        grads.append(g)
        theta = theta - learning_rate * g
        loss = float(problem.loss(theta[0], theta[1]))
        if not (math.isfinite(loss) and np.all(np.abs(theta) < _RUNAWAY)):
            diverged = True
            break
        thetas.append(theta)
        losses.append(loss)
    if not diverged:
        grads.append(problem.gradient(theta[0], theta[1]))
    else:
        grads = grads[:len(thetas)]
    return DescentPath(np.array(thetas), np.array(losses), np.array(grads), float(learning_rate), diverged)
