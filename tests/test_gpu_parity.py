"""On a GPU, nnlib's core math on CuPy matches NumPy to 1e-5 in float32.

The same seed gives the same starting weights on both backends (they are drawn on the host),
so every number below is computed twice, once per backend, and compared. Skipped, with the
reason, where CuPy or a CUDA device is missing.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from nnlib import backend

try:
    backend.resolve("cupy")
    REASON = None
except backend.BackendError as exc:
    REASON = str(exc)

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(REASON is not None, reason=f"CuPy backend: {REASON}")]
TOL = dict(rtol=1e-5, atol=1e-5)


def on(name: str, fn):
    """Run fn() with the backend switched to ``name``; results must already be NumPy."""
    previous = backend.name
    backend.set_backend(name)
    try:
        return fn()
    finally:
        backend.set_backend(previous)


def data(n=512, n_in=256, n_out=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, n_in), dtype=np.float32), rng.integers(0, n_out, n)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_forward_pass_matches(activation):
    X, _ = data()
    spec = nnlib.NetworkSpec(n_in=256, hidden=(128, 64), n_out=10, activation=activation)

    def outputs():
        model = spec.build(seed=1)
        return model.predict(X), [t.z for t in model.trace(X[:16])]

    (y_np, z_np), (y_cp, z_cp) = on("numpy", outputs), on("cupy", outputs)
    np.testing.assert_allclose(y_cp, y_np, **TOL)
    for a, b in zip(z_cp, z_np):
        np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_loss_and_gradients_match(loss):
    X, y = data()
    output = "softmax" if loss == "cross_entropy" else "sigmoid"
    spec = nnlib.NetworkSpec(n_in=256, hidden=(64, 32), n_out=10, activation="tanh", output=output, loss=loss)

    def loss_and_grads():
        model = spec.build(seed=2)
        value, grads = model.loss_and_grads(X, y)
        return value, [backend.to_numpy(g) for g in grads]

    (l_np, g_np), (l_cp, g_cp) = on("numpy", loss_and_grads), on("cupy", loss_and_grads)
    assert l_cp == pytest.approx(l_np, rel=1e-5)
    for a, b in zip(g_cp, g_np):
        np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_training_steps_match(optimizer):
    X, y = data(n=1024)
    spec = nnlib.NetworkSpec(n_in=256, hidden=(64,), n_out=10)

    def train():
        model = spec.build(seed=3)
        history = nnlib.fit(model, X, y, optimizer=optimizer, learning_rate=0.01, batch_size=128, epochs=2, seed=4)
        return model.get_weights(), [p.loss for p in history]

    (w_np, h_np), (w_cp, h_cp) = on("numpy", train), on("cupy", train)
    np.testing.assert_allclose(h_cp, h_np, **TOL)
    for a, b in zip(w_cp, w_np):
        np.testing.assert_allclose(a, b, **TOL)
