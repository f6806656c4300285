"""lessons.explain: the numbers a lesson shows are nnlib's own, arranged for reading."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from lessons import explain
from lessons.grid import plane_grid
from ui.views import latex


def test_matrix_form_shows_the_trace_of_the_lecture_network():
    model = nnlib.presets.lecture_network()
    trace = model.trace(np.array([[1.0, -1.0]]))
    tex = latex.matrix_form_latex(model, [1.0, -1.0])
    assert len(tex) == 3
    for l, (t, s) in enumerate(zip(trace, tex), start=1):
        assert f"a^{{{l}}}" in s and r"\sigma" in s
        z_block = latex.matrix_latex(t.z[0])
        a_block = latex.matrix_latex(t.a[0])
        assert z_block in s and a_block in s
    # The slide's first layer: z = (4, -2), a = (0.98, 0.12).
    assert r"\begin{bmatrix}4 \\ {-}2\end{bmatrix}" in tex[0]
    assert r"\begin{bmatrix}0.98 \\ 0.12\end{bmatrix}" in tex[0]
    assert "a^{1}" in tex[1] and "a^{2}" in tex[2]  # each layer's input is the previous layer's output


def test_latex_numbers_are_short_and_have_no_negative_zero():
    assert latex.latex_number(-0.001) == "0"
    assert latex.latex_number(-1.5) == "{-}1.5"
    assert latex.latex_number(0.9820137) == "0.98" and latex.latex_number(100.0) == "100"
    assert latex.matrix_latex([[1, -2]]) == r"\begin{bmatrix}1 & {-}2\end{bmatrix}"


def test_softmax_of_the_lecture_example(xp_backend):
    y = explain.softmax_values([3.0, 1.0, -3.0])
    assert np.round(y, 2).tolist() == [0.88, 0.12, 0.0]
    assert y.sum() == pytest.approx(1.0)
    e = explain.exponentials([3.0, 1.0, -3.0])
    np.testing.assert_allclose(e / e.sum(), y)


def test_cross_entropy_terms_add_up_to_the_library_loss(xp_backend):
    y = explain.softmax_values([3.0, 1.0, -3.0])
    for target in range(3):
        terms = explain.cross_entropy_terms(y, target)
        assert terms.shape == (3,)
        assert all(terms[i] == 0.0 for i in range(3) if i != target)
        assert not np.signbit(terms).any()  # no "-0.000" in a table
        assert terms.sum() == pytest.approx(-np.log(y[target]))
        onehot = nnlib.backend.asarray(np.eye(3)[[target]], "float64")
        c = nnlib.losses.get("cross_entropy").per_example(nnlib.backend.asarray(y[None, :], "float64"), onehot)
        assert terms.sum() == pytest.approx(float(nnlib.backend.to_numpy(c)[0]))
    with pytest.raises(ValueError, match="target must be a class from 0 to 2"):
        explain.cross_entropy_terms(y, 3)


def test_top_contributors_are_the_largest_losses_with_their_share():
    losses = np.array([0.1, 3.0, 0.5, 2.0, 0.4])
    top = explain.top_contributors(losses, k=2)
    assert top.index.tolist() == [1, 3]
    assert top.loss.tolist() == [3.0, 2.0]
    assert top.total == pytest.approx(6.0)
    np.testing.assert_allclose(top.share, [0.5, 2 / 6])
    assert explain.top_contributors(losses, k=99).index.shape == (5,)


def test_multiply_adds_count_every_weight_once_per_input():
    assert explain.multiply_adds([2, 2, 2, 2]) == 12
    assert explain.multiply_adds([256, 128, 10]) == 256 * 128 + 128 * 10


def test_random_function_is_seeded_and_scaled():
    spec = nnlib.NetworkSpec(hidden=(64,), activation="tanh")
    a, b = explain.random_function(spec, 3), explain.random_function(spec, 3)
    c = explain.random_function(spec, 4)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])
    W2 = explain.random_function(spec, 5, scale=3.0).get_weights()[2]  # (2, 64): std ≈ 3/√64
    assert 0.25 < W2.std() < 0.5
    with pytest.raises(ValueError, match="scale must be positive"):
        explain.random_function(spec, 0, scale=0.0)


def test_batched_beats_one_input_at_a_time():
    model = nnlib.NetworkSpec(hidden=(8, 8)).build(seed=0)
    X = np.random.default_rng(0).uniform(-1, 1, size=(400, 2))
    batched, one_by_one = explain.time_batched_vs_one_by_one(model, X, loop_limit=50)
    assert 0 < batched < one_by_one  # 50 separate calls cost more per input than one matrix chain


def test_the_parameter_count_formula_adds_up_to_the_count():
    spec = nnlib.NetworkSpec(n_in=2, hidden=(4, 4, 6), n_out=2)
    formula = explain.count_params_formula(spec.sizes)
    assert formula == "(2+1)·4 + (4+1)·4 + (4+1)·6 + (6+1)·2"
    assert sum(eval(term.replace("·", "*")) for term in formula.split(" + ")) == spec.count_params() == 76


def test_a_function_set_draws_members_and_their_grids():
    spec = nnlib.NetworkSpec(n_in=2, hidden=(3,), n_out=2)
    fs = explain.function_set(spec, first_seed=12, scale=2.0, draws=3, resolution=10)
    assert fs.seeds == [12, 13, 14] and fs.inputs == 3 * 100 and fs.seconds >= 0
    again = explain.random_function(spec, 13, 2.0)
    for a, b in zip(fs.models[1].get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(fs.grids[1].class_probability(), plane_grid(again, resolution=10).class_probability())


def test_grid_points_are_the_rows_each_map_was_computed_from():
    model = nnlib.NetworkSpec(n_in=2, hidden=(3,), n_out=2).build(seed=0)
    grid = plane_grid(model, resolution=5)
    points = grid.points()
    assert points.shape == (25, 2) and points[1].tolist() == [grid.xs[1], grid.ys[0]]  # row = y, column = x
    np.testing.assert_allclose(model.predict(points)[:, 1].reshape(5, 5), grid.class_probability(), rtol=1e-5)


def test_true_class_probabilities_pick_each_examples_own_class():
    probabilities = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]])
    np.testing.assert_array_equal(explain.true_class_probabilities(probabilities, [0, 0, 1]), [0.9, 0.3, 0.4])
