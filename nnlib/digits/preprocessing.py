"""From a drawing or a photo to the 256 values the digit network reads.

The training digits are MNIST digits, and MNIST made each one the same way:
the digit's bounding box was scaled to fit a 20×20 box (keeping its aspect
ratio) and placed in a 28×28 frame so that its centre of mass sits in the
middle. nnlib then area-averaged 28×28 to 16×16. A drawing only looks like a
training digit after the same steps, so this module repeats them:

1. ink: grey level from the RGB channels (never alpha); a dark digit on light
   paper is detected (the median pixel is light) and inverted; the background
   level is subtracted and the contrast stretched to [0, 1].
2. crop to the ink's bounding box.
3. scale the crop so its longer side fills the 20-pixel MNIST box. The pen
   is normalised too, since a network trained on MNIST knows MNIST's strokes:
   a small digit drawn with a thick pen would come out far bolder than any
   MNIST digit (and a dot would become a filled square), so the scale is
   capped where the pen would grow wider than MNIST's boldest strokes; a thin
   pen on a large digit would fade to grey after averaging, so its strokes
   are thickened (a max filter) to a typical MNIST width.
4. centre by the centre of mass in the 28×28 frame (computed on a 4× finer
   112×112 frame, so centring is not limited to whole 28-grid pixels).
5. area-average to 16×16 (7 × 7 blocks of the 112 frame), as nnlib did 28 → 16.

Everything is NumPy on the host: the input comes from the browser, and the
256 values go to the model once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..datasets import DIGIT_SIDE
from ..resample import area_resize

MNIST_FRAME = 28          # MNIST images are 28×28 ...
MNIST_BOX = 20            # ... with the digit scaled to fit a 20×20 box
FINE = 4                  # the centring frame is FINE × 28 = 112 pixels wide
FRAME = MNIST_FRAME * FINE
BOX = MNIST_BOX * FINE
# MNIST stroke widths (28-grid pixels, 2,000 digits, ink ≥ 0.5): median 2.2, 95th percentile 3.3.
MAX_PEN_28 = 3.5          # no stroke bolder than MNIST's boldest ...
MIN_PEN_28 = 2.0          # ... and none thinner than a typical one (30th percentile)
MIN_CONTRAST = 0.15       # a brightest-minus-background below this counts as an empty image
NOISE_FLOOR = 0.2         # ink below this fraction of the contrast is paper texture, not ink
MASK_LEVEL = 0.5          # ink at or above this counts as "inked" for the bounding box
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601 grey from RGB


@dataclass(frozen=True)
class Stages:
    """Every stage of :func:`preprocess_stages`, for showing the student what happened.

    inverted: True when the image was a dark digit on a light background.
    bbox: (top, left, bottom, right) of the ink in the image (bottom/right exclusive).
    crop: (bottom − top, right − left) float32 ink in [0, 1], 1 = ink, after the polarity check.
    pen_width: estimated stroke width in input pixels.
    scale: input pixels → 112-frame pixels (the 28-grid is 4× coarser).
    thickened: frame pixels added to the stroke width of a thin pen (0 when none).
    frame: (112, 112) float32, the scaled digit centred by its centre of mass.
    grid: (16, 16) float32, the network's input before flattening.
    """

    inverted: bool
    bbox: tuple[int, int, int, int]
    crop: np.ndarray
    pen_width: float
    scale: float
    thickened: int
    frame: np.ndarray
    grid: np.ndarray

    @property
    def x(self) -> np.ndarray:
        """The 256-value input, float32 in [0, 1], row by row."""
        return self.grid.reshape(DIGIT_SIDE * DIGIT_SIDE)

    @property
    def centred(self) -> np.ndarray:
        """(28, 28) float32: the digit as MNIST would have stored it."""
        return np.clip(area_resize(self.frame, MNIST_FRAME, MNIST_FRAME), 0.0, 1.0).astype(np.float32)

    @property
    def pen_limited(self) -> bool:
        """True when the thick pen (or a tiny drawing) kept the digit smaller than the MNIST box."""
        h, w = self.crop.shape
        return max(h, w) * self.scale + self.thickened < BOX - 0.5


def _grey(image) -> np.ndarray:
    """(H, W) float32 grey in [0, 1] from (H, W), (H, W, 3) or (H, W, 4) uint8; alpha is ignored."""
    a = np.asarray(image)
    if a.dtype == np.bool_:
        a = a.astype(np.uint8) * 255
    if a.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image (values 0 to 255). Received dtype {a.dtype}.")
    if a.ndim == 3 and a.shape[2] in (3, 4):
        # Ink comes from RGB: with a background colour the canvas makes alpha 255 everywhere.
        # (Three scaled planes, not a matrix product: see nnlib.resample on BLAS threads.)
        grey = a[..., 0] * LUMA[0] + a[..., 1] * LUMA[1] + a[..., 2] * LUMA[2]
    elif a.ndim == 2:
        grey = a.astype(np.float32)
    else:
        raise ValueError(f"expected an image of shape (H, W), (H, W, 3) or (H, W, 4). Received shape {a.shape}.")
    if grey.shape[0] < 1 or grey.shape[1] < 1:
        raise ValueError(f"the image is empty. Received shape {a.shape}.")
    return grey * np.float32(1 / 255)


def _find_ink(grey: np.ndarray):
    """(inverted, low, gain, mask) or None when there is no ink; ink = clip((v − low) · gain, 0, 1).

    v is the grey level, or 1 − grey when the image is inverted. The background
    is the median grey level (a digit covers well under half of its image); a
    light background means dark ink on paper, so the image is inverted. With
    the contrast c = max(v) − background and the noise floor f, low =
    background + f·c and gain = 1 / ((1 − f)·c): the background maps to 0, the
    strongest ink to 1. ``mask`` marks ink ≥ MASK_LEVEL, computed on the grey
    image directly so the full image is only normalised where the digit is.
    """
    # A strided sample keeps the median cheap on large images; it only has to find the background.
    step = max(1, int(np.sqrt(grey.size / 4096)))
    background = float(np.median(grey[::step, ::step]))
    inverted = background > 0.5
    if inverted:
        background, peak = 1.0 - background, 1.0 - float(grey.min())
    else:
        peak = float(grey.max())
    contrast = peak - background
    if contrast < MIN_CONTRAST:
        return None
    low = background + NOISE_FLOOR * contrast
    gain = 1.0 / ((1.0 - NOISE_FLOOR) * contrast)
    level = low + MASK_LEVEL / gain  # v at which ink reaches MASK_LEVEL
    mask = grey <= 1.0 - level if inverted else grey >= level
    return inverted, low, gain, mask


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def pen_width(mask: np.ndarray) -> float:
    """Stroke width p of the inked pixels, from their area A and perimeter P (in pixels).

    A stroke of length L and width p has A = p·L and P = 2L + 2p, so
    p = (P/2 − √(P²/4 − 4A)) / 2; a solid square of side d gives p = d, a disc ≈ 0.54 d.
    P counts the edges between inked and empty pixels (4-neighbourhood).
    """
    m = mask.astype(np.int8)
    area = float(m.sum())
    if area == 0:
        return 0.0
    perimeter = float(np.abs(np.diff(m, axis=0, prepend=0, append=0)).sum()
                      + np.abs(np.diff(m, axis=1, prepend=0, append=0)).sum())
    half = perimeter / 2
    return (half - np.sqrt(max(half * half - 4 * area, 0.0))) / 2


def _centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    """(row, col) of the ink's centre of mass, in pixel units with pixel i spanning [i, i + 1)."""
    total = float(img.sum())
    rows = img.sum(axis=1)
    cols = img.sum(axis=0)
    cy = float(rows @ (np.arange(img.shape[0], dtype=np.float32) + 0.5)) / total
    cx = float(cols @ (np.arange(img.shape[1], dtype=np.float32) + 0.5)) / total
    return cy, cx


