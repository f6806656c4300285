"""Reading an uploaded photo or PNG safely: size limits, clear messages, a bounded image.

An upload is untrusted: it may be huge, not an image at all, or a small file
that decompresses to an enormous one (a "decompression bomb"). We check the
byte size first, then the pixel count from the header before decoding, and
shrink what we keep so preprocessing stays fast. Every problem raises
:class:`ImageError` with a sentence a student can act on: an English template and its
values (:mod:`nnlib.digits.errors`), so an application can show it in its own language.
"""

from __future__ import annotations

import io
import warnings

import numpy as np

from .errors import N_, ExplainedError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024   # a phone photo as JPEG is 2 to 4 MB
MAX_PIXELS = 25_000_000              # 25 megapixels; anything larger is refused before decoding
WORKING_SIDE = 560                   # larger images are shrunk to this longer side (2× the canvas)
# MPO is what some phone cameras save: JPEG frames in one file; the first frame is the photo.
FORMATS = ("PNG", "JPEG", "MPO")


class ImageError(ExplainedError):
    """An uploaded file cannot be used as a digit image; the message says why and what to do.

    A ValueError whose English sentence is ``template`` filled with ``values`` (see :class:`ExplainedError`):

    >>> error = ImageError(N_("This is a {format} file. Upload a PNG or JPEG picture."), format="GIF")
    >>> str(error)
    'This is a GIF file. Upload a PNG or JPEG picture.'
    """


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def load_image(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES, max_pixels: int = MAX_PIXELS,
               working_side: int = WORKING_SIDE) -> np.ndarray:
    """Decode PNG or JPEG bytes to an (H, W, 3) uint8 RGB array with H, W ≤ ``working_side``.

    Transparent areas are filled with the colour that contrasts with the
    drawing (black behind light ink, white behind dark ink), so a digit on a
    transparent background keeps its shape. Raises :class:`ImageError`.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageError(N_("expected the file's bytes. Received {type}."), type=type(data).__name__)
    data = bytes(data)
    if len(data) == 0:
        raise ImageError(N_("The file is empty. Upload a PNG or JPEG picture of one digit."))
    if len(data) > max_bytes:
        raise ImageError(N_("The file is {size}; at most {limit} are allowed. Crop the photo to the digit or save "
                            "it smaller."), size=_mb(len(data)), limit=_mb(max_bytes))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in FORMATS:
                raise ImageError(N_("This is a {format} file. Upload a PNG or JPEG picture."),
                                 format=img.format or "unknown")
            w, h = img.size
            if w * h > max_pixels:
                raise ImageError(N_("The picture is {width} × {height} pixels ({megapixels} megapixels); at most "
                                    "{limit} megapixels are allowed. Crop it to the digit."),
                                 width=f"{w:,}", height=f"{h:,}", megapixels=f"{w * h / 1e6:.0f}",
                                 limit=f"{max_pixels / 1e6:.0f}")
            img.draft("RGB", (working_side, working_side))  # JPEG: decode at reduced size, much faster
            img.load()  # an MPO file opens on its first frame
            # A phone stores "rotate me" in EXIF instead of turning the pixels: apply it, or a 7 lies on its side.
            img = ImageOps.exif_transpose(img)
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(N_("This file is not a readable PNG or JPEG picture.")) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or corrupt image data
        raise ImageError(N_("This picture is damaged or incomplete and could not be read. Try saving it again as "
                            "PNG or JPEG.")) from exc
    img.thumbnail((working_side, working_side), Image.Resampling.LANCZOS)
    return _flatten_alpha(img)


def _flatten_alpha(img) -> np.ndarray:
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32)
        alpha = rgba[..., 3:] / 255.0
        opaque = alpha[..., 0] > 0.5
        if opaque.any() and not opaque.all():
            # Fill behind the opaque part with the colour that contrasts with it.
            mean = float(rgba[..., :3][opaque].mean())
            fill = 0.0 if mean > 127.5 else 255.0
            rgb = rgba[..., :3] * alpha + fill * (1.0 - alpha)
            return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
        return rgba[..., :3].astype(np.uint8)
    if img.mode != "RGB":
        img = img.convert("RGB")
    return np.asarray(img, dtype=np.uint8)
