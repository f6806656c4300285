"""Save and load models as .npz files that never execute anything.

A file holds a JSON header (format, version, architecture, loss, dtype, and an
optional ``meta`` object saying what the model was trained on and how) and
one array per parameter (``param_0``, ``param_1``, ...). Loading reads the
zip directory first and checks every entry's size before reading it; arrays
are read with ``allow_pickle=False``; the header is checked against
 the layer sizes chain; and each array must have exactly the shape the header
implies and hold finite floats. Any problem raises :class:`ModelFileError`
with a message a student can act on.

``meta`` is a flat JSON object of at most :data:`MAX_META_FIELDS` fields, each a number, true/false,
null, a short text or a short list of whole numbers and short texts, e.g.
``{"dataset": "spiral", "features": ["x1", "x2"], "hidden": [4, 4], "learning_rate": 0.03}``.
nnlib checks its form only; what a field means (is "spiral" a data set this app has?) is the
reader's to check. :func:`load` checks it too and returns the model alone; :func:`load_with_meta`
returns both. A file saved without meta has exactly the header of older nnlib files.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import unicodedata
import zipfile
import zlib
from typing import NamedTuple

import numpy as np

from . import activations, losses
from .files import atomic_write
from .layers import Dense
from .model import Sequential
from .validation import shown

FORMAT = "nnlib-model"
VERSION = 1
_MAX_HEADER_BYTES = 64 * 1024
# A library-wide guard against archive bombs; a host passes its own, smaller max_bytes.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_LAYERS = 1_000
MAX_UNITS = MAX_FILE_BYTES // 4  # neurons in one layer: more float32 weights would not fit
MAX_META_FIELDS = 32
MAX_META_TEXT = 64       # characters in a meta field's name or text
MAX_META_LIST = 64       # items in a meta list
MAX_META_INT = 10 ** 15  # whole numbers beyond this lose precision in JavaScript, which may show them
_META_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ModelFileError(ValueError):
    """A model file is corrupt, mismatched, too large or not an nnlib model."""


# What zipfile raises on damaged archives (found by fuzzing): all become ModelFileError.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError, struct.error, zlib.error)


class Loaded(NamedTuple):
    """What :func:`load_with_meta` returns: the model and its file's meta ({} when it has none)."""

    model: Sequential
    meta: dict


