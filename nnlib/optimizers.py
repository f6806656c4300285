"""Step 3: pick the best function by moving θ against the gradient.

Every optimizer updates the parameter arrays in place with ``step(params, grads)``.

* gradient descent / SGD: θ ← θ − η ∇L  (gradient descent uses the whole data set per step)
* momentum: v ← μ v − η ∇L;  θ ← θ + v
* Adam: running averages of the gradient and its square, with bias correction.

Regularisation adds a penalty on the weight matrices W to the loss; biases are left alone:

* ``weight_decay`` λ₂ (L2): ½λ₂‖W‖² in the loss, so λ₂·W is added to ∂L/∂W;
* ``l1`` λ₁ (L1): λ₁‖W‖₁ = λ₁ Σ|wᵢⱼ| in the loss, so λ₁·sign(W) is added to ∂L/∂W
  (sign(0) = 0, a subgradient: a weight at exactly 0 feels no pull).

Both act through the gradient, so every rule (SGD, momentum, Adam) regularises the same way.
L2 shrinks every weight in proportion to its size; L1 pulls every weight by the same amount,
so weights that the data barely needs end up at (or jitter within about η·λ₁ of) zero.
A learning-rate schedule is part of the training run (:mod:`nnlib.schedules`), not of an optimizer.
"""

from __future__ import annotations

from . import backend
from .registry import lookup
from .validation import check_number


class Optimizer:
    """Base class: ``step(params, grads)`` moves every parameter array in place.

    ``params`` and ``grads`` are aligned lists (``model.params`` and the ``grads`` of
    ``model.backward``). ``learning_rate`` is read at every step, so a schedule or a
    page may change it between steps.
    """

    name = "optimizer"

    def __init__(self, learning_rate=0.1, weight_decay=0.0, l1=0.0):
        self.learning_rate = check_number("learning_rate", learning_rate, 0.0, low_open=True)
        self.weight_decay = check_number("weight_decay", weight_decay, 0.0)
        self.l1 = check_number("l1", l1, 0.0)
        self.state: dict = {}

    def _decayed(self, p, g):
        """The gradient the rule follows: g + λ₂·W + λ₁·sign(W) for a weight matrix W, else g.

        Only weight matrices (2-D) are regularised, as is usual; biases (1-D) are not.
        """
        if p.ndim != 2:
            return g
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.l1:
            g = g + self.l1 * backend.xp.sign(p)
        return g

    def step(self, params, grads) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget running state (velocities, moments)."""
        self.state = {}

    def __repr__(self):
        extra = "".join(f", {name}={value:g}" for name, value in
                        (("weight_decay", self.weight_decay), ("l1", self.l1)) if value)
        return f"{self.__class__.__name__}(learning_rate={self.learning_rate:g}{extra})"


class SGD(Optimizer):
    """θ ← θ − η ∇L on each minibatch."""

    name = "sgd"

    def step(self, params, grads) -> None:
        lr = self.learning_rate
        for p, g in zip(params, grads):
            p -= lr * self._decayed(p, g)  # in place: the model's own arrays move


class GradientDescent(SGD):
    """The lecture's gradient descent: the same update, computed on the whole data set."""

    name = "gd"
    full_batch = True


class Momentum(Optimizer):
    """Heavy-ball momentum: v ← μ v − η ∇L; θ ← θ + v."""

    name = "momentum"

    def __init__(self, learning_rate=0.1, momentum=0.9, weight_decay=0.0, l1=0.0):
        super().__init__(learning_rate, weight_decay, l1)
        self.momentum = check_number("momentum", momentum, 0.0, 1.0, high_open=True)

    def step(self, params, grads) -> None:
        lr, mu = self.learning_rate, self.momentum
        velocities = self.state.setdefault("v", [backend.xp.zeros_like(p) for p in params])
        for p, g, v in zip(params, grads, velocities):
            v *= mu
            v -= lr * self._decayed(p, g)
            p += v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): per-parameter step sizes from gradient moments."""

    name = "adam"

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.0, l1=0.0):
        super().__init__(learning_rate, weight_decay, l1)
        self.beta1 = check_number("beta1", beta1, 0.0, 1.0, high_open=True)
        self.beta2 = check_number("beta2", beta2, 0.0, 1.0, high_open=True)
        self.epsilon = check_number("epsilon", epsilon, 0.0, low_open=True)

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


REGISTRY = {cls.name: cls for cls in (GradientDescent, SGD, Momentum, Adam)}
ALIASES = {"gradient_descent": "gd", "gradient descent": "gd"}


def get(identifier, **kwargs) -> Optimizer:
    """Build an optimizer by name ('gd', 'sgd', 'momentum', 'adam'), or return an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    return lookup(identifier, REGISTRY, ALIASES, "optimizer", "optimizers")(**kwargs)
