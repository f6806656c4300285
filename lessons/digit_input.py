"""The 16×16 digit input two ways: the lecture's ink/no-ink bits and the grey levels the app feeds.

The lecture codes each of the 256 pixels as 1 (ink) or 0 (no ink). The app keeps grey
levels in [0, 1]: a stroke's anti-aliased edge says how much of the pixel it covers, so a
16×16 picture keeps more of the stroke's position and thickness than bits do, and MNIST
(the digits the network learned from) is grey as well. These functions let a page show both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INK_THRESHOLD = 0.5   # a pixel at least half covered by ink counts as ink


def binary_ink(X, threshold: float = INK_THRESHOLD) -> np.ndarray:
    """The lecture's coding of grey inputs X (..., 256) in [0, 1]: 1.0 where X ≥ threshold, else 0.0 (float32)."""
    X = np.asarray(X, dtype=np.float32)
    return (threshold <= X).astype(np.float32)


@dataclass(frozen=True)
class CodingComparison:
    """Test accuracy of one model on the same digits coded as grey levels and as ink bits."""

    grey_accuracy: float
    binary_accuracy: float
    n: int


def compare_codings(model, X, y, threshold: float = INK_THRESHOLD) -> CodingComparison:
    """How well ``model`` reads digits X (N, 256) with labels y (N,) as grey levels, and as bits."""
    grey = model.evaluate(X, y).accuracy
    binary = model.evaluate(binary_ink(X, threshold), y).accuracy
    return CodingComparison(grey, binary, int(np.asarray(y).shape[0]))
