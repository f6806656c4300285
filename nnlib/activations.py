"""Activation functions σ, each with its value and its derivative.

Every activation maps z (shape (N, n)) to a = σ(z) (same shape). ``backward``
turns ∂C/∂a into ∂C/∂z; for the elementwise ones that is ∂C/∂a · σ′(z), the
lecture's "reversed neuron" whose σ′(z) is fixed by the forward pass.

Look one up by name with :func:`get`, the way Keras does.
"""

from __future__ import annotations

from . import backend
from .registry import lookup


class Activation:
    """Base class: subclasses define ``__call__`` (σ) and ``derivative`` (σ′)."""

    name = "activation"
    formula = ""

    def __call__(self, z):
        raise NotImplementedError

    def derivative(self, z, a):
        """σ′(z), elementwise. ``a`` = σ(z) is passed because many σ′ reuse it."""
        raise NotImplementedError

    def backward(self, z, a, grad_a):
        """∂C/∂z = ∂C/∂a · σ′(z)."""
        return grad_a * self.derivative(z, a)

    def __repr__(self):
        return self.name


def sigmoid(z):
    """σ(z) = 1 / (1 + e^−z), elementwise, for any shape; finite for any z."""
    xp = backend.xp
    # exp(-|z|) never overflows; the two branches are the same function.
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(z):
    """ln(1 + eᶻ), elementwise, computed as max(z, 0) + ln(1 + e^−|z|) so it never overflows.

    Its derivative is σ(z); the two-class cross-entropy of a sigmoid output y = σ(z)
    against a target ŷ is softplus(z) − ŷ·z.
    """
    xp = backend.xp
    return xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))


class Sigmoid(Activation):
    name = "sigmoid"
    formula = r"\sigma(z) = \frac{1}{1 + e^{-z}}"

    def __call__(self, z):
        return sigmoid(z)

    def derivative(self, z, a):
        return a * (1.0 - a)


class ReLU(Activation):
    name = "relu"
    formula = r"\mathrm{relu}(z) = \max(0, z)"

    def __call__(self, z):
        return backend.xp.maximum(z, 0.0)

    def derivative(self, z, a):
        return backend.astype(z > 0, z.dtype)

    def backward(self, z, a, grad_a):
        # Multiplying by the 0/1 mask is branch-free; where(z > 0, grad_a, 0) is
        # about 8× slower on NumPy when the signs of z are mixed, as they are in training.
        return backend.masked(grad_a, z > 0)


class Tanh(Activation):
    name = "tanh"
    formula = r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}"

    def __call__(self, z):
        return backend.xp.tanh(z)

    def derivative(self, z, a):
        return 1.0 - a * a


class Linear(Activation):
    name = "linear"
    formula = r"\mathrm{linear}(z) = z"

    def __call__(self, z):
        return z

    def derivative(self, z, a):
        return backend.xp.ones_like(z)

    def backward(self, z, a, grad_a):
        return grad_a


def softmax(z):
    """Row-wise softmax, y_i = e^{z_i} / Σ_j e^{z_j}, shifted by max(z) for stability."""
    e = backend.xp.exp(z - backend.row_max(z))
    e /= backend.row_sum(e)  # in place: e is ours, and the (N, k) temporary is saved
    return e


class Softmax(Activation):
    name = "softmax"
    formula = r"y_i = \frac{e^{z_i}}{\sum_j e^{z_j}}"

    def __call__(self, z):
        return softmax(z)

    def derivative(self, z, a):
        raise ValueError(
            "softmax has no elementwise derivative: each y_i depends on every z_j. "
            "Use backward(), which applies the full Jacobian."
        )

    def backward(self, z, a, grad_a):
        # Jacobian-vector product: ∂C/∂z_i = y_i (∂C/∂y_i − Σ_j y_j ∂C/∂y_j)
        xp = backend.xp
        return a * (grad_a - xp.sum(grad_a * a, axis=-1, keepdims=True))


REGISTRY = {cls.name: cls() for cls in (Sigmoid, ReLU, Tanh, Linear, Softmax)}
# Common spellings students type.
ALIASES = {"identity": "linear", "none": "linear", "logistic": "sigmoid"}


def get(identifier) -> Activation:
    """Resolve an activation by name ('relu', 'sigmoid', ...) or return it unchanged."""
    if isinstance(identifier, Activation):
        return identifier
    if identifier is None:
        return REGISTRY["linear"]
    return lookup(identifier, REGISTRY, ALIASES, "activation function", "activations")