def save(model: Sequential, path, meta: dict | None = None) -> None:
    """Write ``model`` to ``path`` (a filename, written atomically, or a writable binary file object).

    meta: optional facts about the model, stored in the header (see the module docstring for what
    it may hold), e.g. ``{"dataset": "spiral", "hidden": [4, 4], "optimizer": "adam"}``. A meta
    that breaks the rules is a ValueError (TypeError when it is not a dict), and nothing is written.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a nnlib.Sequential. Received: model={shown(model)}")
    if meta is not None and not isinstance(meta, dict):
        raise TypeError(f"meta must be a dict of plain values, or None. Received: meta={shown(meta)}")
    header = {"format": FORMAT, "version": VERSION, **model.config()}
    if meta:
        problem = _meta_problem(meta)
        if problem:
            raise ValueError(f"meta {problem}")
        header["meta"] = dict(meta)
    arrays = {f"param_{i}": w for i, w in enumerate(model.get_weights())}
    arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    if isinstance(path, (str, os.PathLike)):
        with atomic_write(path) as fh:  # a reader (another process) never sees half a file
            np.savez(fh, **arrays)
    else:
        np.savez(path, **arrays)


def to_bytes(model: Sequential, meta: dict | None = None) -> bytes:
    """The .npz file as bytes (for a download button); ``meta`` as in :func:`save`."""
    buf = io.BytesIO()
    save(model, buf, meta)
    return buf.getvalue()


def _read_member(zf: zipfile.ZipFile, name: str, max_bytes: int) -> np.ndarray:
    info = zf.getinfo(name)
    if info.file_size > max_bytes:
        raise ModelFileError(f"the entry {name!r} would unpack to {info.file_size:,} bytes, "
                             f"more than the {max_bytes:,} allowed.")
    try:
        with zf.open(info) as fh:
            data = fh.read(max_bytes + 1)
    except _ZIP_ERRORS as exc:  # bad CRC, cut-off data, bogus offsets, encryption, ...
        raise ModelFileError(f"the entry {name!r} is damaged and cannot be read "
                             f"({exc.__class__.__name__}).") from exc
    if len(data) > max_bytes:
        raise ModelFileError(f"the entry {name!r} is larger than its directory says.")
    try:
        return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "object" in str(exc).lower():
            raise ModelFileError(f"the entry {name!r} holds Python objects (a pickle). "
                                 "nnlib model files hold numbers only, so it was not read.") from exc
        raise ModelFileError(f"the entry {name!r} is not a valid array: {exc}") from exc
    except Exception as exc:
        raise ModelFileError(f"the entry {name!r} is not a valid array ({exc.__class__.__name__}).") from exc


_REQUIRED = object()  # a field without a default


def _one_of(choices):
    return lambda v: isinstance(v, str) and v in choices, "one of " + ", ".join(map(repr, choices))


def _whole(low, high):
    return lambda v: type(v) is int and low <= v <= high, f"a whole number from {low:,} to {high:,}"


# Every field a header may hold: name -> (test, what it must be, default). Anything else is refused.
_FIELDS = {
    "format": (lambda v: v == FORMAT, repr(FORMAT), _REQUIRED),
    "version": (*_whole(VERSION, VERSION), _REQUIRED),
    "layers": (lambda v: isinstance(v, list) and 1 <= len(v) <= MAX_LAYERS,
               f"a list of 1 to {MAX_LAYERS:,} layers", _REQUIRED),
    "loss": (*_one_of(tuple(losses.REGISTRY)), "cross_entropy"),
    "dtype": (*_one_of(("float32", "float64")), "float32"),
    "meta": (lambda v: isinstance(v, dict), "a JSON object of plain values", {}),
}
_LAYER_FIELDS = {
    "n_in": (*_whole(1, MAX_UNITS), _REQUIRED),
    "n_out": (*_whole(1, MAX_UNITS), _REQUIRED),
    "activation": (*_one_of(tuple(activations.REGISTRY)), _REQUIRED),
    "use_bias": (lambda v: isinstance(v, bool), "true or false", True),
}


def _checked(obj, fields: dict, where: str) -> dict:
    """``obj`` (a parsed JSON object) with every field checked and defaults filled in."""
    if not isinstance(obj, dict):
        raise ModelFileError(f"{where} is not a description: it must be a JSON object. Received: {shown(obj)}")
    unknown = [key for key in obj if key not in fields]
    if unknown:
        raise ModelFileError(f"{where} has an unknown field {shown(unknown[0])}; it may hold only "
                             f"{', '.join(fields)}.")
    out = {}
    for key, (ok, wanted, default) in fields.items():
        if key not in obj and default is _REQUIRED:
            raise ModelFileError(f"{where} has no {key}.")
        out[key] = obj.get(key, default)
        if not ok(out[key]):
            raise ModelFileError(f"{where}'s {key} must be {wanted}. Received: {key}={shown(out[key])}")
    return out


def _meta_text_ok(v) -> bool:
    # Control and format characters (a newline, a right-to-left override, a lone surrogate) are refused:
    # a meta text is shown to students as it is.
    return (isinstance(v, str) and len(v) <= MAX_META_TEXT
            and not any(unicodedata.category(c).startswith("C") for c in v))


def _meta_value_ok(v, in_list: bool = False) -> bool:
    if type(v) is int:  # bool is not int here: type() is exact
        return abs(v) <= MAX_META_INT
    if isinstance(v, str):
        return _meta_text_ok(v)
    if in_list:
        return False
    if v is None or type(v) is bool:
        return True
    if type(v) is float:
        return math.isfinite(v)
    if isinstance(v, list):
        return len(v) <= MAX_META_LIST and all(_meta_value_ok(item, in_list=True) for item in v)
    return False


_META_VALUE = (f"a finite number (whole numbers up to {MAX_META_INT:.0e}), true, false, null, a text of at most "
               f"{MAX_META_TEXT} characters without control characters, or a list of at most {MAX_META_LIST} "
               "whole numbers and such texts")


def _meta_problem(meta: dict) -> str | None:
    """What is wrong with a meta dict, as the end of a sentence that starts with its name, or None."""
    if len(meta) > MAX_META_FIELDS:
        return f"may hold at most {MAX_META_FIELDS} fields. Received {len(meta):,} fields."
    for key, value in meta.items():
        if not (isinstance(key, str) and len(key) <= MAX_META_TEXT and _META_NAME.fullmatch(key)):
            return (f"field names must be identifiers (letters, digits and _) of at most {MAX_META_TEXT} "
                    f"characters. Received: {shown(key)}")
        if not _meta_value_ok(value):
            return f"field {key!r} must be {_META_VALUE}. Received: {key}={shown(value)}"
    return None


def _small_int(text: str) -> int:  # Python refuses past 4,300 digits (a ValueError); no header needs 21
    if len(text.lstrip("-")) > 20:
        raise ModelFileError(f"the header holds a whole number of {len(text.lstrip('-')):,} digits; "
                             "an nnlib header's numbers have at most 20.")
    return int(text)


def _parse_header(raw: np.ndarray) -> dict:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError("the header is not a JSON text.")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"), parse_int=_small_int)
    except ModelFileError:
        raise
    except RecursionError as exc:  # [[[[...]]]] thousands deep: the parser recurses once per level
        raise ModelFileError("the header is nested too deeply to be an nnlib header.") from exc
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ModelFileError(f"the header is not valid JSON ({exc.__class__.__name__}).") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError("this is not an nnlib model file (its header names no nnlib format).")
    if header.get("version") != VERSION:
        raise ModelFileError(f"this model file has version {shown(header.get('version'))}; "
                             f"this nnlib reads version {VERSION}.")
    header = _checked(header, _FIELDS, "the header")
    header["layers"] = [_checked(c, _LAYER_FIELDS, f"layer {i}") for i, c in enumerate(header["layers"], 1)]
    problem = _meta_problem(header["meta"])
    if problem:
        raise ModelFileError(f"the header's meta {problem}")
    header["meta"] = dict(header["meta"])
    return header


def _check_range(layers_cfg, weights, dtype: str, margin: float = 1e6) -> None:
    """Refuse finite weights whose outputs could overflow ``dtype`` (inf, then NaN, read as the digit 0).

    Weights of 3e38 are finite float32, yet a sum of two such products is not. Rather than a cap per weight
    (which a layer's width can undo), the outputs are bounded for every input with |xᵢ| ≤ 1 (the digits'
    and 2-D sets' range): |zⱼ| ≤ Σᵢ |Wⱼᵢ|·B + |bⱼ|, B bounding the layer's inputs (1 after sigmoid, tanh
    or softmax). Each bound must stay ``margin`` below the dtype's largest number: room for inputs to 10⁶.
    """
    limit, bound, k = float(np.finfo(dtype).max) / margin, 1.0, 0
    with np.errstate(over="ignore", invalid="ignore"):
        for i, c in enumerate(layers_cfg, start=1):
            W = np.abs(weights[k].astype(np.float64))
            b = np.abs(weights[k + 1].astype(np.float64)) if c["use_bias"] else 0.0
            z = float(np.max(W.sum(axis=1) * bound + b))
            if not z <= limit:
                raise ModelFileError(
                    f"layer {i}'s weights are too large: its outputs could reach {z:.3g}, past what {dtype} "
                    f"holds safely ({limit:.3g}), so the network would compute infinities and NaN.")
            bound = 1.0 if c["activation"] in ("sigmoid", "tanh", "softmax") else z
            k += 2 if c["use_bias"] else 1


def load(source, max_bytes: int = MAX_FILE_BYTES) -> Sequential:
    """Read a model written by :func:`save` from a path, bytes or a binary file object.

    The file's meta, if any, is checked like the rest of the header but not returned:
    :func:`load_with_meta` returns it.
    """
    return load_with_meta(source, max_bytes).model


def load_with_meta(source, max_bytes: int = MAX_FILE_BYTES) -> Loaded:
    """Read a model and its meta: ``Loaded(model, meta)``, meta {} for a file saved without one.

    source and max_bytes as in :func:`load`; every problem is a :class:`ModelFileError`.
    """
    if not (isinstance(source, (bytes, bytearray, str, os.PathLike))
            or (hasattr(source, "read") and hasattr(source, "seek"))):
        raise TypeError(f"source must be a path, bytes or a binary file object. Received: source={shown(source)}")
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        try:
            size = os.path.getsize(source)  # a missing file is an OSError, as with open()
        except ValueError as exc:  # a NUL character in the path
            raise ValueError(f"source is not a usable path. Received: source={shown(source)}") from exc
        if size > max_bytes:
            raise ModelFileError(f"the file is {size:,} bytes; at most {max_bytes:,} are allowed.")
    try:
        zf = zipfile.ZipFile(source)
    except _ZIP_ERRORS as exc:
        raise ModelFileError("this file is not an nnlib model (.npz): it is not a readable zip archive.") from exc
    with zf:
        names = set(zf.namelist())
        if "header.npy" not in names:
            raise ModelFileError("this file has no nnlib header; was it saved with nnlib.save?")
        total = sum(info.file_size for info in zf.infolist())
        if total > max_bytes or len(names) > 2 * MAX_LAYERS + 1:
            raise ModelFileError(f"the file would unpack to {total:,} bytes in {len(names)} entries; "
                                 f"at most {max_bytes:,} bytes are allowed.")
        header = _parse_header(_read_member(zf, "header.npy", _MAX_HEADER_BYTES))
        layers_cfg = header["layers"]
        for i, (below, above) in enumerate(zip(layers_cfg, layers_cfg[1:]), start=1):
            if above["n_in"] != below["n_out"]:
                raise ModelFileError(f"layer {i + 1} expects {above['n_in']} inputs but layer {i} "
                                     f"has {below['n_out']} neurons.")
        expected = []
        for c in layers_cfg:
            expected.append((c["n_out"], c["n_in"]))
            if c["use_bias"]:
                expected.append((c["n_out"],))
        weights = []
        for i, shape in enumerate(expected):
            name = f"param_{i}.npy"
            if name not in names:
                raise ModelFileError(f"parameter {i} is missing from the file.")
            arr = _read_member(zf, name, max_bytes)
            if arr.shape != shape:
                raise ModelFileError(f"parameter {i} has shape {arr.shape}, but the header says {shape}.")
            if arr.dtype.kind != "f":
                raise ModelFileError(f"parameter {i} holds {arr.dtype}, not floating-point numbers.")
            if not np.all(np.isfinite(arr)):
                raise ModelFileError(f"parameter {i} contains NaN or infinite values.")
            weights.append(arr)
        if f"param_{len(expected)}.npy" in names:
            raise ModelFileError("the file holds more parameters than its header describes.")
    _check_range(layers_cfg, weights, header["dtype"])
    layers = [Dense(c["n_in"], c["n_out"], c["activation"], c["use_bias"], dtype=header["dtype"], seed=0)
              for c in layers_cfg]
    model = Sequential(layers, loss=header["loss"])
    model.set_weights(weights)
    return Loaded(model, header["meta"])
