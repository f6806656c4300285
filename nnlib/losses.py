"""Loss functions: how good is a function? (lecture step 2)

For one example n with network output yⁿ and target ŷⁿ the loss is Cⁿ; the
lecture's total loss is L = Σₙ Cⁿ. Training minimises the mean L / N instead,
so a learning rate does not have to change with the size of the data set; both
numbers are reported and labelled.

Each loss gives ``per_example(y, t)`` (shape (N,)) and ``grad(y, t)``,
∂Cⁿ/∂y (shape (N, k)). Cross-entropy after a softmax layer is fused: its
gradient with respect to the logits z is simply y − ŷ.
"""

from __future__ import annotations

from . import backend
from .registry import lookup

# Probabilities are clipped here before ln(): ln(0) would make C infinite.
_EPS = 1e-12


class Loss:
    name = "loss"
    formula = ""

    def per_example(self, y, t):
        raise NotImplementedError

    def grad(self, y, t):
        raise NotImplementedError

    def __repr__(self):
        return self.name


class CrossEntropy(Loss):
    """C(y, ŷ) = −Σᵢ ŷᵢ ln yᵢ, for outputs y that are probabilities."""

    name = "cross_entropy"
    formula = r"C(y, \hat{y}) = -\sum_i \hat{y}_i \ln y_i"

    def per_example(self, y, t):
        xp = backend.xp
        return -xp.sum(t * xp.log(xp.clip(y, _EPS, 1.0)), axis=-1)

    def grad(self, y, t):
        xp = backend.xp
        return -t / xp.clip(y, _EPS, 1.0)

    # Fused with softmax: computed from the logits z, never from y = softmax(z).
    def per_example_from_logits(self, z, t):
        """C = logsumexp(z) − Σᵢ ŷᵢ zᵢ (exact, and finite for any z)."""
        xp = backend.xp
        m = backend.row_max(z)
        lse = xp.log(xp.sum(xp.exp(z - m), axis=-1)) + m[..., 0]
        return lse - xp.sum(t * z, axis=-1)

    def grad_from_logits(self, y, t):
        """∂C/∂z = y − ŷ, where y = softmax(z)."""
        return y - t


class MeanSquaredError(Loss):
    """C(y, ŷ) = Σᵢ (yᵢ − ŷᵢ)² / k, the mean over the k outputs of one example."""

    name = "mse"
    formula = r"C(y, \hat{y}) = \frac{1}{k}\sum_i (y_i - \hat{y}_i)^2"

    def per_example(self, y, t):
        xp = backend.xp
        d = y - t
        return xp.sum(d * d, axis=-1) / y.shape[-1]

    def grad(self, y, t):
        return 2.0 * (y - t) / y.shape[-1]


REGISTRY = {cls.name: cls() for cls in (CrossEntropy, MeanSquaredError)}
ALIASES = {
    "crossentropy": "cross_entropy",
    "categorical_crossentropy": "cross_entropy",
    "ce": "cross_entropy",
    "mean_squared_error": "mse",
}


def get(identifier) -> Loss:
    """Resolve a loss by name ('cross_entropy', 'mse') or return it unchanged."""
    if isinstance(identifier, Loss):
        return identifier
    return lookup(identifier, REGISTRY, ALIASES, "loss", "losses")
