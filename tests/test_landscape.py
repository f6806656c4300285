"""lessons.landscape: the loss over two parameters equals evaluating the model with those parameters set."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from lessons.landscape import ParamRef, loss_landscape, parameter_refs


def _setup(dtype="float64"):
    model = nnlib.NetworkSpec(hidden=(3,), activation="tanh").build(seed=1, dtype=dtype)
    (X, y), _ = nnlib.datasets.toy("xor", n=40, noise=0.05, seed=2)
    return model, X, y


def _loss_with(model, X, y, settings, reduction="sum"):
    """The slow, obvious way: copy the model, set the parameters, evaluate."""
    clone = model.copy()
    for ref, value in settings:
        W, b = clone.layers[ref.layer].get_weights()
        W, b = W.copy(), b.copy()
        if ref.col is None:
            b[ref.row] = value
        else:
            W[ref.row, ref.col] = value
        clone.layers[ref.layer].set_weights(W, b)
    ev = clone.evaluate(X, y)
    return ev.total_loss if reduction == "sum" else ev.mean_loss


def test_grid_matches_one_by_one_evaluation(xp_backend):
    model, X, y = _setup()
    p, q = ParamRef(0, 1, 0), ParamRef(1, 1)  # a first-layer weight and an output bias
    land = loss_landscape(model, X, y, p, q, span=2.0, resolution=7)
    assert land.loss.shape == (7, 7)
    for r, c in [(0, 0), (3, 3), (6, 2), (1, 5)]:
        expected = _loss_with(model, X, y, [(p, land.p_values[c]), (q, land.q_values[r])])
        assert land.loss[r, c] == pytest.approx(expected, rel=1e-9)


def test_current_theta_sits_at_the_centre_with_the_models_own_loss(xp_backend):
    model, X, y = _setup()
    p, q = ParamRef(0, 0, 1), ParamRef(0, 2, 0)  # two weights of the same layer
    land = loss_landscape(model, X, y, p, q, span=1.0, resolution=5)
    assert land.theta == (p.get(model), q.get(model))
    assert land.p_values[2] == pytest.approx(land.theta[0]) and land.q_values[2] == pytest.approx(land.theta[1])
    assert land.loss_at_theta == pytest.approx(model.evaluate(X, y).total_loss, rel=1e-9)
    assert land.loss[2, 2] == pytest.approx(land.loss_at_theta, rel=1e-9)


def test_mean_is_total_over_n_and_chunking_changes_nothing():
    model, X, y = _setup("float32")
    p, q = ParamRef(0, 0, 0), ParamRef(1, 0, 2)
    whole = loss_landscape(model, X, y, p, q, resolution=9)
    chunked = loss_landscape(model, X, y, p, q, resolution=9, max_elements=50)  # a few grid points per chunk
    mean = loss_landscape(model, X, y, p, q, resolution=9, reduction="mean")
    np.testing.assert_allclose(whole.loss, chunked.loss, rtol=1e-6)
    np.testing.assert_allclose(mean.loss * len(y), whole.loss, rtol=1e-6)
    assert mean.reduction == "mean" and whole.loss_at_theta == pytest.approx(model.evaluate(X, y).total_loss, rel=1e-5)


def test_model_is_not_changed():
    model, X, y = _setup()
    before = model.get_weights()
    loss_landscape(model, X, y, ParamRef(0, 0, 0), ParamRef(0, 0), resolution=4)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_parameter_refs_cover_every_parameter_and_read_it():
    model, _, _ = _setup()
    refs = parameter_refs(model)
    assert len(refs) == model.count_params() == len(set(refs))
    flat = np.concatenate([w.ravel() for w in model.get_weights()])
    assert sorted(r.get(model) for r in refs) == pytest.approx(sorted(flat))
    assert refs[0].label.startswith("w¹₁,₁") and "bias of layer 1, neuron 1" in ParamRef(0, 0).label
    assert len(parameter_refs(model, limit=5)) == 5


def test_bad_requests_get_clear_errors():
    model, X, y = _setup()
    p = ParamRef(0, 0, 0)
    with pytest.raises(ValueError, match="two different parameters"):
        loss_landscape(model, X, y, p, p)
    with pytest.raises(ValueError, match="not a parameter"):
        loss_landscape(model, X, y, p, ParamRef(5, 0, 0))
    with pytest.raises(ValueError, match="resolution"):
        loss_landscape(model, X, y, p, ParamRef(0, 1, 0), resolution=1)
    with pytest.raises(ValueError, match="reduction"):
        loss_landscape(model, X, y, p, ParamRef(0, 1, 0), reduction="max")
