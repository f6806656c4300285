"""Random starting weights θ⁰, drawn from a seeded NumPy generator.

Random numbers are always drawn on the host with NumPy and moved to the
device once, so a seed gives the same network on every backend.

* Glorot (Xavier) uniform: W ~ U(−r, r), r = √(6 / (n_in + n_out)); suits sigmoid and tanh.
* He normal: W ~ N(0, 2 / n_in); keeps ReLU activations from shrinking layer by layer.
"""

from __future__ import annotations

import numpy as np

from .registry import lookup
from .validation import shown


def make_rng(seed=None) -> np.random.Generator:
    """A NumPy Generator from an int seed, an existing Generator, or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError("seed must be a non-negative integer, a numpy Generator or None. "
                         f"Received: seed={shown(seed)}")
    return np.random.default_rng(seed)


def glorot_uniform(n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_out, n_in))


def he_normal(n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


REGISTRY = {"glorot_uniform": glorot_uniform, "he_normal": he_normal}
ALIASES = {"glorot": "glorot_uniform", "xavier": "glorot_uniform", "he": "he_normal"}


def get(identifier, activation_name: str = "linear"):
    """Resolve an initializer by name; 'auto' picks He for ReLU and Glorot otherwise."""
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier.strip().lower() == "auto":
        identifier = "he_normal" if activation_name == "relu" else "glorot_uniform"
    return lookup(identifier, REGISTRY, ALIASES, "initializer", "initializers ('auto', or one of these)")
