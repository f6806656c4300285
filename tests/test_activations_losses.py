"""Activations and losses: values against plain-NumPy formulas, derivatives, registries."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnlib import activations, backend, losses, optimizers

Z = np.array([[-30.0, -2.0, -0.5, 0.0], [0.25, 1.0, 3.0, 40.0]])

FORMULAS = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "linear": lambda z: z,
}


def _dev(a):
    return backend.asarray(np.asarray(a, dtype=np.float64), "float64")


@pytest.mark.parametrize("name", list(FORMULAS))
def test_elementwise_activation_values(xp_backend, name):
    act = activations.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # exp overflow in the reference sigmoid
        expected = FORMULAS[name](Z)
    np.testing.assert_allclose(backend.to_numpy(act(_dev(Z))), expected, rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "linear"])
def test_smooth_derivatives_match_central_differences(xp_backend, name):
    act = activations.get(name)
    z = np.linspace(-4, 4, 17)[None, :]
    h = 1e-6
    numeric = (backend.to_numpy(act(_dev(z + h))) - backend.to_numpy(act(_dev(z - h)))) / (2 * h)
    zd = _dev(z)
    np.testing.assert_allclose(backend.to_numpy(act.derivative(zd, act(zd))), numeric, rtol=1e-7, atol=1e-9)


def test_relu_derivative_and_backward_use_the_sign_of_z(xp_backend):
    relu = activations.get("relu")
    z = _dev([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(backend.to_numpy(relu.derivative(z, relu(z))), [[0.0, 0.0, 1.0]])
    grad = _dev([[5.0, 6.0, 7.0]])
    np.testing.assert_array_equal(backend.to_numpy(relu.backward(z, relu(z), grad)), [[0.0, 0.0, 7.0]])


def test_sigmoid_is_stable_for_huge_inputs(xp_backend):
    sig = activations.get("sigmoid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        out = backend.to_numpy(sig(_dev([[-1000.0, 1000.0]])))
    np.testing.assert_array_equal(out, [[0.0, 1.0]])


def test_softmax_values_rows_and_stability(xp_backend):
    soft = activations.get("softmax")
    z = np.array([[3.0, 1.0, -3.0], [1000.0, 1000.0, -1000.0]])
    out = backend.to_numpy(soft(_dev(z)))
    e = np.exp(z[0] - z[0].max())
    np.testing.assert_allclose(out[0], e / e.sum(), rtol=1e-15)
    np.testing.assert_allclose(out[1], [0.5, 0.5, 0.0], atol=1e-300)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-15)
    # The lecture's example: softmax(3, 1, −3) ≈ (0.88, 0.12, 0.00).
    np.testing.assert_allclose(np.round(out[0], 2), [0.88, 0.12, 0.0])


def test_softmax_backward_is_the_full_jacobian_product(xp_backend):
    soft = activations.get("softmax")
    rng = np.random.default_rng(3)
    z, g = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    y = backend.to_numpy(soft(_dev(z)))
    expected = np.stack([(np.diag(yn) - np.outer(yn, yn)) @ gn for yn, gn in zip(y, g)])
    got = backend.to_numpy(soft.backward(_dev(z), _dev(y), _dev(g)))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="no elementwise derivative"):
        soft.derivative(_dev(z), _dev(y))


def test_activation_registry_names_and_errors():
    assert activations.get("ReLU ").name == "relu"
    assert activations.get("logistic").name == "sigmoid"
    assert activations.get(None).name == "linear"
    assert activations.get(activations.REGISTRY["tanh"]) is activations.REGISTRY["tanh"]
    for bad in ("swish", 3, ""):
        with pytest.raises(ValueError, match=f"activation function identifier: {bad!r}"):
            activations.get(bad)


def test_cross_entropy_per_example_and_gradient(xp_backend):
    ce = losses.get("cross_entropy")
    y = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    t = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(backend.to_numpy(ce.per_example(_dev(y), _dev(t))), [-np.log(0.7), -np.log(0.1)],
                               rtol=1e-15)
    np.testing.assert_allclose(backend.to_numpy(ce.grad(_dev(y), _dev(t))), -t / y, rtol=1e-15)


def test_fused_cross_entropy_equals_the_plain_one_and_stays_finite(xp_backend):
    ce = losses.get("cross_entropy")
    soft = activations.get("softmax")
    rng = np.random.default_rng(0)
    z = rng.normal(scale=3.0, size=(6, 4))
    t = np.eye(4)[rng.integers(0, 4, 6)]
    fused = backend.to_numpy(ce.per_example_from_logits(_dev(z), _dev(t)))
    plain = backend.to_numpy(ce.per_example(soft(_dev(z)), _dev(t)))
    np.testing.assert_allclose(fused, plain, rtol=1e-12)
    # Logits far apart: the true loss is 2000, which the clipped plain form cannot reach.
    huge = backend.to_numpy(ce.per_example_from_logits(_dev([[1000.0, -1000.0]]), _dev([[0.0, 1.0]])))
    np.testing.assert_allclose(huge, [2000.0], rtol=1e-15)


def test_mse_values_and_gradient(xp_backend):
    mse = losses.get("mse")
    y, t = np.array([[0.5, 1.0], [2.0, -1.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(backend.to_numpy(mse.per_example(_dev(y), _dev(t))), [0.125, 2.5], rtol=1e-15)
    np.testing.assert_allclose(backend.to_numpy(mse.grad(_dev(y), _dev(t))), (y - t), rtol=1e-15)


def test_loss_and_optimizer_registries_name_unknown_values():
    assert losses.get("categorical_crossentropy").name == "cross_entropy"
    assert losses.get("mean_squared_error").name == "mse"
    with pytest.raises(ValueError, match="loss identifier: 'hinge'"):
        losses.get("hinge")
    with pytest.raises(ValueError, match="loss identifier: None"):
        losses.get(None)
    assert isinstance(optimizers.get("gradient descent"), optimizers.GradientDescent)
    with pytest.raises(ValueError, match="optimizer identifier: 'rmsprop'"):
        optimizers.get("rmsprop")


def test_softplus_is_stable_and_its_derivative_is_the_sigmoid(xp_backend):
    z = np.linspace(-6, 6, 25)
    h = 1e-6
    numeric = (backend.to_numpy(activations.softplus(_dev(z + h)))
               - backend.to_numpy(activations.softplus(_dev(z - h)))) / (2 * h)
    np.testing.assert_allclose(numeric, backend.to_numpy(activations.sigmoid(_dev(z))), rtol=1e-7, atol=1e-9)
    huge = backend.to_numpy(activations.softplus(_dev([-800.0, 0.0, 800.0])))
    np.testing.assert_allclose(huge, [0.0, np.log(2.0), 800.0], rtol=1e-15)
    np.testing.assert_array_equal(backend.to_numpy(activations.sigmoid(_dev(Z))),
                                  backend.to_numpy(activations.get("sigmoid")(_dev(Z))))
