"""Reading a digit (probabilities, "not sure"), and teaching one example with one gradient step."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from nnlib.digits import cross_entropy, read, reading_from, teach
from nnlib.digits.evaluation import confusion_matrix, report
from nnlib.digits.reading import UNSURE_ENTROPY, UNSURE_TOP, entropy


def small_model(seed=0):
    return nnlib.NetworkSpec(n_in=256, hidden=(16,), n_out=10, activation="relu").build(seed=seed)


def example(seed=1):
    return np.random.default_rng(seed).uniform(0, 1, 256).astype(np.float32)


def test_entropy_in_nats():
    assert entropy(np.full(10, 0.1)) == pytest.approx(np.log(10))
    assert entropy(np.eye(10)[3]) == 0.0
    assert entropy([0.5, 0.5]) == pytest.approx(np.log(2))


def test_a_confident_reading():
    p = np.array([0.01] * 9 + [0.91])
    r = reading_from(p)
    assert r.digit == 9 and r.candidates[0] == 9 and r.confidence == pytest.approx(0.91)
    assert not r.unsure


def test_low_top_probability_is_unsure_and_names_two_candidates():
    p = np.array([0.0, 0.0, 0.0, 0.0, 0.45, 0.0, 0.0, 0.0, 0.0, 0.55])
    r = reading_from(p)
    assert r.confidence < UNSURE_TOP and r.unsure and r.candidates == (9, 4)


def test_high_entropy_is_unsure_even_with_a_clear_leader():
    p = np.array([0.61] + [0.39 / 9] * 9)
    r = reading_from(p)
    assert r.confidence >= UNSURE_TOP and r.entropy > UNSURE_ENTROPY and r.unsure


def test_read_uses_the_model_softmax():
    model, x = small_model(), example()
    r = read(model, x)
    np.testing.assert_allclose(r.probabilities, model.predict(x[None, :])[0], rtol=1e-6)
    assert r.probabilities.sum() == pytest.approx(1.0, abs=1e-6)
    d = r.as_dict()
    assert d["digit"] == r.digit and len(d["probabilities"]) == 10


def test_cross_entropy_is_minus_log_of_the_labels_probability():
    model, x = small_model(), example()
    p = read(model, x).probabilities
    for label in (0, 7):
        assert cross_entropy(model, x, label) == pytest.approx(-np.log(p[label]), rel=1e-5)


def test_one_gradient_step_lowers_this_examples_loss():
    model, x = small_model(), example()
    result = teach(model, x, 3, learning_rate=0.1)
    assert result.loss_after < result.loss_before
    assert result.after.probabilities[3] > result.before.probabilities[3]
    assert result.loss_before == pytest.approx(-np.log(result.before.probabilities[3]), rel=1e-5)
    assert result.loss_after == pytest.approx(cross_entropy(model, x, 3), rel=1e-6)
    assert result.gradient_norm > 0


def test_the_step_is_exactly_theta_minus_eta_grad():
    model, x = small_model(), example()
    before = model.get_weights()
    _, grads = model.loss_and_grads(x[None, :], [5])
    teach(model, x, 5, learning_rate=0.3)
    for w0, g, w1 in zip(before, grads, model.get_weights()):
        np.testing.assert_allclose(w1, w0 - 0.3 * nnlib.backend.to_numpy(g), rtol=1e-5, atol=1e-7)


def test_teaching_a_copy_leaves_the_shared_model_alone():
    shared, x = small_model(), example()
    snapshot = shared.get_weights()
    own = shared.copy()
    teach(own, x, 2, learning_rate=1.0)
    for a, b in zip(snapshot, shared.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(snapshot, own.get_weights()))


@pytest.mark.parametrize("label", [-1, 10, 2.0, True, "3"])
def test_teach_rejects_a_label_that_is_not_a_digit(label):
    with pytest.raises(ValueError, match="label must be a digit"):
        teach(small_model(), example(), label)


def test_confusion_matrix_and_report():
    cm = confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], n_classes=3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 1]])
    model = small_model()
    X = np.stack([example(s) for s in range(30)])
    y = np.arange(30) % 10
    rep = report(model, X, y)
    assert rep.n == 30 and rep.confusion.sum() == 30
    assert rep.accuracy == pytest.approx(np.mean(rep.predicted == y))
    np.testing.assert_array_equal(np.sort(rep.wrong), np.flatnonzero(rep.predicted != y))
    assert np.all(np.diff(rep.confidence[rep.wrong]) <= 0)  # most confident mistakes first


def test_reading_teaching_and_training_run_on_every_backend(xp_backend):
    from dataclasses import replace

    from nnlib import datasets
    from nnlib.digits.model import DEFAULT_CONFIG, train_digit_model

    (X, y), _ = datasets.digits()
    model = train_digit_model(X[:200], y[:200], replace(DEFAULT_CONFIG, hidden=(16,), epochs=2))
    x = X[0]
    r = read(model, x)
    assert r.probabilities.shape == (10,) and abs(r.probabilities.sum() - 1) < 1e-5
    result = teach(model, x, int(y[0]), learning_rate=0.1)
    assert result.loss_after < result.loss_before
    assert report(model, X[:50], y[:50]).confusion.sum() == 50


def test_a_read_only_model_refuses_training_but_its_copy_learns():
    from nnlib.digits.model import read_only

    shared, x = read_only(small_model()), example()
    with pytest.raises(ValueError, match="read-only"):
        teach(shared, x, 1)
    read(shared, x)  # reading is fine
    own = shared.copy()
    assert teach(own, x, 1).loss_after < cross_entropy(shared, x, 1)


# --- edges (issue 13): a clear TypeError or ValueError, never NaN shown as a digit --------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda: confusion_matrix([12], [1]), ValueError,
     "y_true must hold class labels, whole numbers from 0 to 9. Received: y_true[0]=12"),
    (lambda: confusion_matrix([3, -1], [1, 1]), ValueError,
     "y_true must hold class labels, whole numbers from 0 to 9. Received: y_true[1]=-1"),
    (lambda: confusion_matrix([1], [1.5]), ValueError,
     "y_pred must hold class labels, whole numbers from 0 to 9. Received: y_pred[0]=1.5"),
    (lambda: confusion_matrix([2**70], [1]), ValueError,
     "y_true must hold class labels, whole numbers from 0 to 9. Received: y_true[0]=1.1805916207174113e+21"),
    (lambda: confusion_matrix(None, [1]), TypeError, "y_true must be an array of real numbers. Received: y_true=None"),
    (lambda: confusion_matrix([[1]], [[1]]), ValueError,
     "y_true must be one label per example (N,). Received shape (1, 1)."),
    (lambda: confusion_matrix([1], [1], n_classes=0), ValueError,
     "n_classes must be a positive whole number. Received: n_classes=0"),
    (lambda: report(small_model(), np.stack([example()] * 2), [1]), ValueError,
     "y must hold one label per row of X (2). Received shape (1,)."),
    (lambda: reading_from([np.nan] * 10), ValueError,
     "probabilities must be finite numbers; NaN or infinity means the network's outputs overflowed, "
     "so there is no reading. Received: probabilities[0]=nan"),
    (lambda: reading_from([1.0]), ValueError,
     "probabilities must hold at least two values (one per class). Received shape (1,)."),
    (lambda: reading_from(None), TypeError,
     "probabilities must be an array of real numbers. Received: probabilities=None"),
    (lambda: read(small_model(), None), TypeError, "x must be an array of real numbers. Received: x=None"),
    (lambda: read(small_model(), np.zeros(3)), ValueError,
     "x must be one input of shape (256,). Received shape (3,)."),
    (lambda: read(None, example()), TypeError, "model must be a nnlib.Sequential. Received: model=None"),
])
def test_edge_arguments_get_errors_that_name_them(call, error, message):
    with pytest.raises(error) as refused:
        call()
    assert str(refused.value) == message


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_a_network_whose_outputs_overflow_has_no_reading():
    model = small_model()
    model.layers[0].set_weights(np.full((16, 256), 3e38))   # finite, but every sum overflows float32
    with pytest.raises(ValueError, match=r"^probabilities must be finite numbers; NaN or infinity"):
        read(model, example())
