"""Digits drawn the way people draw them on a canvas, made with PIL strokes.

The training digits are neat and centred; people are not. This generator
draws each digit from pen strokes (polylines through points in a unit box,
y pointing down) in several styles per digit (a 1 with or without a flag and
base, a crossed 7, an open or closed 4, ...), then varies what people vary:
size (a quarter to nine tenths of the canvas), position (anywhere, often off
centre), slant and rotation, width-to-height ratio, wobble along the stroke
and pen width. The result looks like the drawing canvas sends it: white ink
on black, RGBA uint8, alpha 255, anti-aliased edges.

It is a test set, never training data: the quality bar "reads at least 90% of
digits drawn the way people draw them" is measured on it (see
``nnlib.digits.evaluation.drawn_accuracy``).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from nnlib import digits
from nnlib.initializers import make_rng

CANVAS = 280
# In a browser (tests and benchmarks): streamlit-drawable-canvas 0.13's layer that holds the finished strokes,
# and a script for Playwright's locator.evaluate that counts its inked pixels (white ink on black).
DRAWING_LAYER = "canvas.dc-canvas.lower-canvas"
INK_PIXELS = """el => {
    const img = el.getContext('2d').getImageData(0, 0, el.width, el.height).data;
    let n = 0;
    for (let i = 0; i < img.length; i += 4) if (img[i] + img[i + 1] + img[i + 2] > 384) n += 1;
    return n;
}"""
SUPERSAMPLE = 3  # draw 3× larger and shrink, for anti-aliased edges like the browser's


def _arc(cx, cy, rx, ry, start_deg, end_deg, n=24):
    """Points on an ellipse, angles in degrees (0° = right, 90° = down)."""
    t = np.deg2rad(np.linspace(start_deg, end_deg, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _bezier(p0, p1, p2, n=16):
    """A quadratic Bézier curve from p0 to p2 pulled towards p1."""
    t = np.linspace(0, 1, n)[:, None]
    p0, p1, p2 = (np.asarray(p, dtype=float) for p in (p0, p1, p2))
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2


def _line(*points):
    return np.asarray(points, dtype=float)


def _join(*parts):
    return np.concatenate([np.asarray(p, dtype=float) for p in parts])


def _figure_eight(n=60, upper=0.3, lower=0.4):
    t = np.linspace(0, 1, n)
    y = 0.5 - 0.5 * np.cos(2 * np.pi * t)
    amp = np.where(y < 0.5, upper, lower)
    return np.stack([0.5 + amp * np.sin(4 * np.pi * t), y], axis=1)


# Each style is a list of strokes; each stroke is an (n, 2) array of (x, y) in the unit box.
STYLES: dict[int, list[list[np.ndarray]]] = {
    0: [
        [_arc(0.5, 0.5, 0.42, 0.5, -90, 270, 40)],
        [_arc(0.5, 0.5, 0.36, 0.5, -100, 280, 40)],
        [_arc(0.5, 0.5, 0.45, 0.48, -60, 310, 40)],
    ],
    1: [
        [_line((0.5, 0.0), (0.5, 1.0))],
        [_line((0.25, 0.22), (0.55, 0.0), (0.55, 1.0))],
        [_line((0.25, 0.22), (0.55, 0.0), (0.55, 1.0)), _line((0.25, 1.0), (0.85, 1.0))],
    ],
    2: [
        [_join(_arc(0.5, 0.28, 0.4, 0.28, 195, 380, 20), _line((0.08, 1.0), (0.95, 1.0)))],
        [_join(_arc(0.5, 0.3, 0.42, 0.3, 190, 400, 20), _bezier((0.85, 0.5), (0.4, 0.75), (0.1, 1.0)),
               _line((0.5, 0.98), (0.95, 1.0)))],
        [_join(_arc(0.5, 0.3, 0.4, 0.3, 200, 370, 20), _line((0.15, 0.95)),
               _arc(0.22, 0.9, 0.1, 0.1, 0, -300, 10)[5:], _line((0.95, 0.97)))],
    ],
    3: [
        [_join(_arc(0.5, 0.26, 0.38, 0.26, 200, 450, 24), _arc(0.5, 0.74, 0.42, 0.26, -90, 160, 24))],
        [_join(_line((0.1, 0.0), (0.85, 0.0), (0.4, 0.42)), _arc(0.48, 0.7, 0.42, 0.3, -80, 160, 24))],
        [_arc(0.5, 0.26, 0.36, 0.26, 210, 450, 24), _arc(0.5, 0.74, 0.42, 0.26, -110, 165, 24)],
    ],
    4: [
        [_line((0.6, 0.0), (0.05, 0.66), (0.95, 0.66)), _line((0.7, 0.3), (0.7, 1.0))],
        [_line((0.12, 0.0), (0.08, 0.6), (0.92, 0.6)), _line((0.72, 0.0), (0.72, 1.0))],
        [_line((0.7, 1.0), (0.7, 0.0), (0.05, 0.68), (0.95, 0.68))],
    ],
    5: [
        [_join(_line((0.85, 0.0), (0.2, 0.0), (0.15, 0.45)), _arc(0.48, 0.7, 0.4, 0.3, -125, 150, 24))],
        [_join(_line((0.2, 0.0), (0.16, 0.45)), _arc(0.48, 0.7, 0.4, 0.3, -125, 150, 24)),
         _line((0.2, 0.0), (0.88, 0.02))],
        [_join(_line((0.8, 0.02), (0.22, 0.0), (0.2, 0.42)), _arc(0.5, 0.7, 0.38, 0.3, -130, 130, 24))],
    ],
    6: [
        [_join(_bezier((0.75, 0.0), (0.1, 0.15), (0.12, 0.72)), _arc(0.5, 0.72, 0.38, 0.28, 180, 530, 30))],
        [_join(_bezier((0.7, 0.0), (0.2, 0.3), (0.15, 0.7)), _arc(0.48, 0.73, 0.33, 0.27, 180, 520, 30))],
        [_join(_line((0.65, 0.0), (0.15, 0.62)), _arc(0.5, 0.74, 0.36, 0.26, 200, 560, 30))],
    ],
    7: [
        [_line((0.05, 0.0), (0.95, 0.0), (0.35, 1.0))],
        [_line((0.05, 0.0), (0.95, 0.0), (0.4, 1.0)), _line((0.35, 0.52), (0.85, 0.5))],
        [_join(_line((0.08, 0.06), (0.92, 0.0)), _bezier((0.92, 0.0), (0.55, 0.45), (0.45, 1.0)))],
    ],
    8: [
        [_arc(0.5, 0.26, 0.3, 0.25, -90, 270, 30), _arc(0.5, 0.74, 0.4, 0.26, -90, 270, 30)],
        [_figure_eight()],
        [_figure_eight(upper=0.36, lower=0.36)],
    ],
    9: [
        [_arc(0.45, 0.28, 0.36, 0.27, 0, 360, 30), _line((0.8, 0.28), (0.78, 1.0))],
        [_join(_arc(0.45, 0.28, 0.36, 0.27, 10, 370, 30), _bezier((0.8, 0.32), (0.8, 0.8), (0.45, 1.0)))],
        [_join(_arc(0.48, 0.3, 0.36, 0.28, -20, 340, 30), _line((0.8, 0.18), (0.6, 1.0)))],
    ],
}
STYLES_PER_DIGIT = 3


def _wobble(points: np.ndarray, rng, amount: float) -> np.ndarray:
    """A hand's tremor: a smooth random offset along the stroke (a few random sine waves)."""
    n = len(points)
    t = np.linspace(0, 1, n)[:, None]
    freq = rng.uniform(0.5, 2.5, size=(1, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(1, 2))
    return points + amount * np.sin(2 * np.pi * freq * t + phase)


def pen_paths(digit: int, style: int = 0, seed=0, canvas: int = CANVAS, *, height=None, pen=None,
              slant=None, rotation=None, aspect=None, centre=None) -> tuple[list[np.ndarray], float]:
    """Where the pen goes for one drawn digit: ([stroke (n, 2) of (x, y) canvas pixels], pen width).

    Unset arguments are drawn at random from ``seed``:
    height (fraction of the canvas, 0.25 to 0.9), pen (width in canvas pixels,
    5 % to 20 % of the digit's height, 6 to 36 px), slant (shear, −0.35 to 0.35),
    rotation (degrees, −12 to 12), aspect (width/height multiplier, 0.75 to 1.25)
    and centre ((x, y) in canvas pixels; anywhere the digit fits).
    A browser test replays these paths with the mouse; :func:`draw_digit` renders them.
    """
    if digit not in STYLES:
        raise ValueError(f"digit must be 0 to 9. Received: digit={digit!r}")
    rng = make_rng(seed)
    strokes = STYLES[digit][style % len(STYLES[digit])]
    height = rng.uniform(0.25, 0.9) if height is None else height
    size = height * canvas
    pen = float(np.clip(rng.uniform(0.05, 0.2) * size, 6, 36)) if pen is None else float(pen)
    slant = rng.uniform(-0.35, 0.35) if slant is None else slant
    rotation = rng.uniform(-12, 12) if rotation is None else rotation
    aspect = rng.uniform(0.75, 1.25) if aspect is None else aspect
    width = 0.62 * aspect  # digits are narrower than tall
    theta = np.deg2rad(rotation)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    shear = np.array([[1.0, -slant], [0.0, 1.0]])  # positive slant leans the top to the right

    placed = []
    for stroke in strokes:
        p = _wobble(stroke, rng, 0.02) - 0.5  # centre the unit box on the origin
        p = p * [width, 1.0]
        placed.append(p @ (rot @ shear).T * size)
    allp = np.concatenate(placed)
    lo, hi = allp.min(axis=0) - pen / 2, allp.max(axis=0) + pen / 2
    if centre is None:
        # Anywhere the digit stays on the canvas (people draw off centre).
        cx = rng.uniform(-lo[0], max(-lo[0], canvas - hi[0]))
        cy = rng.uniform(-lo[1], max(-lo[1], canvas - hi[1]))
    else:
        cx, cy = centre
    return [p + [cx, cy] for p in placed], pen


def render(paths, pen: float, canvas: int = CANVAS) -> np.ndarray:
    """Pen paths → RGBA uint8 (canvas, canvas, 4): white ink on black, alpha 255, round caps and joints."""
    big = canvas * SUPERSAMPLE
    img = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(img)
    w = max(1, round(pen * SUPERSAMPLE))
    for p in paths:
        pts = [(float(x * SUPERSAMPLE), float(y * SUPERSAMPLE)) for x, y in p]
        draw.line(pts, fill=255, width=w, joint="curve")
        r = w / 2  # round caps at both ends, like a real pen
        for x, y in (pts[0], pts[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    grey = np.asarray(img.resize((canvas, canvas), Image.Resampling.BOX))
    rgba = np.empty((canvas, canvas, 4), dtype=np.uint8)
    rgba[..., :3] = grey[..., None]
    rgba[..., 3] = 255
    return rgba


def draw_digit(digit: int, style: int = 0, seed=0, canvas: int = CANVAS, **kwargs) -> np.ndarray:
    """One drawn digit as an RGBA uint8 image (canvas, canvas, 4); arguments as :func:`pen_paths`."""
    paths, pen = pen_paths(digit, style, seed, canvas, **kwargs)
    return render(paths, pen, canvas)


def drawn_set(per_digit: int = 30, seed: int = 0, canvas: int = CANVAS):
    """A labelled test set: (images (N, canvas, canvas, 4) uint8, labels (N,) int64).

    ``per_digit`` drawings of every digit, cycling through its styles, each
    with its own seed derived from ``seed`` so every drawing can be recreated.
    """
    seeds = np.random.SeedSequence(seed).spawn(10 * per_digit)
    images, labels = [], []
    for d in range(10):
        for k in range(per_digit):
            rng = np.random.default_rng(seeds[d * per_digit + k])
            images.append(draw_digit(d, style=k, seed=rng, canvas=canvas))
            labels.append(d)
    return np.stack(images), np.asarray(labels, dtype=np.int64)


# --- the quality bar for real drawings ----------------------------------------------
def drawn_inputs(per_digit: int = 30, seed: int = 0):
    """The drawn test set, preprocessed: (X (N, 256) float32, y (N,)). Every drawing has ink."""
    images, labels = drawn_set(per_digit=per_digit, seed=seed)
    X = np.stack([digits.preprocess(image) for image in images])
    return X, labels


def drawn_accuracy(model, per_digit: int = 30, seed: int = 0) -> digits.Report:
    """The model's report on freshly drawn digits (10 × per_digit drawings)."""
    X, y = drawn_inputs(per_digit, seed)
    return digits.report(model, X, y)
