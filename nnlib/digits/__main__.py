"""Command line: read digits from image files with the page's preprocessing and default model.

    python -m nnlib.digits predict IMAGE [IMAGE ...] [--json]

(The quality checks and the hyperparameter search that chose the default model
are in ``benchmarks/digits_quality.py``.)

``predict`` prints, for each image, the digit read and the ten probabilities;
with ``--json`` it prints one JSON list instead. It exits with status 1 when
an image could not be read (the other images are still reported).
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from pathlib import Path

from . import default_model, load_image, preprocess, read
from .images import MAX_UPLOAD_BYTES, ImageError
from .model import DEFAULT_CONFIG, load_cached, model_path, shipped_model


def _model():
    if shipped_model(DEFAULT_CONFIG) is None and load_cached(model_path(DEFAULT_CONFIG)) is None:
        print("Training the default digit model once (a few seconds); later runs load it from the cache.",
              file=sys.stderr)
    return default_model()


def read_image_file(path: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; ImageError for anything else.

    A device (/dev/zero, or a link to /dev/urandom) would be read without end and a named
    pipe would block for ever, so the file is opened without blocking, checked with fstat
    (the opened file itself, not the name, so it cannot be swapped in between) and read
    only up to its limit.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ImageError("This is not a regular file (a device, a pipe or a folder); give a PNG or JPEG file.")
        if info.st_size > max_bytes:  # checked before reading, so a huge file is never loaded
            raise ImageError(f"The file is {info.st_size / 2**20:.1f} MB; at most {max_bytes / 2**20:.1f} MB "
                             "are allowed.")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # the file grew while it was read
        raise ImageError(f"The file is larger than {max_bytes / 2**20:.1f} MB.")
    return data


def predict_file(model, path: Path) -> dict:
    """One image file → {"file", "digit", "probabilities", ...} or {"file", "error"}."""
    try:
        x = preprocess(load_image(read_image_file(path)))
    except OSError as exc:
        return {"file": str(path), "error": f"cannot read the file ({exc.strerror or exc})."}
    except ImageError as exc:
        return {"file": str(path), "error": str(exc)}
    if x is None:
        return {"file": str(path), "error": "no ink found: the image is blank."}
    return {"file": str(path), **read(model, x).as_dict()}


def _print_text(result: dict) -> None:
    if "error" in result:
        print(f"{result['file']}: error: {result['error']}")
        return
    a, b = result["candidates"]
    note = f"  (not sure: {a} or {b})" if result["unsure"] else ""
    print(f"{result['file']}: {result['digit']}  p={result['confidence']:.3f}{note}")
    print("  " + "  ".join(f"{d}:{p:.3f}" for d, p in enumerate(result["probabilities"])))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnlib.digits", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_predict = sub.add_parser("predict", help="read the digit in each image file (PNG or JPEG)")
    p_predict.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    p_predict.add_argument("--json", action="store_true", help="print one JSON list")
    args = parser.parse_args(argv)

    if args.command == "predict":
        model = _model()
        results = [predict_file(model, path) for path in args.images]
        if args.json:
            print(json.dumps(results, indent=2))
        else:
            for result in results:
                _print_text(result)
        return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
