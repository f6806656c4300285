"""Argument checks shared by nnlib: errors name the argument and the value received (as Keras does)."""

from __future__ import annotations

import math
import numbers
import reprlib

import numpy as np

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 40


def shown(value) -> str:
    """A short one-line repr for messages: long strings, big arrays and deep nesting are cut."""
    return " ".join(_REPR.repr(value).split())


def as_numbers(name: str, value) -> np.ndarray:
    """``value`` as a NumPy array of real numbers (any shape), else TypeError/ValueError naming it.

    Python ints past int64 (e.g. 2**70) become floats; strings, None, complex numbers and objects are refused.
    """
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError, OverflowError) as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: every row the same length. "
                         f"Received: {name}={shown(value)}") from exc
    if arr.dtype.kind == "O" and all(isinstance(v, numbers.Real) for v in arr.flat):
        arr = arr.astype(np.float64)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers. Received: {name}={shown(value)}")
    return arr


def first_bad(name: str, arr: np.ndarray, bad: np.ndarray) -> str:
    """``name[i, j]=value`` for the first entry where ``bad`` holds, for a message's "Received:"."""
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    return f"{name}[{', '.join(map(str, idx))}]={arr[idx].item()!r}"


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
        raise ValueError(f"{name} must be {wanted}. Received: {name}={shown(value)}")
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
        raise ValueError(f"{name} must be {wanted}. Received: {name}={shown(value)}")
    return float(value)


def check_choice(name: str, value, choices) -> str:
    """``value`` when it is one of ``choices``, else ValueError naming it and the choices."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}. Received: {name}={shown(value)}")
    return value
