"""Sequential: predict, trace, loss_and_grads, backprop, evaluate, validation."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import Dense, Sequential, backend


def small_model(dtype="float64", loss="cross_entropy", hidden="relu", seed=0):
    return Sequential([Dense(3, 4, activation=hidden, seed=seed, dtype=dtype),
                       Dense(4, 5, activation="tanh", seed=seed + 1, dtype=dtype),
                       Dense(5, 3, activation="softmax", seed=seed + 2, dtype=dtype)], loss=loss)


def data(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, 3, n)


def test_predict_returns_numpy_on_every_backend(xp_backend):
    model = small_model()
    X, _ = data()
    out = model.predict(X)
    assert isinstance(out, np.ndarray) and out.shape == (6, 3) and out.dtype == np.float64
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-14)
    single = model.predict(X[0])
    assert single.shape == (3,)
    np.testing.assert_allclose(single, out[0], rtol=1e-14)
    assert model.predict_classes(X).tolist() == np.argmax(out, axis=1).tolist()


def test_predict_matches_a_plain_numpy_forward_pass(xp_backend):
    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    model = small_model()
    X, _ = data()
    a = X
    for layer, sigma in zip(model.layers, (lambda z: np.maximum(z, 0), np.tanh, softmax)):
        W, b = layer.get_weights()
        a = sigma(a @ W.T + b)
    np.testing.assert_allclose(model.predict(X), a, rtol=1e-13)


def test_trace_keeps_each_layers_input_z_and_a(xp_backend):
    model = small_model()
    X, _ = data()
    trace = model.trace(X)
    assert [t.z.shape for t in trace] == [(6, 4), (6, 5), (6, 3)]
    np.testing.assert_array_equal(trace[0].x, X)
    for below, above in zip(trace, trace[1:]):
        np.testing.assert_array_equal(above.x, below.a)   # each layer's input is the output below
    np.testing.assert_array_equal(trace[0].a, np.maximum(trace[0].z, 0))
    np.testing.assert_allclose(trace[-1].a, model.predict(X), rtol=1e-15)


@pytest.mark.parametrize("bad, shape", [(np.ones((4, 2)), r"\(4, 2\)"), (np.ones((2, 3, 1)), r"\(2, 3, 1\)"),
                                        (np.ones(5), r"\(1, 5\)")])
def test_predict_rejects_wrong_shapes_naming_them(xp_backend, bad, shape):
    with pytest.raises(ValueError, match=r"expected inputs X of shape \(N, 3\).*Received shape " + shape):
        small_model().predict(bad)


def test_inputs_with_nan_are_rejected():
    with pytest.raises(ValueError, match=r"^X must hold finite numbers that fit in float64\. Received: X\[0, 1\]=nan$"):
        small_model().predict(np.array([[0.0, np.nan, 1.0]]))


def test_labels_and_one_hot_targets_give_the_same_loss(xp_backend):
    model = small_model()
    X, y = data()
    loss_labels, grads_labels = model.loss_and_grads(X, y)
    loss_onehot, grads_onehot = model.loss_and_grads(X, np.eye(3)[y])
    assert isinstance(loss_labels, float) and loss_labels == loss_onehot
    assert [tuple(g.shape) for g in grads_labels] == [tuple(p.shape) for p in model.params]
    for g, h in zip(grads_labels, grads_onehot):
        np.testing.assert_array_equal(backend.to_numpy(g), backend.to_numpy(h))


def test_sum_reduction_is_the_lectures_total_loss(xp_backend):
    model = small_model()
    X, y = data()
    mean, grads_mean = model.loss_and_grads(X, y)
    total, grads_sum = model.loss_and_grads(X, y, reduction="sum")
    per_example = model.per_example_loss(X, y)
    np.testing.assert_allclose(total, per_example.sum(), rtol=1e-14)
    np.testing.assert_allclose(mean, per_example.mean(), rtol=1e-14)
    for g, h in zip(grads_mean, grads_sum):
        np.testing.assert_allclose(backend.to_numpy(h), 6 * backend.to_numpy(g), rtol=1e-12, atol=1e-15)
    ev = model.evaluate(X, y, batch_size=4)  # two batches
    np.testing.assert_allclose([ev.total_loss, ev.mean_loss], [total, mean], rtol=1e-14)
    assert ev.n == 6
    assert ev.accuracy == np.mean(model.predict_classes(X) == y)


@pytest.mark.parametrize("y, message", [
    (np.array([0, 1, 3, 0, 1, 2]), r"labels must lie in 0\.\.2\. Received labels from 0 to 3"),
    (np.array([0, -1, 2, 0, 1, 2]), r"Received labels from -1 to 2"),
    (np.array([0, 1.5, 2, 0, 1, 2]), r"^y must hold integer class labels\. Received: y\[1\]=1\.5$"),
    (np.zeros((6, 4)), r"Received shape \(6, 4\)"),
    (np.array([0, 1, 2]), r"Received shape \(3, 3\)"),
])
def test_bad_targets_name_what_was_received(y, message):
    X, _ = data()
    with pytest.raises(ValueError, match=message):
        small_model().loss_and_grads(X, y)


def test_bad_reduction_is_named():
    X, y = data()
    with pytest.raises(ValueError, match="Received: reduction='max'"):
        small_model().loss_and_grads(X, y, reduction="max")


def test_backprop_gives_every_layers_values(xp_backend):
    model = small_model(hidden="sigmoid")
    X, y = data()
    layers = model.backprop(X, y)          # sum reduction: ∂L/∂w = Σₙ ∂Cⁿ/∂w
    _, grads = model.loss_and_grads(X, y, reduction="sum")
    assert len(layers) == 3
    for lb, gW, gb in zip(layers, grads[::2], grads[1::2]):
        np.testing.assert_allclose(lb.grad_W, backend.to_numpy(gW), rtol=1e-14)
        np.testing.assert_allclose(lb.grad_b, backend.to_numpy(gb), rtol=1e-14)
        # ∂C/∂W = δᵀ·x: the forward pass supplies x, the backward pass δ.
        np.testing.assert_allclose(lb.grad_W, lb.delta.T @ lb.x, rtol=1e-12)
    np.testing.assert_allclose(layers[0].sigma_prime, layers[0].a * (1 - layers[0].a), rtol=1e-14)
    assert layers[-1].sigma_prime is None   # softmax has no elementwise σ′
    # The backward pass: δ below = σ′(z) · (δ above · W).
    W2 = model.layers[1].get_weights()[0]
    np.testing.assert_allclose(layers[0].delta, layers[0].sigma_prime * (layers[1].delta @ W2), rtol=1e-12)
    # Fused softmax + cross-entropy: δ_out = y − ŷ.
    np.testing.assert_allclose(layers[-1].delta, layers[-1].a - np.eye(3)[y], rtol=1e-14, atol=1e-16)


def test_fused_loss_stays_finite_for_saturated_outputs(xp_backend):
    model = Sequential([Dense(1, 2, activation="softmax", weights=[[1000.0], [-1000.0]], dtype="float64")])
    loss, grads = model.loss_and_grads(np.array([[1.0]]), np.array([1]))
    assert loss == pytest.approx(2000.0)
    np.testing.assert_allclose(backend.to_numpy(grads[0]), [[1.0], [-1.0]])


def test_model_validation_names_the_problem():
    with pytest.raises(ValueError, match=r"Received: layers=\[\]"):
        Sequential([])
    with pytest.raises(ValueError, match="layer 2 expects 5 inputs, but layer 1 has 4 neurons"):
        Sequential([Dense(3, 4), Dense(5, 2)])
    with pytest.raises(ValueError, match="layer 1 must be a nnlib.Dense. Received: 'relu'"):
        Sequential([Dense(3, 4), "relu"])
    with pytest.raises(ValueError, match=r"Received: \['float32', 'float64'\]"):
        Sequential([Dense(3, 4), Dense(4, 2, dtype="float64")])
    with pytest.raises(ValueError, match="loss identifier: 'hinge'"):
        Sequential([Dense(3, 4)], loss="hinge")


def test_copy_set_and_get_weights(xp_backend):
    model = small_model(dtype="float32")
    clone = model.copy("float64")
    assert clone.dtype == "float64" and model.dtype == "float32"
    for p, q in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(p.astype(np.float64), q)
    clone.set_weights([np.zeros_like(w) for w in clone.get_weights()])
    assert all(np.any(w != 0) for w in model.get_weights()[::2])  # the original is untouched
    with pytest.raises(ValueError, match="expected 6 arrays.*Received 2"):
        model.set_weights(model.get_weights()[:2])


def test_repr_lists_layers_and_parameter_count():
    text = repr(small_model())
    assert text.splitlines() == [
        "Sequential(loss=cross_entropy, params=59, dtype=float64)",
        "  1: Dense(3 → 4, activation=relu, params=16)",
        "  2: Dense(4 → 5, activation=tanh, params=25)",
        "  3: Dense(5 → 3, activation=softmax, params=18)",
    ]


def test_forward_backward_and_example_losses_are_the_public_core(xp_backend):
    model = small_model()
    X, y = data()
    Xb, T = model.check_data(X, y)
    assert model.check_data(X)[1] is None and tuple(T.shape) == (6, 3)
    cache = model.forward(Xb)
    assert [tuple(t.z.shape) for t in cache] == [(6, 4), (6, 5), (6, 3)] and cache[1].x is cache[0].a
    for reduction in ("mean", "sum"):
        grads, deltas = model.backward(cache, T, reduction)
        loss, expected = model.loss_and_grads(X, y, reduction)
        for g, h in zip(grads, expected):
            np.testing.assert_array_equal(backend.to_numpy(g), backend.to_numpy(h))
        assert [tuple(d.shape) for d in deltas] == [(6, 4), (6, 5), (6, 3)]
        per_example = backend.to_numpy(model.example_losses(cache[-1].z, cache[-1].a, T))
        np.testing.assert_allclose(per_example.sum() / (6 if reduction == "mean" else 1), loss, rtol=1e-14)
    with pytest.raises(ValueError, match="Received: reduction='max'"):
        model.backward(cache, T, "max")


# --- the API's edges (issue 13): a TypeError or ValueError that names what was received -------------
@pytest.mark.parametrize("call, error, message", [
    (lambda m, X, y: m.predict(None), TypeError, "X must be an array of real numbers. Received: X=None"),
    (lambda m, X, y: m.trace(None), TypeError, "X must be an array of real numbers. Received: X=None"),
    (lambda m, X, y: m.predict("abc"), TypeError, "X must be an array of real numbers. Received: X='abc'"),
    (lambda m, X, y: m.predict([[1, 2, 3], [4]]), ValueError,
     "X must be a rectangular array of numbers: every row the same length. Received: X=[[1, 2, 3], [4]]"),
    (lambda m, X, y: m.predict(np.full((1, 3), 1j)), TypeError,
     "X must be an array of real numbers. Received: X=array([[0.+1.j, 0.+1.j, 0.+1.j]])"),
    (lambda m, X, y: m.loss_and_grads(X, None), TypeError,
     "y must be class labels (N,) or one-hot rows (N, 3). Received: y=None"),
    (lambda m, X, y: m.backprop(X, None), TypeError,
     "y must be class labels (N,) or one-hot rows (N, 3). Received: y=None"),
    (lambda m, X, y: m.evaluate(X, None), TypeError,
     "y must be class labels (N,) or one-hot rows (N, 3). Received: y=None"),
    (lambda m, X, y: m.loss_and_grads(np.zeros((0, 3)), []), ValueError,
     "reduction='mean' averages over the examples, so it needs at least one. Received: X with shape (0, 3)"),
    (lambda m, X, y: m.loss_and_grads(X[:2], [2**70, 0]), ValueError,
     "labels must lie in 0..2. Received labels from 0 to 1.18059e+21 in y."),
    (lambda m, X, y: m.loss_and_grads(X[:2], [-2**70, 0]), ValueError,
     "labels must lie in 0..2. Received labels from -1.18059e+21 to 0 in y."),
    (lambda m, X, y: m.loss_and_grads(X[:2], [np.nan, 0]), ValueError,
     "y must hold integer class labels. Received: y[0]=nan"),
    (lambda m, X, y: m.loss_and_grads(X[:1], [[np.nan, 0, 1]]), ValueError,
     "y must hold finite numbers that fit in float32. Received: y[0, 0]=nan"),
    (lambda m, X, y: m.loss_and_grads(X[:1], [[0, 1e39, 1]]), ValueError,
     "y must hold finite numbers that fit in float32. Received: y[0, 1]=1e+39"),
    (lambda m, X, y: m.predict(np.full((1, 3), 1e300)), ValueError,
     "X must hold finite numbers that fit in float32. Received: X[0, 0]=1e+300"),
])
def test_edge_arguments_get_errors_that_name_them(call, error, message):
    X, y = data()
    with pytest.raises(error) as refused:
        call(small_model(dtype="float32"), X, y)
    assert str(refused.value) == message


def test_an_empty_batch_is_fine_where_nothing_divides_by_its_size():
    model = small_model()
    assert model.predict(np.zeros((0, 3))).shape == (0, 3)
    loss, grads = model.loss_and_grads(np.zeros((0, 3)), [], reduction="sum")
    assert loss == 0.0 and all(not np.any(backend.to_numpy(g)) for g in grads)
    assert model.evaluate(np.zeros((0, 3)), []).n == 0