def _dilate(img: np.ndarray, d: int) -> np.ndarray:
    """Grey-level dilation by a (d+1)×(d+1) square: strokes get d pixels wider; shape (h + d, w + d)."""
    if d <= 0:
        return img
    h, w = img.shape
    padded = np.pad(img, ((d, d), (0, 0)))
    rows = padded[0:h + d]
    for o in range(1, d + 1):
        rows = np.maximum(rows, padded[o:o + h + d])
    padded = np.pad(rows, ((0, 0), (d, d)))
    out = padded[:, 0:w + d]
    for o in range(1, d + 1):
        out = np.maximum(out, padded[:, o:o + w + d])
    return out


def _paste(frame: np.ndarray, img: np.ndarray, top: int, left: int) -> None:
    """Copy img into frame at (top, left), clipping whatever falls outside."""
    h, w = img.shape
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + h, frame.shape[0]), min(left + w, frame.shape[1])
    if t1 > t0 and l1 > l0:
        frame[t0:t1, l0:l1] = img[t0 - top:t1 - top, l0 - left:l1 - left]


def preprocess_stages(image) -> Stages | None:
    """Run every step on an (H, W[, 3|4]) uint8 image; None when it holds no ink."""
    grey = _grey(image)
    found = _find_ink(grey)
    if found is None:
        return None
    inverted, low, gain, mask = found
    box = _bbox(mask)
    if box is None:
        return None
    top, left, bottom, right = box
    v = grey[top:bottom, left:right]
    crop = np.clip(((1.0 - v) if inverted else v) - np.float32(low), 0.0, None) * np.float32(gain)
    crop = np.minimum(crop, 1.0, out=crop)
    h, w = crop.shape
    pen = max(pen_width(mask[top:bottom, left:right]), 1.0)
    # Fill the 20-px box, unless that would make the pen bolder than MNIST's boldest strokes.
    scale = min(BOX / max(h, w), MAX_PEN_28 * FINE / pen)
    thin = MIN_PEN_28 * FINE
    thickened = 0
    if pen * scale < thin:
        # Leave room for the thickening: long·s + (thin − pen·s) = BOX gives s = (BOX − thin)/(long − pen).
        scale = (BOX - thin) / max(max(h, w) - pen, 1.0)
        thickened = max(0, round(thin - pen * scale))
    h2, w2 = max(1, round(h * scale)), max(1, round(w * scale))
    resized = _dilate(area_resize(crop, h2, w2), thickened)
    cy, cx = _centre_of_mass(resized)
    frame = np.zeros((FRAME, FRAME), dtype=np.float32)
    _paste(frame, resized, round(FRAME / 2 - cy), round(FRAME / 2 - cx))
    grid = np.clip(area_resize(frame, DIGIT_SIDE, DIGIT_SIDE), 0.0, 1.0).astype(np.float32)
    return Stages(inverted=inverted, bbox=box, crop=crop.astype(np.float32, copy=False), pen_width=float(pen),
                  scale=float(scale), thickened=thickened, frame=frame, grid=grid)


def preprocess(image) -> np.ndarray | None:
    """The network's input for an image: 256 float32 values in [0, 1], or None when there is no ink.

    ``image`` is an (H, W, 4) RGBA canvas, an (H, W, 3) RGB photo or an (H, W)
    grey image, uint8. White ink on black and dark ink on white both work.
    """
    stages = preprocess_stages(image)
    return None if stages is None else stages.x
