"""Command line: read digits from image files with the page's preprocessing and default model.

    python -m nnlib.digits predict IMAGE [IMAGE ...] [--json]

(The quality checks and the hyperparameter search that chose the default model
are in ``benchmarks/digits_quality.py``.)

``predict`` prints, for each image, the digit read and the ten probabilities;
with ``--json`` it prints one JSON list instead. It exits with status 1 when
an image could not be read (the other images are still reported).

The messages follow the language of the environment, as any command line does
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``LANGUAGE=zh_CN`` prints
Chinese), an unreadable photo's sentences (:class:`ImageError`: its template, from
``nnlib/digits/images.py``, and its values) included. They come from nnlib's own
gettext catalog, ``nnlib/locales`` (domain ``nnlib``; nnlib does not use the app's
``i18n``), kept with Babel's commands:

    pybabel extract --project nnlib --no-location --sort-output -o nnlib/locales/nnlib.pot \
        nnlib/digits/__main__.py nnlib/digits/images.py
    pybabel update -i nnlib/locales/nnlib.pot -d nnlib/locales -D nnlib -l zh_CN --ignore-obsolete -w 100
    pybabel compile -d nnlib/locales -D nnlib
"""

from __future__ import annotations

import argparse
import gettext
import json
import os
import re
import stat
import sys
from functools import lru_cache
from pathlib import Path

from . import default_model, load_image, preprocess, read
from .errors import N_
from .images import MAX_UPLOAD_BYTES, ImageError
from .model import DEFAULT_CONFIG, load_cached, model_path, shipped_model

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "nnlib"


@lru_cache(maxsize=1)
def _translations() -> gettext.NullTranslations:
    """nnlib's catalog in the environment's language (English, the messages themselves, without one)."""
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, fallback=True)


def _(message: str) -> str:
    """``message`` in the language of the environment."""
    return _translations().gettext(message)


def _model():
    if shipped_model(DEFAULT_CONFIG) is None and load_cached(model_path(DEFAULT_CONFIG)) is None:
        print(_("Training the default digit model once (a few seconds); later runs load it from the cache."),
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
            raise ImageError(N_("This is not a regular file (a device, a pipe or a folder); give a PNG or JPEG "
                                "file."))
        if info.st_size > max_bytes:  # checked before reading, so a huge file is never loaded
            raise ImageError(N_("The file is {size} MB; at most {limit} MB are allowed."),
                             size=f"{info.st_size / 2**20:.1f}", limit=f"{max_bytes / 2**20:.1f}")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # the file grew while it was read
        raise ImageError(N_("The file is larger than {limit} MB."), limit=f"{max_bytes / 2**20:.1f}")
    return data


def predict_file(model, path: Path) -> dict:
    """One image file → {"file", "digit", "probabilities", ...} or {"file", "error"}."""
    try:
        x = preprocess(load_image(read_image_file(path)))
    except OSError as exc:
        return {"file": str(path), "error": _("cannot read the file ({reason}).").format(reason=exc.strerror or exc)}
    except ImageError as exc:
        return {"file": str(path), "error": exc.in_language(_)}
    if x is None:
        return {"file": str(path), "error": _("no ink found: the image is blank.")}
    return {"file": str(path), **read(model, x).as_dict()}


def _print_text(result: dict) -> None:
    if "error" in result:
        print(_("{file}: error: {error}").format(file=result["file"], error=result["error"]))
        return
    a, b = result["candidates"]
    note = "  " + _("(not sure: {a} or {b})").format(a=a, b=b) if result["unsure"] else ""
    print(f"{result['file']}: {result['digit']}  p={result['confidence']:.3f}{note}")
    print("  " + "  ".join(f"{d}:{p:.3f}" for d, p in enumerate(result["probabilities"])))


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help, with its "usage: " in the environment's language."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


# argparse's own sentences for the mistakes a user of this command makes. argparse has no catalog of its own
# and hands error() only the finished English sentence, so these are matched against it (nnlib's own errors
# carry their template and values instead: ExplainedError).
USAGE_ERRORS = (
    N_("the following arguments are required: {arguments}"),
    N_("unrecognized arguments: {arguments}"),
    N_("argument {argument}: invalid choice: {choice} (choose from {choices})"),
)


def _usage_pattern(template: str) -> re.Pattern:
    """A regex matching ``template`` with each {name} as a group of that name."""
    parts = re.split(r"\{(\w+)\}", template)  # text, name, text, name, …, text
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)),
                      re.S)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, saying what went wrong in the environment's language."""

    def error(self, message):
        for template in USAGE_ERRORS:
            found = _usage_pattern(template).fullmatch(message)
            if found:
                message = _(template).format(**found.groupdict())
                break
        self.print_usage(sys.stderr)
        self.exit(2, _("{prog}: error: {message}").format(prog=self.prog, message=message) + "\n")


def main(argv=None) -> int:
    parser = _Parser(prog="python -m nnlib.digits", add_help=False, formatter_class=_HelpFormatter,
                     description=_("Read digits from image files with the digit page's preprocessing and the "
                                   "default model."))
    parser.add_argument_group(_("options")).add_argument("-h", "--help", action="help",
                                                         help=_("show this help message and exit"))
    sub = parser.add_subparsers(dest="command", required=True, title=_("commands"), metavar="COMMAND")
    p_predict = sub.add_parser("predict", help=_("read the digit in each image file (PNG or JPEG)"),
                               description=_("Print the digit read in each image file (PNG or JPEG) and its ten "
                                             "probabilities."), add_help=False, formatter_class=_HelpFormatter)
    arguments = p_predict.add_argument_group(_("arguments"))
    arguments.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help=_("a PNG or JPEG file"))
    arguments.add_argument("--json", action="store_true", help=_("print one JSON list"))
    arguments.add_argument("-h", "--help", action="help", help=_("show this help message and exit"))
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
