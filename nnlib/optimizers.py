"""Step 3: pick the best function by moving θ against the gradient.

Every optimizer updates the parameter arrays in place with ``step(params, grads)``.

* gradient descent / SGD: θ ← θ − η ∇L  (gradient descent uses the whole data set per step)
* momentum: v ← μ v − η ∇L;  θ ← θ + v
* Adam: running averages of the gradient and its square, with bias correction.

``weight_decay`` λ adds λ·W to the gradient of every weight matrix (L2
regularisation, ½λ‖W‖² in the loss); biases are not decayed.
"""

from __future__ import annotations

import math

from . import backend
from .registry import lookup


def _check_rate(name: str, value, low=0.0, high=None, strict=True):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if strict else value >= low) and (high is None or value < high)
    if not ok:
        bound = f"> {low}" if strict else f">= {low}"
        if high is not None:
            bound += f" and < {high}"
        raise ValueError(f"{name} must be a number {bound}. Received: {name}={value!r}")
    return float(value)


class Optimizer:
    name = "optimizer"

    def __init__(self, learning_rate=0.1, weight_decay=0.0):
        self.learning_rate = _check_rate("learning_rate", learning_rate)
        self.weight_decay = _check_rate("weight_decay", weight_decay, strict=False)
        self.state: dict = {}

    def _decayed(self, p, g):
        # Only weight matrices (2-D) are decayed, as is usual for L2 regularisation.
        if self.weight_decay and p.ndim == 2:
            return g + self.weight_decay * p
        return g

    def step(self, params, grads) -> None:
        raise NotImplementedError

    def gradient_scale(self) -> float | None:
        """η when this update is θ ← θ − η·g (then :meth:`step_scaled` applies η·g), else None.

        A training step can fold η into the backward pass (see ``Sequential._backward``),
        which saves one pass over every parameter per step.
        """
        return None

    def step_scaled(self, params, scaled_grads) -> None:
        """Update with gradients already multiplied by :meth:`gradient_scale`."""
        raise NotImplementedError(f"{self.name} cannot take pre-scaled gradients")

    def reset(self) -> None:
        """Forget running state (velocities, moments)."""
        self.state = {}

    def __repr__(self):
        return f"{self.__class__.__name__}(learning_rate={self.learning_rate:g})"


class SGD(Optimizer):
    """θ ← θ − η ∇L on each minibatch."""

    name = "sgd"

    def step(self, params, grads) -> None:
        lr = self.learning_rate
        for p, g in zip(params, grads):
            p -= lr * self._decayed(p, g)

    def gradient_scale(self) -> float | None:
        # A subclass with its own step() must not be bypassed by the shortcut.
        return self.learning_rate if type(self).step is SGD.step else None

    def step_scaled(self, params, scaled_grads) -> None:
        # θ − η(g + λθ) = (1 − ηλ)θ − ηg: the same step, with η·g computed upstream.
        shrink = 1.0 - self.learning_rate * self.weight_decay
        for p, g in zip(params, scaled_grads):
            if shrink != 1.0 and p.ndim == 2:
                p *= shrink
            p -= g


class GradientDescent(SGD):
    """The lecture's gradient descent: the same update, computed on the whole data set."""

    name = "gd"
    full_batch = True


class Momentum(Optimizer):
    """Heavy-ball momentum: v ← μ v − η ∇L; θ ← θ + v."""

    name = "momentum"

    def __init__(self, learning_rate=0.1, momentum=0.9, weight_decay=0.0):
        super().__init__(learning_rate, weight_decay)
        self.momentum = _check_rate("momentum", momentum, 0.0, 1.0, strict=False)

    def step(self, params, grads) -> None:
        lr, mu = self.learning_rate, self.momentum
        velocities = self.state.setdefault("v", [backend.xp.zeros_like(p) for p in params])
        for p, g, v in zip(params, grads, velocities):
            v *= mu
            v -= lr * self._decayed(p, g)
            p += v

    def gradient_scale(self) -> float | None:
        return self.learning_rate if type(self).step is Momentum.step else None

    def step_scaled(self, params, scaled_grads) -> None:
        # v ← μv − η·g − ηλ·W, with η·g computed upstream.
        decay = self.learning_rate * self.weight_decay
        velocities = self.state.setdefault("v", [backend.xp.zeros_like(p) for p in params])
        for p, g, v in zip(params, scaled_grads, velocities):
            v *= self.momentum
            v -= g
            if decay and p.ndim == 2:
                v -= decay * p
            p += v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): per-parameter step sizes from gradient moments."""

    name = "adam"

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.0):
        super().__init__(learning_rate, weight_decay)
        self.beta1 = _check_rate("beta1", beta1, 0.0, 1.0, strict=False)
        self.beta2 = _check_rate("beta2", beta2, 0.0, 1.0, strict=False)
        self.epsilon = _check_rate("epsilon", epsilon)

    def step(self, params, grads) -> None:
        xp = backend.xp
        st = self.state
        if "m" not in st:
            st["m"] = [xp.zeros_like(p) for p in params]
            st["v"] = [xp.zeros_like(p) for p in params]
            st["t"] = 0
        st["t"] += 1
        b1, b2, t = self.beta1, self.beta2, st["t"]
        # Fold the bias corrections into one step size: fewer array passes per parameter.
        step_size = self.learning_rate * (1.0 - b2 ** t) ** 0.5 / (1.0 - b1 ** t)
        eps = self.epsilon * (1.0 - b2 ** t) ** 0.5
        for p, g, m, v in zip(params, grads, st["m"], st["v"]):
            g = self._decayed(p, g)
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            p -= step_size * m / (xp.sqrt(v) + eps)


def cosine_learning_rate(peak: float, t: int, total: int) -> float:
    """η_t = η · ½ (1 + cos(π t / T)), for t = 0 … T: large steps first, fine ones at the end."""
    total = max(int(total), 1)
    return peak * 0.5 * (1.0 + math.cos(math.pi * min(t, total) / total))


REGISTRY = {cls.name: cls for cls in (GradientDescent, SGD, Momentum, Adam)}
ALIASES = {"gradient_descent": "gd", "gradient descent": "gd"}


def get(identifier, **kwargs) -> Optimizer:
    """Build an optimizer by name ('gd', 'sgd', 'momentum', 'adam'), or return an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    return lookup(identifier, REGISTRY, ALIASES, "optimizer", "optimizers")(**kwargs)
