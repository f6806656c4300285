"""How good a digit reader is: accuracy, the confusion matrix, the digits it gets wrong."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Sequential
from ..validation import as_numbers, check_int, first_bad


def check_labels(name: str, y, n_classes: int) -> np.ndarray:
    """``y`` as int64 class labels (N,), each a whole number in 0..n_classes − 1, else an error naming it."""
    y = as_numbers(name, y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be one label per example (N,). Received shape {y.shape}.")
    with np.errstate(invalid="ignore"):
        ok = (y >= 0) & (y < n_classes) & (np.mod(y, 1) == 0 if y.dtype.kind == "f" else True)
    if not np.all(ok):
        raise ValueError(f"{name} must hold class labels, whole numbers from 0 to {n_classes - 1}. "
                         f"Received: {first_bad(name, y, ~ok)}")
    return y.astype(np.int64)


def confusion_matrix(y_true, y_pred, n_classes: int = 10) -> np.ndarray:
    """(n_classes, n_classes) int64 counts: entry [t, p] = how many digits t were read as p."""
    n_classes = check_int("n_classes", n_classes)
    y_true, y_pred = check_labels("y_true", y_true, n_classes), check_labels("y_pred", y_pred, n_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape. Received {y_true.shape} and {y_pred.shape}.")
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


@dataclass(frozen=True)
class Report:
    """A model on a labelled set: accuracy, confusion matrix and the misread examples.

    wrong: indices into the set of the misread digits, most confident mistakes first.
    predicted, confidence: (N,) the model's digit and its probability, for every example.
    """

    accuracy: float
    confusion: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    wrong: np.ndarray

    @property
    def n(self) -> int:
        return int(self.predicted.shape[0])


def report(model: Sequential, X, y) -> Report:
    """Evaluate ``model`` on inputs X (N, 256) with labels y (N,)."""
    probs = np.atleast_2d(model.predict(X))  # one example (256,) is a set of one
    y = check_labels("y", y, model.n_out)
    if y.shape != probs.shape[:1]:
        raise ValueError(f"y must hold one label per row of X ({probs.shape[0]}). Received shape {y.shape}.")
    predicted = probs.argmax(axis=1)
    confidence = probs[np.arange(len(y)), predicted]
    wrong = np.flatnonzero(predicted != y)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")]
    return Report(float((predicted == y).mean()) if len(y) else 0.0,
                  confusion_matrix(y, predicted, model.n_out), predicted, confidence, wrong)
