"""lessons.descent: the two-parameter model whose gradient-descent path the Step 3 page draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons import descent
from lessons.descent import TINY_DATA, OneNeuron, descent_path, loss_surface


def direct_loss(problem: OneNeuron, w: float, b: float) -> float:
    """The textbook formula −Σ[ŷ ln y + (1 − ŷ) ln(1 − y)], written out independently."""
    x, t = np.array(problem.x), np.array(problem.t)
    y = 1.0 / (1.0 + np.exp(-(w * x + b)))
    return float(-np.sum(t * np.log(y) + (1 - t) * np.log(1 - y)))


def test_loss_matches_the_cross_entropy_formula(xp_backend):
    for w, b in [(0.0, 0.0), (1.0, 2.0), (-2.5, 3.0), (1.55, -2.98)]:
        assert float(TINY_DATA.loss(w, b)) == pytest.approx(direct_loss(TINY_DATA, w, b), rel=1e-12)
    # At θ = 0 every y is 0.5, so each example costs ln 2.
    assert float(TINY_DATA.loss(0.0, 0.0)) == pytest.approx(8 * np.log(2.0))


def test_loss_stays_finite_where_the_neuron_saturates(xp_backend):
    # z = 500·x: σ(z) rounds to exactly 0 or 1, so ln y would be −inf; softplus keeps it exact.
    loss = float(TINY_DATA.loss(500.0, 0.0))
    assert np.isfinite(loss)
    # Only the misfits cost anything: the 0s at x = 0.8 and x = 2.4 cost z each, x = 0 costs ln 2.
    assert loss == pytest.approx(500 * (0.8 + 2.4) + np.log(2.0), rel=1e-9)


def test_gradient_matches_central_differences(xp_backend):
    eps = 1e-6
    for w, b in [(0.3, -0.7), (-2.0, 2.0), (4.0, -6.0)]:
        g = TINY_DATA.gradient(w, b)
        dw = (TINY_DATA.loss(w + eps, b) - TINY_DATA.loss(w - eps, b)) / (2 * eps)
        db = (TINY_DATA.loss(w, b + eps) - TINY_DATA.loss(w, b - eps)) / (2 * eps)
        np.testing.assert_allclose(g, [dw, db], rtol=1e-6, atol=1e-8)


def test_every_step_is_theta_minus_rate_times_gradient(xp_backend):
    path = descent_path(TINY_DATA, start=(-2.0, 2.0), learning_rate=0.1, steps=25)
    assert path.thetas.shape == (26, 2) and path.losses.shape == (26,) and path.gradients.shape == (26, 2)
    assert path.steps == 25 and not path.diverged
    for k in range(path.steps):
        expected = path.thetas[k] - 0.1 * TINY_DATA.gradient(*path.thetas[k])
        np.testing.assert_array_equal(path.thetas[k + 1], expected)
        np.testing.assert_array_equal(path.gradients[k], TINY_DATA.gradient(*path.thetas[k]))
        assert path.losses[k] == pytest.approx(float(TINY_DATA.loss(*path.thetas[k])), rel=1e-12)
    np.testing.assert_array_equal(path.thetas[0], [-2.0, 2.0])


def test_small_rate_lowers_the_loss_every_step_and_reaches_the_minimum():
    path = descent_path(TINY_DATA, start=(-2.0, 2.0), learning_rate=0.1, steps=3000)
    assert np.all(np.diff(path.losses[:200]) < 0)
    assert np.all(np.diff(path.losses) <= 1e-12)  # later steps are below float resolution
    w_best, b_best = TINY_DATA.minimum()
    np.testing.assert_allclose(path.thetas[-1], [w_best, b_best], atol=1e-3)
    np.testing.assert_allclose(TINY_DATA.gradient(w_best, b_best), [0.0, 0.0], atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(w=st.floats(-3, 5), b=st.floats(-8, 4), rate=st.floats(0.001, 0.1))
def test_any_start_goes_downhill_with_a_safe_rate(w, b, rate):
    # ∇L is Lipschitz with constant ≤ ¼·λmax(Σ [x 1]ᵀ[x 1]) ≈ 14.6 here, so any η < 2/14.6 descends.
    path = descent_path(TINY_DATA, start=(w, b), learning_rate=rate, steps=20)
    assert np.all(np.diff(path.losses) <= 1e-12)


def test_too_large_a_rate_overshoots():
    path = descent_path(TINY_DATA, start=(-2.0, 2.0), learning_rate=1.0, steps=40)
    assert np.any(np.diff(path.losses) > 0), "with η = 1 the path should bounce across the valley"
    assert np.max(path.losses[-10:]) > float(TINY_DATA.loss(*TINY_DATA.minimum())) + 1.0


def test_zero_steps_is_just_the_start():
    path = descent_path(TINY_DATA, start=(1.0, 1.0), learning_rate=0.1, steps=0)
    assert path.thetas.tolist() == [[1.0, 1.0]] and path.gradients.shape == (1, 2)


def test_loss_surface_grid_orientation(xp_backend):
    surface = loss_surface(TINY_DATA, w_range=(-1.0, 3.0), b_range=(-4.0, 0.0), resolution=5)
    assert surface.ws.tolist() == [-1.0, 0.0, 1.0, 2.0, 3.0]
    assert surface.bs.tolist() == [-4.0, -3.0, -2.0, -1.0, 0.0]
    assert surface.loss.shape == (5, 5)
    # Row = b, column = w (what plotly's contour expects).
    assert surface.loss[1, 3] == pytest.approx(direct_loss(TINY_DATA, 2.0, -3.0), rel=1e-12)


def test_predict_is_the_sigmoid_of_wx_plus_b(xp_backend):
    np.testing.assert_allclose(TINY_DATA.predict(2.0, -1.0, [0.0, 0.5, 1.0]),
                               1 / (1 + np.exp(-np.array([-1.0, 0.0, 1.0]))), rtol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"learning_rate": 0.0}, "learning_rate must be a positive number"),
    ({"learning_rate": float("nan")}, "learning_rate must be a positive number"),
    ({"steps": -1}, "steps must be a whole number"),
    ({"steps": 2.5}, "steps must be a whole number"),
    ({"start": (1.0,)}, "start must be two finite numbers"),
    ({"start": (float("inf"), 0.0)}, "start must be two finite numbers"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        descent_path(TINY_DATA, **kwargs)


def test_bad_data_is_refused():
    with pytest.raises(ValueError, match="same number"):
        OneNeuron(x=(1.0, 2.0), t=(1,))
    with pytest.raises(ValueError, match="targets must be 0 or 1"):
        OneNeuron(x=(1.0,), t=(0.5,))
    with pytest.raises(ValueError, match="no minimum"):
        OneNeuron(x=(1.0, 2.0), t=(1, 1)).minimum()
    with pytest.raises(ValueError, match="resolution"):
        loss_surface(TINY_DATA, resolution=1)
    with pytest.raises(ValueError, match="w_range"):
        loss_surface(TINY_DATA, w_range=(2.0, 1.0))


def test_module_has_no_streamlit_or_cupy_imports():
    source = Path(descent.__file__).read_text()
    assert "import streamlit" not in source and "import cupy" not in source
