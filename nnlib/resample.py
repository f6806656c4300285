"""Area resampling: shrinking (or enlarging) an image by averaging the area each new pixel covers.

This is how MNIST's 28×28 digits become nnlib's 16×16 ones, and how a drawing is
brought to the same 16×16 grid, so both must use the one definition below.
Output pixel i covers [i·s, (i+1)·s) of the input axis, s = n_in / n_out, and is
the mean of the input over that interval (input pixel j spans [j, j + 1)).
"""

from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=256)
def _edges(n_in: int, n_out: int):
    """Where output pixel i starts and ends on the input axis, split into (whole index, fraction)."""
    edges = np.arange(n_out + 1, dtype=np.float64) * (n_in / n_out)
    index = np.minimum(np.floor(edges).astype(np.int64), n_in - 1)
    frac = edges - index  # 1.0 at the very end, where index is clipped to n_in − 1
    index.flags.writeable = frac.flags.writeable = False
    return index, frac


def _resize_first_axis(img: np.ndarray, n_out: int) -> np.ndarray:
    """Area-average axis 0 of img (n_in, ...) to (n_out, ...).

    Output i is the difference of the running sum C(e) = ∫₀ᵉ img at the interval's two
    edges, divided by s. C is piecewise linear, so C(e) interpolates the cumulative sums
    exactly. Elementwise work only: small matrix products would go to multithreaded BLAS,
    which stalls on a busy server. The result keeps img's floating dtype (float32 otherwise).
    """
    n_in = img.shape[0]
    dtype = img.dtype if img.dtype.kind == "f" else np.float32
    if n_in == n_out:
        return img.astype(dtype, copy=False)
    if n_in % n_out == 0:  # whole blocks: a plain mean
        return img.reshape(n_out, n_in // n_out, *img.shape[1:]).mean(axis=1, dtype=dtype)
    c = np.empty((n_in + 1, *img.shape[1:]), dtype=np.float64)
    c[0] = 0.0
    np.cumsum(img, axis=0, out=c[1:])
    index, frac = _edges(n_in, n_out)
    frac = frac.reshape(-1, *([1] * (img.ndim - 1)))
    at_edges = c[index] + frac * (c[index + 1] - c[index])
    return (np.diff(at_edges, axis=0) * (n_out / n_in)).astype(dtype)


def area_resize(img: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """(h, w) → (rows, cols) by area averaging (also enlarges, as nearest-neighbour with blended edges)."""
    return _resize_first_axis(_resize_first_axis(img, rows).T, cols).T


def area_resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    """The same averaging as a (n_out, n_in) matrix A: for an image M, ``A @ M @ A.T`` is ``area_resize``.

    Row i holds the weight of every input pixel in output pixel i: the length of its
    overlap with [i·s, (i+1)·s), divided by s. It is the resize of the identity matrix.
    """
    return _resize_first_axis(np.eye(n_in), n_out)
