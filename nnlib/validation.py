"""Argument checks shared by nnlib: errors name the argument and the value received (as Keras does)."""

from __future__ import annotations

import numpy as np


def check_int(name: str, value, low: int = 1, high: int | None = None) -> int:
    """``value`` as an int when it is a whole number in [low, high], else ValueError naming it.

    Booleans are refused even though Python counts them as integers: ``epochs=True`` is a mistake.
    """
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low
            or (high is not None and value > high)):
        if high is not None:
            wanted = f"a whole number from {low} to {high}"
        else:
            wanted = "a positive whole number" if low == 1 else f"a whole number of at least {low}"
        raise ValueError(f"{name} must be {wanted}. Received: {name}={value!r}")
    return int(value)
