"""A fully connected layer: every neuron sees every input.

Shapes follow the lecture: row j of W (shape (n_out, n_in)) holds neuron j's
weights, so for one input column x the layer computes z = W·x + b and
a = σ(z). For a batch X of shape (N, n_in), with one example per row, the same
thing is Z = X·Wᵀ + b (shape (N, n_out)).
"""

from __future__ import annotations

import numpy as np

from . import activations, backend, initializers
from .validation import as_numbers, check_int, first_bad, shown


# The pure core: no state, so each piece can be tested and gradient-checked alone.
def dense_forward(W, b, X):
    """Z = X·Wᵀ + b.  X: (N, n_in), W: (n_out, n_in), b: (n_out,) -> Z: (N, n_out)."""
    Z = X @ W.T
    if b is not None:
        Z += b  # in place: Z is a fresh array, and this saves one (N, n_out) temporary
    return Z


def dense_backward(W, X, grad_Z, need_grad_X=True):
    """From ∂C/∂Z (N, n_out) to (∂C/∂W, ∂C/∂b, ∂C/∂X).

    ∂C/∂W = (∂C/∂Z)ᵀ·X: the forward pass supplies ∂z/∂w, the input on that link.
    ∂C/∂X = (∂C/∂Z)·W: each input collects Σ w·∂C/∂z from the neurons it feeds.
    The first layer's ∂C/∂X is never used, so ``need_grad_X=False`` skips that
    product (None is returned in its place).
    """
    grad_W = grad_Z.T @ X
    grad_b = backend.column_sum(grad_Z)  # Σₙ ∂C/∂zₙ, as 1ᵀ·(∂C/∂Z)
    grad_X = grad_Z @ W if need_grad_X else None
    return grad_W, grad_b, grad_X


def count_params(sizes, use_bias: bool = True) -> int:
    """Weights and biases of a chain of Dense layers with ``sizes`` neurons, input first.

    Each layer has n_out·n_in weights and n_out biases: P = Σ (n_in + 1)·n_out over the
    layers (Σ n_in·n_out without biases). E.g. [2, 3, 1]: (2 + 1)·3 + (3 + 1)·1 = 13.
    """
    sizes = [int(s) for s in sizes]
    return sum((a + int(use_bias)) * b for a, b in zip(sizes, sizes[1:]))


class Dense:
    """A fully connected layer with ``n_out`` neurons, each seeing ``n_in`` inputs.

    Args:
        n_in, n_out: positive integers.
        activation: a name from :mod:`nnlib.activations` ('sigmoid', 'relu', 'tanh',
            'linear', 'softmax') or an Activation.
        use_bias: whether each neuron adds a bias b.
        kernel_initializer: 'auto' (He for ReLU, Glorot otherwise), 'glorot_uniform' or 'he_normal'.
        seed: int or numpy Generator for the starting weights; biases start at 0.
        dtype: 'float32' (fast, the default) or 'float64' (gradient checks, exact lecture numbers).
        weights, bias: optional exact values (array-likes of shape (n_out, n_in) and (n_out,)).
    """

    def __init__(self, n_in, n_out, activation="linear", use_bias=True,
                 kernel_initializer="auto", seed=None, dtype="float32",
                 weights=None, bias=None):
        self.n_in = check_int("n_in", n_in)
        self.n_out = check_int("n_out", n_out)
        self.activation = activations.get(activation)
        if not isinstance(use_bias, (bool, np.bool_)):
            raise TypeError(f"use_bias must be True or False. Received: use_bias={shown(use_bias)}")
        self.use_bias = bool(use_bias)
        if not isinstance(dtype, str) or dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64'. Received: dtype={shown(dtype)}")
        self.dtype = dtype
        init = initializers.get(kernel_initializer, self.activation.name)
        W = init(self.n_out, self.n_in, initializers.make_rng(seed))
        self.W = backend.asarray(W, dtype)
        self.b = backend.xp.zeros((self.n_out,), dtype=backend.dtype(dtype)) if self.use_bias else None
        if weights is not None or bias is not None:
            self.set_weights(weights, bias)

    # --- parameters -------------------------------------------------------
    @property
    def params(self) -> list:
        return [self.W, self.b] if self.use_bias else [self.W]

    def count_params(self) -> int:
        return count_params([self.n_in, self.n_out], self.use_bias)

    def set_weights(self, weights=None, bias=None):
        """Set W and/or b exactly; shapes and values are checked and errors name what was received."""
        if weights is not None:
            W = self._checked("weights", weights, (self.n_out, self.n_in), ": one row per neuron")
            self.W = backend.asarray(W, self.dtype)
        if bias is not None:
            if not self.use_bias:
                raise ValueError("this layer was built with use_bias=False, so it has no bias to set.")
            self.b = backend.asarray(self._checked("bias", bias, (self.n_out,)), self.dtype)

    def _checked(self, name, value, shape, why=""):
        """``value`` as float64 NumPy of ``shape``, every entry finite in this layer's dtype."""
        value = as_numbers(name, value if isinstance(value, (np.ndarray, list, tuple)) or not hasattr(
            value, "shape") else backend.to_numpy(value)).astype(np.float64)
        if value.shape != shape:
            what = "(n_out, n_in) = " if name == "weights" else ""
            raise ValueError(f"{name} must have shape {what}{shape}{why}. Received shape {value.shape}.")
        with np.errstate(over="ignore"):  # 1e39 becomes inf in float32: refused here
            ok = np.isfinite(value.astype(self.dtype))
        if not np.all(ok):
            raise ValueError(f"{name} must hold finite numbers that fit in {self.dtype}. "
                             f"Received: {first_bad(name, value, ~ok)}")
        return value

    def get_weights(self):
        """(W, b) as NumPy arrays; b is None without bias."""
        return backend.to_numpy(self.W), (backend.to_numpy(self.b) if self.use_bias else None)

    # --- computation ------------------------------------------------------
    def forward(self, X):
        """(Z, A) for a batch X of shape (N, n_in)."""
        Z = dense_forward(self.W, self.b, X)
        return Z, self.activation(Z)

    def backward(self, X, grad_Z, need_grad_X=True):
        """Gradients aligned with ``params``, and ∂C/∂X for the layer below (None if not needed)."""
        grad_W, grad_b, grad_X = dense_backward(self.W, X, grad_Z, need_grad_X)
        return ([grad_W, grad_b] if self.use_bias else [grad_W]), grad_X

    def config(self) -> dict:
        return {"n_in": self.n_in, "n_out": self.n_out,
                "activation": self.activation.name, "use_bias": self.use_bias}

    def __repr__(self):
        return (f"Dense({self.n_in} → {self.n_out}, activation={self.activation.name}, "
                f"params={self.count_params():,})")
