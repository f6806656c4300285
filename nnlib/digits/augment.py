"""Random small distortions of 16×16 digits, so the network learns shapes rather than pixels.

4,000 training digits are few for 256 inputs. People draw the same digit
slanted, turned, wider or narrower and a pixel off; showing the network such
versions of each training digit (a new version every epoch) is how it learns
to read them. Both functions take and return NumPy (N, 256) float32 rows and a
seeded generator, the signature :class:`nnlib.Trainer` expects for ``augment``.
"""

from __future__ import annotations

import numpy as np

from ..datasets import DIGIT_SIDE, random_shift
from ..initializers import make_rng


def _smoothing_matrix(side: int, sigma: float) -> np.ndarray:
    """(side, side) Gaussian blur along one axis: row i holds exp(−(i − j)² / 2σ²), normalised."""
    d = np.arange(side)[:, None] - np.arange(side)[None, :]
    g = np.exp(-0.5 * (d / sigma) ** 2)
    return (g / g.sum(axis=1, keepdims=True)).astype(np.float32)


def random_affine(X: np.ndarray, rng, rotation: float = 12.0, scale: float = 0.1, shear: float = 0.15,
                  shift: float = 1.5, elastic: float = 0.0, sigma: float = 2.0,
                  side: int = DIGIT_SIDE) -> np.ndarray:
    """Turn, scale, slant, move and (optionally) bend each image by its own random amount.

    Per image: angle θ ~ U(±rotation°), zoom s ~ U(1 ± scale), shear k ~ U(±shear),
    offset (tx, ty) ~ U(±shift) pixels. Output pixel p (relative to the image
    centre c) reads the input at M⁻¹·p + c − t with M = s·R(θ)·[[1, k], [0, 1]],
    plus an elastic displacement (Simard et al., 2003): uniform noise in
    [−1, 1] per pixel, blurred by a Gaussian of width σ and scaled to a
    standard deviation of ``elastic`` pixels. Bilinear resampling.
    """
    rng = make_rng(rng)
    n = X.shape[0]
    imgs = np.asarray(X, dtype=np.float32).reshape(n, side, side)
    theta = np.deg2rad(rng.uniform(-rotation, rotation, n))
    s = rng.uniform(1 - scale, 1 + scale, n)
    k = rng.uniform(-shear, shear, n)
    tx, ty = rng.uniform(-shift, shift, n), rng.uniform(-shift, shift, n)
    c, si = np.cos(theta), np.sin(theta)
    # Inverse map, row by row: source = [[a, b], [d, e]] · (x, y) for output offsets (x, y).
    a, b = c / s, (-si + k * c) / s
    d, e = si / s, (c + k * si) / s
    centre = (side - 1) / 2
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    xx, yy = xx.ravel() - centre, yy.ravel() - centre
    f32 = np.float32
    sx = (a[:, None] * xx + b[:, None] * yy + (centre - tx)[:, None]).astype(f32)
    sy = (d[:, None] * xx + e[:, None] * yy + (centre - ty)[:, None]).astype(f32)
    if elastic:
        G = _smoothing_matrix(side, sigma)
        for coords in (sx, sy):
            noise = rng.uniform(-1, 1, size=(n, side, side)).astype(f32)
            # Blur rows and columns: G · noise · Gᵀ for every image at once.
            field = np.matmul(np.matmul(G, noise), G.T).reshape(n, side * side)
            # Scaled so that ``elastic`` is the displacement's standard deviation, in pixels.
            coords += f32(elastic) * field / max(float(field.std()), 1e-6)
    x0, y0 = np.floor(sx), np.floor(sy)
    fx, fy = sx - x0, sy - y0
    # One pixel of zero padding before and two after, so reads just outside the image give 0.
    # Gathering from the flattened images with take_along_axis is several times faster than
    # indexing a 3-D array with three broadcast index arrays.
    width = side + 3
    flat = np.pad(imgs, ((0, 0), (1, 2), (1, 2))).reshape(n, width * width)
    idx = (np.clip(y0.astype(np.int64) + 1, 0, side + 1) * width
           + np.clip(x0.astype(np.int64) + 1, 0, side + 1))
    v00, v01 = np.take_along_axis(flat, idx, 1), np.take_along_axis(flat, idx + 1, 1)
    v10, v11 = np.take_along_axis(flat, idx + width, 1), np.take_along_axis(flat, idx + width + 1, 1)
    top = v00 + fx * (v01 - v00)
    bottom = v10 + fx * (v11 - v10)
    return (top + fy * (bottom - top)).astype(np.float32)


def shift_only(X: np.ndarray, rng) -> np.ndarray:
    """Random whole-pixel shifts of ±1 (nnlib.datasets.random_shift)."""
    return random_shift(X, rng, max_shift=1)


def affine_elastic(X: np.ndarray, rng) -> np.ndarray:
    """random_affine plus a gentle elastic bend (0.5 pixel standard deviation, σ = 2)."""
    return random_affine(X, rng, elastic=0.5)


AUGMENTATIONS = {"none": None, "shift": shift_only, "affine": random_affine, "elastic": affine_elastic}
