"""Arbitrary arguments to the public API: a correct result, or a TypeError / ValueError naming the argument.

Hypothesis feeds every entry point values of any type (None, strings, huge ints, NaN, complex numbers,
ragged lists, arrays of the wrong shape or dtype) next to well-formed ones. Any other exception type
(AttributeError, IndexError, OverflowError, ZeroDivisionError, ...) fails the test, as does an error whose
message does not say which argument was wrong. Runs are kept small so the suite stays fast.
"""

from __future__ import annotations

import io
import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib
from nnlib import Dense, Sequential, TrainingDiverged
from nnlib.digits import read
from nnlib.digits.evaluation import confusion_matrix

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(-2**80, 2**80) | st.floats() | st.text(max_size=4)
           | st.complex_numbers(max_magnitude=10) | st.binary(max_size=3))
arrays = hnp.arrays(st.sampled_from(["f4", "f8", "i8", "u1", "?", "c8", "U2"]),
                    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
anything = st.recursive(scalars | arrays, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                        | st.dictionaries(st.text(max_size=3), inner, max_size=2), max_leaves=8)


def model(dtype="float32"):
    return Sequential([Dense(3, 4, activation="relu", seed=0, dtype=dtype),
                       Dense(4, 2, activation="softmax", seed=1, dtype=dtype)])


MODEL = model()


def outcome(call, *names):
    """call()'s result, or None when it raised a TypeError / ValueError whose message names one of ``names``."""
    try:
        return call()
    except (TypeError, ValueError) as exc:
        message = str(exc)
        assert any(re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", message) for n in names), (names, message)
        assert len(message) > 15 and "\n" not in message, message
        return None


@st.composite
def batches(draw, n_in=3, n_out=2):
    """(X, y): mostly well-shaped batches with any values, sometimes anything at all."""
    n = draw(st.integers(0, 5))
    X = draw(hnp.arrays(st.sampled_from(["f4", "f8", "i4"]), (n, n_in)) | hnp.arrays("f8", (n, n_in),
             elements=st.floats(-3, 3)) | anything)
    y = draw(hnp.arrays("i8", n, elements=st.integers(-1, n_out)) | hnp.arrays("f8", n)
             | st.lists(st.integers(-2**70, 2**70), min_size=n, max_size=n)
             | hnp.arrays("f8", (n, n_out)) | anything)
    return X, y


# --- layers and models ---------------------------------------------------------------------------
@FUZZ
@given(st.fixed_dictionaries({}, optional={"n_in": st.integers(-2, 4) | anything,
                                           "n_out": st.integers(-2, 4) | anything,
                                           "activation": st.sampled_from(["relu", "softmax", "swish"]) | anything,
                                           "use_bias": st.booleans() | anything, "seed": st.integers(-2, 3) | anything,
                                           "dtype": st.sampled_from(["float32", "float64"]) | anything,
                                           "kernel_initializer": st.sampled_from(["auto", "he"]) | anything,
                                           "weights": anything, "bias": anything}))
def test_dense_builds_a_layer_or_names_the_argument(kwargs):
    kwargs = {"n_in": 2, "n_out": 3, **kwargs}
    names = [*kwargs, "initializer", "activation function", "n_out, n_in"]
    layer = outcome(lambda: Dense(**kwargs), *names)
    if layer is not None:
        W, b = layer.get_weights()
        assert W.shape == (layer.n_out, layer.n_in) and np.all(np.isfinite(W))
        assert b is None or (b.shape == (layer.n_out,) and np.all(np.isfinite(b)))


@FUZZ
@given(anything)
def test_predict_and_trace_give_outputs_or_name_x(X):
    out = outcome(lambda: MODEL.predict(X), "X")
    if out is not None:
        assert out.shape[-1] == 2 and out.dtype == np.float32
        trace = MODEL.trace(X)
        np.testing.assert_array_equal(trace[-1].a.reshape(out.shape), out)


@FUZZ
@given(batches(), st.sampled_from(["mean", "sum"]) | anything)
def test_losses_gradients_and_evaluation_or_name_the_argument(batch, reduction):
    X, y = batch
    result = outcome(lambda: MODEL.loss_and_grads(X, y, reduction=reduction), "X", "y", "reduction")
    if result is not None:
        loss, grads = result
        assert isinstance(loss, float)
        assert [tuple(g.shape) for g in grads] == [tuple(p.shape) for p in MODEL.params]
        layers = MODEL.backprop(X, y, reduction=reduction)
        assert len(layers) == 2
    ev = outcome(lambda: MODEL.evaluate(X, y), "X", "y")
    if ev is not None:
        assert 0.0 <= ev.accuracy <= 1.0 and ev.n == len(X)


@FUZZ
@given(batches(), st.fixed_dictionaries({}, optional={
    "epochs": st.integers(-1, 2) | anything, "batch_size": st.integers(-1, 4) | st.none() | anything,
    "optimizer": st.sampled_from(["sgd", "adam", "gd", "nope"]) | anything,
    "learning_rate": st.floats(-1, 1e3) | st.none() | anything, "weight_decay": st.floats(-1, 1) | anything,
    "schedule": st.sampled_from(["constant", "cosine"]) | anything, "seed": st.integers(-1, 3) | anything,
    "explode_factor": st.floats(-1, 100) | anything, "report_every": st.none() | st.integers(-1, 3) | anything,
    "X_test": st.none() | anything, "y_test": st.none() | anything, "augment": st.none() | anything}))
def test_fit_trains_or_names_the_bad_argument(batch, kwargs):
    X, y = batch
    kwargs.setdefault("epochs", 1)
    m = model()
    names = ["X", "y", "steps", "learning rate", "optimizer", "learning-rate schedule", *kwargs]
    try:
        history = outcome(lambda: m.fit(X, y, **kwargs), *names)
    except TrainingDiverged:
        return   # a learning rate of 1e3 may well diverge: that is the right answer
    if history is not None:
        assert history and all(np.isfinite(p.loss) for p in history)


# --- files ---------------------------------------------------------------------------------------
@FUZZ
@given(hnp.arrays("f4", (4, 3), elements=st.floats(width=32, allow_nan=False, allow_infinity=False)),
       st.sampled_from(["float32", "float64"]))
def test_save_then_load_gives_the_same_model_or_refuses_it(W, dtype):
    m = model(dtype)
    m.layers[0].set_weights(W)   # finite, possibly near float32's largest value
    data = nnlib.serialization.to_bytes(m)
    try:
        loaded = nnlib.load(data)
    except nnlib.ModelFileError as exc:
        assert "weights are too large" in str(exc)
        return
    X = np.eye(3)
    np.testing.assert_array_equal(loaded.predict(X), m.predict(X))
    assert np.all(np.isfinite(loaded.predict(X)))


@FUZZ
@given(anything)
def test_load_and_save_take_only_what_they_can_read(source):
    def load():
        try:
            return nnlib.load(source)
        except nnlib.ModelFileError:   # read, and refused for what it holds (test_fuzz.py checks these)
            return None
        except OSError:                # a path that is not there, as with open()
            assert isinstance(source, str)

    outcome(load, "source")
    outcome(lambda: nnlib.save(source, io.BytesIO()), "model")


# --- digits ----------------------------------------------------------------------------------------
@FUZZ
@given(st.integers(0, 6).flatmap(lambda n: st.tuples(
    hnp.arrays("i8", n, elements=st.integers(-1, 10)) | st.lists(st.integers(-2**70, 2**70), min_size=n, max_size=n)
    | hnp.arrays("f8", n) | anything,
    hnp.arrays("i8", n, elements=st.integers(0, 10)) | anything)), st.integers(-1, 12) | anything)
def test_confusion_matrix_counts_or_names_the_argument(pair, n_classes):
    y_true, y_pred = pair
    cm = outcome(lambda: confusion_matrix(y_true, y_pred, n_classes), "y_true", "y_pred", "n_classes")
    if cm is not None:
        t, p = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
        assert cm.shape == (n_classes, n_classes) and cm.sum() == len(t)
        for i, j in zip(t, p):
            assert cm[i, j] == np.sum((t == i) & (p == j))


DIGIT_MODEL = nnlib.NetworkSpec(n_in=256, hidden=(8,), n_out=10).build(seed=0)


@FUZZ
@given(hnp.arrays("f4", 256, elements=st.floats(0, 1, width=32)) | hnp.arrays("f8", st.integers(0, 300)) | anything)
def test_read_gives_a_digit_or_names_x(x):
    reading = outcome(lambda: read(DIGIT_MODEL, x), "x", "X", "probabilities")
    if reading is not None:
        assert 0 <= reading.digit <= 9 and np.all(np.isfinite(reading.probabilities))
