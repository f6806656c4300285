"""How good a digit reader is: accuracy, the confusion matrix, the digits it gets wrong."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Sequential


def confusion_matrix(y_true, y_pred, n_classes: int = 10) -> np.ndarray:
    """(n_classes, n_classes) int64 counts: entry [t, p] = how many digits t were read as p."""
    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
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
    y = np.asarray(y, dtype=np.int64)
    probs = model.predict(np.asarray(X, dtype=np.float32))
    predicted = probs.argmax(axis=1)
    confidence = probs[np.arange(len(y)), predicted]
    wrong = np.flatnonzero(predicted != y)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")]
    return Report(float((predicted == y).mean()) if len(y) else 0.0,
                  confusion_matrix(y, predicted), predicted, confidence, wrong)
