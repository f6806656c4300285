"""Preprocessing a drawing into the 256 values the digit network reads (no Streamlit, no model)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.digits import preprocess, preprocess_stages
from nnlib.digits.preprocessing import MAX_PEN_28, pen_width
from tests.drawn_digits import draw_digit

SIDE = 16
BOX_16 = 20 * 16 / 28  # MNIST's 20-pixel box, measured on the 16×16 grid


def centre_of_mass(grid):
    """(row, col) with pixel i spanning [i, i + 1): the exact centre of a 16×16 grid is (8, 8)."""
    g = np.asarray(grid, dtype=float).reshape(SIDE, SIDE)
    r = np.arange(SIDE) + 0.5
    return float(g.sum(1) @ r / g.sum()), float(g.sum(0) @ r / g.sum())


def ink_extent(grid, level=0.15):
    g = np.asarray(grid).reshape(SIDE, SIDE) >= level
    rows, cols = np.flatnonzero(g.any(1)), np.flatnonzero(g.any(0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def correlation(a, b):
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def test_output_is_256_float32_values_in_unit_interval():
    x = preprocess(draw_digit(3, seed=1))
    assert x.shape == (256,) and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert x.max() > 0.9  # solid strokes stay solid ink


@pytest.mark.parametrize("centre", [(60, 70), (140, 140), (215, 200), (70, 210)])
def test_centring_puts_the_centre_of_mass_in_the_middle_wherever_it_was_drawn(centre):
    image = draw_digit(7, seed=3, height=0.4, pen=14, slant=0.0, rotation=0.0, aspect=1.0, centre=centre)
    cy, cx = centre_of_mass(preprocess(image))
    assert abs(cy - 8.0) < 0.35 and abs(cx - 8.0) < 0.35


def test_the_same_digit_drawn_in_two_places_gives_the_same_input():
    kwargs = dict(seed=5, height=0.4, pen=14, slant=0.1, rotation=3.0, aspect=1.0)
    a = preprocess(draw_digit(2, centre=(70, 80), **kwargs))
    b = preprocess(draw_digit(2, centre=(205.5, 190.25), **kwargs))
    assert np.abs(a - b).mean() < 0.02
    assert correlation(a, b) > 0.97


def test_scale_fills_the_mnist_box_small_or_large():
    small = preprocess(draw_digit(4, seed=2, height=0.25, pen=8, slant=0.0, rotation=0.0, aspect=1.0))
    large = preprocess(draw_digit(4, seed=2, height=0.85, pen=27, slant=0.0, rotation=0.0, aspect=1.0))
    for x in (small, large):
        h, _ = ink_extent(x)
        assert abs(h - BOX_16) <= 1.5, h  # the longer side (height) fills the 20/28 box
    assert correlation(small, large) > 0.9


def test_aspect_ratio_is_kept():
    # A wide, flat stroke stays wide and flat: it is not stretched into a square.
    img = np.zeros((280, 280), dtype=np.uint8)
    img[130:150, 40:240] = 255  # 200 × 20 bar
    h, w = ink_extent(preprocess(img))
    assert w >= 10 and h <= 3


def test_polarity_dark_ink_on_light_paper_is_detected_and_inverted():
    drawing = draw_digit(5, seed=4, height=0.6, pen=16)
    ink = drawing[..., 0].astype(float) / 255
    rng = np.random.default_rng(0)
    # A photo: off-white paper with grain and shading, blue-black ink.
    paper = 215 + 20 * np.linspace(0, 1, 280)[None, :] + rng.normal(0, 4, (280, 280))
    photo = np.stack([paper - 180 * ink, paper - 170 * ink, paper - 120 * ink], axis=-1)
    photo = np.clip(photo, 0, 255).astype(np.uint8)
    stages = preprocess_stages(photo)
    assert stages.inverted
    assert not preprocess_stages(drawing).inverted
    assert correlation(stages.x, preprocess(drawing)) > 0.95


def test_ink_comes_from_rgb_not_alpha():
    drawing = draw_digit(6, seed=7)
    transparent = drawing.copy()
    transparent[..., 3] = 0  # alpha says nothing; the ink is in RGB
    np.testing.assert_allclose(preprocess(transparent), preprocess(drawing))
    no_rgb = drawing.copy()
    no_rgb[..., :3] = 0  # ink only in alpha: not ink
    assert preprocess(no_rgb) is None


@pytest.mark.parametrize("image", [
    np.zeros((280, 280, 4), dtype=np.uint8),
    np.full((280, 280, 4), 255, dtype=np.uint8),
    np.full((50, 80), 128, dtype=np.uint8),
    np.random.default_rng(0).integers(120, 126, size=(100, 100), dtype=np.uint8),  # faint grain only
], ids=["black canvas", "white page", "grey", "faint noise"])
def test_an_image_without_ink_gives_none(image):
    assert preprocess(image) is None
    assert preprocess_stages(image) is None


def test_a_tiny_dot_stays_a_small_centred_blob_not_a_filled_box():
    img = np.zeros((280, 280), dtype=np.uint8)
    yy, xx = np.mgrid[:280, :280]
    img[(yy - 200) ** 2 + (xx - 90) ** 2 <= 9] = 255  # radius 3
    stages = preprocess_stages(img)
    assert stages is not None and stages.pen_limited
    x = stages.x
    # A blob about two bold strokes wide, not an 11-pixel box full of ink (which has ~130 inked pixels).
    assert max(ink_extent(x, level=0.2)) <= 6
    assert (x > 0.2).sum() <= 30
    cy, cx = centre_of_mass(x)
    assert abs(cy - 8) < 0.5 and abs(cx - 8) < 0.5


def test_thick_pen_on_a_small_digit_keeps_strokes_mnist_like():
    stages = preprocess_stages(draw_digit(0, seed=1, height=0.25, pen=30))
    assert stages.pen_limited
    # The stroke on the 28-grid is no wider than MNIST's boldest strokes.
    assert stages.pen_width * stages.scale / 4 <= MAX_PEN_28 + 1e-6


@pytest.mark.parametrize("where", ["left", "right", "top", "bottom"])
def test_a_stroke_at_the_very_edge_is_read_whole_and_centred(where):
    img = np.zeros((280, 280, 4), dtype=np.uint8)
    img[..., 3] = 255
    if where in ("left", "right"):
        cols = slice(0, 16) if where == "left" else slice(264, 280)
        img[30:250, cols, :3] = 255
    else:
        rows = slice(0, 16) if where == "top" else slice(264, 280)
        img[rows, 30:250, :3] = 255
    x = preprocess(img)
    cy, cx = centre_of_mass(x)
    assert abs(cy - 8) < 0.35 and abs(cx - 8) < 0.35
    long_side = max(ink_extent(x))
    assert abs(long_side - BOX_16) <= 1.5


def test_stages_for_the_page():
    stages = preprocess_stages(draw_digit(8, seed=0, height=0.5, pen=14, centre=(100, 150)))
    top, left, bottom, right = stages.bbox
    assert stages.crop.shape == (bottom - top, right - left)
    assert stages.centred.shape == (28, 28) and stages.grid.shape == (16, 16)
    np.testing.assert_array_equal(stages.x, stages.grid.ravel())
    # The centred 28×28 digit fits MNIST's 20-pixel box.
    rows = np.flatnonzero((stages.centred > 0.15).any(1))
    assert 18 <= rows[-1] - rows[0] + 1 <= 22


def test_grey_rgb_and_rgba_inputs_agree():
    rgba = draw_digit(9, seed=2)
    np.testing.assert_allclose(preprocess(rgba[..., 0]), preprocess(rgba), atol=1e-5)
    np.testing.assert_allclose(preprocess(rgba[..., :3]), preprocess(rgba), atol=1e-5)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((10, 10), dtype=np.float32), "uint8"),
    (np.zeros((10, 10, 2), dtype=np.uint8), "shape"),
    (np.zeros((10,), dtype=np.uint8), "shape"),
    (np.zeros((0, 10), dtype=np.uint8), "empty"),
])
def test_bad_input_raises_a_clear_error(bad, message):
    with pytest.raises(ValueError, match=message):
        preprocess(bad)


def test_pen_width_estimate():
    bar = np.zeros((100, 100), dtype=bool)
    bar[20:80, 45:53] = True  # 60 × 8 stroke
    assert abs(pen_width(bar) - 8) < 0.5
    square = np.zeros((40, 40), dtype=bool)
    square[10:20, 10:20] = True
    assert abs(pen_width(square) - 10) < 1e-6
    assert pen_width(np.zeros((5, 5), dtype=bool)) == 0.0


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 60), st.integers(1, 60)).flatmap(
    lambda hw: st.sampled_from([hw, (*hw, 3), (*hw, 4)])), elements=st.integers(0, 255)))
def test_any_image_gives_none_or_256_values_in_unit_interval(image):
    x = preprocess(image)
    if x is not None:
        assert x.shape == (256,) and x.dtype == np.float32
        assert np.all(np.isfinite(x)) and x.min() >= 0.0 and x.max() <= 1.0
