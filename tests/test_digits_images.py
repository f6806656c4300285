"""Uploaded pictures: decoding, size limits, damaged files, transparency, photos of paper."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from nnlib.digits import ImageError, load_image, preprocess, preprocess_stages
from tests.drawn_digits import draw_digit


def encode(array, fmt="PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def paper_photo(digit=3, seed=0, side=600):
    """A dark digit on light, slightly uneven paper, as an RGB uint8 array."""
    ink = draw_digit(digit, seed=seed, canvas=side, height=0.6)[..., 0].astype(float) / 255
    rng = np.random.default_rng(seed)
    paper = 225 + 15 * np.linspace(-1, 1, side)[:, None] + rng.normal(0, 3, (side, side))
    rgb = np.stack([paper - 190 * ink] * 3, axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def test_png_canvas_drawing_round_trips():
    drawing = draw_digit(4, seed=1)
    rgb = load_image(encode(drawing))
    assert rgb.shape == (280, 280, 3) and rgb.dtype == np.uint8
    np.testing.assert_allclose(preprocess(rgb), preprocess(drawing), atol=1e-5)


def test_jpeg_photo_of_dark_ink_on_paper_is_inverted_and_shrunk():
    photo = paper_photo(side=1200)
    rgb = load_image(encode(photo, "JPEG", quality=85))
    assert max(rgb.shape[:2]) <= 560
    stages = preprocess_stages(rgb)
    assert stages.inverted
    reference = preprocess(draw_digit(3, seed=0, canvas=1200, height=0.6))  # the same strokes, white on black
    assert np.corrcoef(stages.x, reference)[0, 1] > 0.95


@pytest.mark.parametrize("ink_value, background", [(0, 255), (255, 0)])
def test_transparent_background_is_filled_with_the_contrasting_colour(ink_value, background):
    ink = draw_digit(7, seed=2)[..., 0]
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[..., :3] = ink_value
    rgba[..., 3] = ink  # the digit is only in alpha; RGB is one flat colour
    rgb = load_image(encode(rgba))
    corner = rgb[0, 0]
    assert tuple(corner) == (background,) * 3
    assert preprocess(rgb) is not None
    assert np.corrcoef(preprocess(rgb), preprocess(draw_digit(7, seed=2)))[0, 1] > 0.95


def test_file_too_large_is_refused_with_its_size():
    with pytest.raises(ImageError, match=r"at most 1\.0 MB") as info:
        load_image(b"\x89PNG" + b"0" * (2 * 1024 * 1024), max_bytes=1024 * 1024)
    assert str(info.value) == ("The file is 2.0 MB; at most 1.0 MB are allowed. Crop the photo to the digit or "
                               "save it smaller.")
    # The English template and its values, for an application to translate (nnlib.digits.errors).
    assert info.value.template == ("The file is {size}; at most {limit} are allowed. Crop the photo to the digit "
                                   "or save it smaller.")
    assert info.value.values == {"size": "2.0 MB", "limit": "1.0 MB"}


def test_too_many_pixels_is_refused_before_decoding():
    big = encode(np.zeros((3000, 3000), dtype=np.uint8))  # tiny file, 9 megapixels
    assert len(big) < 100_000
    with pytest.raises(ImageError, match="megapixels") as info:
        load_image(big, max_pixels=4_000_000)
    assert str(info.value) == ("The picture is 3,000 × 3,000 pixels (9 megapixels); at most 4 megapixels are "
                               "allowed. Crop it to the digit.")
    assert info.value.values == {"width": "3,000", "height": "3,000", "megapixels": "9", "limit": "4"}


@pytest.mark.parametrize("data, message, values", [
    (b"", "The file is empty. Upload a PNG or JPEG picture of one digit.", {}),
    (b"this is not a picture at all", "This file is not a readable PNG or JPEG picture.", {}),
    (encode(np.zeros((20, 20), dtype=np.uint8), "GIF"), "This is a GIF file. Upload a PNG or JPEG picture.",
     {"format": "GIF"}),
    ("not bytes", "expected the file's bytes. Received str.", {"type": "str"}),
])
def test_non_images_get_a_clear_message(data, message, values):
    with pytest.raises(ImageError) as info:
        load_image(data)
    assert isinstance(info.value, ValueError) and str(info.value) == message
    assert info.value.values == values and info.value.template.format(**values) == message


def test_truncated_png_gets_a_clear_message():
    data = encode(draw_digit(1, seed=0))
    with pytest.raises(ImageError, match="damaged or incomplete"):
        load_image(data[: len(data) // 2])


def test_corrupted_jpeg_bytes_never_crash():
    data = bytearray(encode(paper_photo(side=200), "JPEG"))
    rng = np.random.default_rng(0)
    for _ in range(20):
        broken = bytearray(data)
        for i in rng.integers(20, len(broken), size=30):
            broken[i] = rng.integers(0, 256)
        try:
            rgb = load_image(bytes(broken))
        except ImageError:
            continue
        assert rgb.dtype == np.uint8 and rgb.ndim == 3


def _rotated_with_exif(rgb: np.ndarray, orientation: int, fmt: str = "JPEG", **save) -> bytes:
    """The picture stored the way a phone stores it: pixels turned, EXIF saying how to turn them back."""
    img = Image.fromarray(rgb).transpose(Image.Transpose.ROTATE_90)   # the sensor's raw, sideways pixels
    exif = Image.Exif()
    exif[0x0112] = orientation   # 6 = rotate 90° clockwise to display (ROTATE_90 is counter-clockwise)
    buf = io.BytesIO()
    img.save(buf, fmt, exif=exif.tobytes(), **save)
    return buf.getvalue()


def test_exif_orientation_is_applied_so_a_phone_photo_is_upright():
    ink = draw_digit(7, seed=2, canvas=280, height=0.7)[..., 0]
    upright = np.stack([255 - ink] * 3, axis=-1)          # dark 7 on white paper, as photographed
    expected = preprocess(load_image(encode(upright, "JPEG")))
    data = _rotated_with_exif(upright, orientation=6)
    sideways = preprocess(load_image(data, working_side=280))
    assert np.corrcoef(sideways, expected)[0, 1] > 0.95
    # Without EXIF the same pixels read as a different, sideways image.
    raw = Image.open(io.BytesIO(data))
    assert np.corrcoef(preprocess(np.asarray(raw.convert("RGB"))), expected)[0, 1] < 0.6


def test_mpo_files_from_phone_cameras_read_their_first_frame():
    ink = draw_digit(4, seed=1, canvas=280, height=0.7)[..., 0]
    first = np.stack([255 - ink] * 3, axis=-1)
    second = np.full_like(first, 255)                     # a blank second frame
    buf = io.BytesIO()
    Image.fromarray(first).save(buf, "MPO", save_all=True, append_images=[Image.fromarray(second)])
    assert Image.open(io.BytesIO(buf.getvalue())).format == "MPO"
    rgb = load_image(buf.getvalue())
    assert np.corrcoef(preprocess(rgb), preprocess(load_image(encode(first, "JPEG"))))[0, 1] > 0.98
