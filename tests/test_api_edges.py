"""The library's edges (issue 13): each mistake is a TypeError or ValueError naming what was received.

Model-level cases (predict, trace, loss_and_grads, ...) are in test_model.py, files in
test_serialization.py, the digit helpers in test_digits_reading.py; this file holds the rest.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from nnlib import Dense, Sequential


def model():
    return Sequential([Dense(3, 4, activation="relu", seed=0), Dense(4, 2, activation="softmax", seed=1)])


X, Y = np.random.default_rng(0).normal(size=(6, 3)), np.array([0, 1, 0, 1, 1, 0])
NAN = np.full((4, 3), np.nan)


@pytest.mark.parametrize("call, error, message", [
    (lambda: Dense(3, 4, weights=NAN), ValueError,
     "weights must hold finite numbers that fit in float32. Received: weights[0, 0]=nan"),
    (lambda: Dense(3, 4, weights=np.full((4, 3), 1e39)), ValueError,
     "weights must hold finite numbers that fit in float32. Received: weights[0, 0]=1e+39"),
    (lambda: Dense(3, 4).set_weights(NAN), ValueError,
     "weights must hold finite numbers that fit in float32. Received: weights[0, 0]=nan"),
    (lambda: Dense(3, 4).set_weights(bias=[0, 0, np.inf, 0]), ValueError,
     "bias must hold finite numbers that fit in float32. Received: bias[2]=inf"),
    (lambda: Dense(3, 4, weights="abc"), TypeError,
     "weights must be an array of real numbers. Received: weights='abc'"),
    (lambda: Dense(3, 4, use_bias="no"), TypeError, "use_bias must be True or False. Received: use_bias='no'"),
    (lambda: Dense(3, 4, dtype=np.zeros(2)), ValueError,
     "dtype must be 'float32' or 'float64'. Received: dtype=array([0., 0.])"),
    (lambda: Dense(3, 4, seed=-1), ValueError,
     "seed must be a non-negative integer, a numpy Generator or None. Received: seed=-1"),
    (lambda: Sequential(None), TypeError, "layers must be a list of nnlib.Dense layers. Received: layers=None"),
    (lambda: nnlib.gradient_check(model().copy("float64"), np.zeros((0, 3)), []), ValueError,
     "reduction='mean' averages over the examples, so it needs at least one. Received: X with shape (0, 3)"),
    (lambda: nnlib.gradient_check(model().copy("float64"), X, Y, eps=0), ValueError,
     "eps must be a positive number. Received: eps=0"),
    (lambda: model().fit(X, Y, explode_factor="x"), ValueError,
     "explode_factor must be a positive number. Received: explode_factor='x'"),
    (lambda: model().fit(X, Y, report_every="x"), ValueError,
     "report_every must be a positive whole number. Received: report_every='x'"),
    (lambda: model().fit(X, Y, augment=5), TypeError,
     "augment must be a function f(X, rng) -> X, or None. Received: augment=5"),
    (lambda: model().fit(X, Y, X_test=X), ValueError,
     "X_test and y_test go together: give both or neither. Received: y_test=None"),
    (lambda: model().fit(None, Y), TypeError, "X must be an array of real numbers. Received: X=None"),
    (lambda: nnlib.save(None, "unused.npz"), TypeError, "model must be a nnlib.Sequential. Received: model=None"),
    (lambda: nnlib.load(None), TypeError,
     "source must be a path, bytes or a binary file object. Received: source=None"),
    (lambda: nnlib.load(5), TypeError, "source must be a path, bytes or a binary file object. Received: source=5"),
])
def test_edge_arguments_get_errors_that_name_them(call, error, message):
    with pytest.raises(error) as refused:
        call()
    assert str(refused.value) == message


def test_float64_layers_take_what_float32_cannot_hold():
    layer = Dense(1, 1, dtype="float64", weights=[[1e39]])
    assert layer.get_weights()[0][0, 0] == 1e39
