"""Argument checks shared by nnlib: errors name the argument and the value received (as Keras does)."""

from __future__ import annotations

import math

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


def check_number(name: str, value, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a float when it is a finite real number within the bounds, else ValueError naming it.

    ``low`` / ``high`` are inclusive unless ``low_open`` / ``high_open`` (then strict); None means no
    bound. Strings and booleans are refused: ``learning_rate="0.1"`` or ``True`` is a mistake.
    """
    ok = (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
          and math.isfinite(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        if low == 0 and low_open and high is None:
            wanted = "a positive number"
        else:
            bounds = [f"{'>' if low_open else '>='} {low:g}"] if low is not None else []
            bounds += [f"{'<' if high_open else '<='} {high:g}"] if high is not None else []
            wanted = "a finite number" + (" " + " and ".join(bounds) if bounds else "")
        raise ValueError(f"{name} must be {wanted}. Received: {name}={value!r}")
    return float(value)


def check_choice(name: str, value, choices) -> str:
    """``value`` when it is one of ``choices``, else ValueError naming it and the choices."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}. Received: {name}={value!r}")
    return value
