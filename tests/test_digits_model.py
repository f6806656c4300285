"""The default digit model: accuracy bars, caching, determinism, and the training pieces."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from benchmarks import digits_quality
from nnlib import datasets
from nnlib.digits import default_model, report
from nnlib.digits import model as digit_model
from nnlib.digits.augment import random_affine
from nnlib.digits.model import DEFAULT_CONFIG, TrainingConfig, train_digit_model
from nnlib.training import Trainer
from tests.drawn_digits import STYLES, draw_digit, drawn_accuracy, drawn_set

TINY = replace(DEFAULT_CONFIG, hidden=(16,), epochs=2)


@pytest.fixture(scope="module")
def model():
    return default_model()


@pytest.fixture(scope="module")
def subset():
    (X, y), _ = datasets.digits()
    return X[:400], y[:400]


def test_default_model_reads_at_least_97_percent_of_the_held_out_digits(model):
    _, (X_test, y_test) = datasets.digits()
    rep = report(model, X_test, y_test)
    print(f"default model test accuracy: {rep.accuracy:.3f} on {rep.n} digits")
    assert rep.n == 1000 and rep.accuracy >= 0.97
    assert model.sizes() == [256, *DEFAULT_CONFIG.hidden, 10]


def test_default_model_reads_at_least_90_percent_of_digits_drawn_the_way_people_draw(model):
    rep = drawn_accuracy(model, per_digit=30, seed=7)
    print(f"drawn digits read correctly: {rep.accuracy:.3f} of {rep.n}; per digit: "
          + " ".join(f"{d}:{rep.confusion[d, d]}/{rep.confusion[d].sum()}" for d in range(10)))
    assert rep.n == 300 and rep.accuracy >= 0.90
    assert rep.confusion.diagonal().min() >= 0.75 * 30  # no digit is left behind


def test_every_call_hands_out_an_independent_model(model):
    a, b = default_model(), default_model()
    a.layers[0].W[...] = 0.0
    assert np.abs(b.get_weights()[0]).sum() > 0
    np.testing.assert_array_equal(b.get_weights()[0], model.get_weights()[0])


def test_training_is_deterministic_for_a_seed(subset):
    X, y = subset
    a = train_digit_model(X, y, TINY)
    b = train_digit_model(X, y, TINY)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    c = train_digit_model(X, y, replace(TINY, seed=1))
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_trained_once_then_loaded_from_the_cache(monkeypatch, tmp_path, subset):
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path))
    X, y = subset
    monkeypatch.setattr(datasets, "digits", lambda cache=True: ((X, y), (X[:10], y[:10])))
    calls = []
    real_train = digit_model.train_digit_model

    def counting_train(*args, **kwargs):
        calls.append(1)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(digit_model, "train_digit_model", counting_train)
    first = digit_model.default_model(config=TINY)
    path = digit_model.model_path(TINY)
    assert path.exists() and len(calls) == 1
    assert not list(tmp_path.glob("*.part"))
    second = digit_model.default_model(config=TINY)
    assert len(calls) == 1  # loaded, not trained again
    for wa, wb in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    path.write_bytes(b"damaged")  # a damaged cache is retrained, not trusted
    third = digit_model.default_model(config=TINY)
    assert len(calls) == 2
    np.testing.assert_array_equal(third.get_weights()[0], first.get_weights()[0])


def test_cache_key_follows_every_setting():
    keys = {TrainingConfig().key(), replace(DEFAULT_CONFIG, epochs=61).key(),
            replace(DEFAULT_CONFIG, augment="shift").key(), replace(DEFAULT_CONFIG, seed=3).key()}
    assert len(keys) == 4
    with pytest.raises(ValueError, match="Unknown augmentation 'blur'"):
        TrainingConfig(augment="blur")


def test_validation_split_comes_from_the_training_digits_only():
    (X_fit, _), (X_val, _) = digits_quality.validation_split()
    (X_train, _), (X_test, _) = datasets.digits()
    assert (len(X_fit), len(X_val)) == (3200, 800)
    train_rows = {row.tobytes() for row in X_train}
    test_rows = {row.tobytes() for row in X_test}
    assert all(row.tobytes() in train_rows for row in X_val)
    assert not any(row.tobytes() in test_rows for row in X_val)


def test_cosine_learning_rate_runs_from_peak_to_zero(subset):
    X, y = subset
    # One step per epoch (the whole set), 4 epochs: the schedule spans 4 steps, then stays at 0.
    trainer = Trainer(TINY.spec().build(), X, y, optimizer="adam", learning_rate=0.01, batch_size=None,
                      schedule="cosine", epochs=4)
    rates = []
    for _ in range(5):
        trainer.run(1)
        rates.append(trainer.optimizer.learning_rate)
    np.testing.assert_allclose(rates, [0.01, 0.01 * (1 + np.cos(np.pi / 4)) / 2, 0.005,
                                       0.01 * (1 + np.cos(3 * np.pi / 4)) / 2, 0.0], atol=1e-12)


def test_affine_distortion():
    (X, _), _ = datasets.digits()
    X = X[:50]
    identity = random_affine(X, 0, rotation=0, scale=0, shear=0, shift=0)
    np.testing.assert_allclose(identity, X, atol=1e-6)
    a, b = random_affine(X, 5), random_affine(X, 5)
    np.testing.assert_array_equal(a, b)
    assert a.shape == X.shape and a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1 + 1e-6
    assert np.abs(a - X).mean() > 0.02
    bent = random_affine(X, 5, rotation=0, scale=0, shear=0, shift=0, elastic=0.5)
    assert np.abs(bent - X).mean() > 0 and abs(bent.sum() / X.sum() - 1) < 0.05  # ink moved, not lost


def test_drawn_set_is_labelled_deterministic_and_varied():
    X, y = drawn_set(per_digit=3, seed=1)
    assert X.shape == (30, 280, 280, 4) and X.dtype == np.uint8
    np.testing.assert_array_equal(y, np.repeat(np.arange(10), 3))
    np.testing.assert_array_equal(drawn_set(per_digit=3, seed=1)[0], X)
    assert np.all(X[..., 3] == 255) and all(img[..., 0].max() == 255 for img in X)
    heights = [np.ptp(np.flatnonzero(img[..., 0].any(axis=1))) for img in X]
    assert max(heights) > 2 * min(heights)  # small and large drawings
    assert all(len(styles) >= 3 for styles in STYLES.values())
    with pytest.raises(ValueError, match="digit must be 0 to 9"):
        draw_digit(10)
