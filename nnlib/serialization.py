"""Save and load models as .npz files that never execute anything.

A file holds a JSON header (format, version, architecture, loss, dtype) and
one array per parameter (``param_0``, ``param_1``, ...). Loading reads the
zip directory first and checks every entry's size before reading it; arrays
are read with ``allow_pickle=False``; the header is checked against
 the layer sizes chain; and each array must have exactly the shape the header
implies and hold finite floats. Any problem raises :class:`ModelFileError`
with a message a student can act on.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np

from . import activations, losses
from .files import atomic_write
from .layers import Dense
from .model import Sequential

FORMAT = "nnlib-model"
VERSION = 1
_MAX_HEADER_BYTES = 64 * 1024
# A library-wide guard against archive bombs; a host passes its own, smaller max_bytes.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_LAYERS = 1_000


class ModelFileError(ValueError):
    """A model file is corrupt, mismatched, too large or not an nnlib model."""


# What zipfile raises on damaged archives (found by fuzzing): all become ModelFileError.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError, struct.error, zlib.error)


def save(model: Sequential, path) -> None:
    """Write ``model`` to ``path`` (a filename, written atomically, or a writable binary file object)."""
    header = {"format": FORMAT, "version": VERSION, **model.config()}
    arrays = {f"param_{i}": w for i, w in enumerate(model.get_weights())}
    arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    if isinstance(path, (str, os.PathLike)):
        with atomic_write(path) as fh:  # a reader (another process) never sees half a file
            np.savez(fh, **arrays)
    else:
        np.savez(path, **arrays)


def to_bytes(model: Sequential) -> bytes:
    """The .npz file as bytes (for a download button)."""
    buf = io.BytesIO()
    save(model, buf)
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


def _parse_header(raw: np.ndarray) -> dict:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError("the header is not a JSON text.")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"the header is not valid JSON ({exc.__class__.__name__}).") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError("this is not an nnlib model file (its header names no nnlib format).")
    if header.get("version") != VERSION:
        raise ModelFileError(f"this model file has version {header.get('version')!r}; "
                             f"this nnlib reads version {VERSION}.")
    layers = header.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ModelFileError("the header lists no layers.")
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise ModelFileError(f"layer {i + 1} in the header is not a description.")
        for key in ("n_in", "n_out"):
            v = layer.get(key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ModelFileError(f"layer {i + 1} has an invalid {key}: {v!r}.")
        if layer.get("activation") not in activations.REGISTRY:
            raise ModelFileError(f"layer {i + 1} has an unknown activation {layer.get('activation')!r}.")
        if not isinstance(layer.get("use_bias", True), bool):
            raise ModelFileError(f"layer {i + 1} has an invalid use_bias.")
    if header.get("loss", "cross_entropy") not in losses.REGISTRY:
        raise ModelFileError(f"unknown loss {header.get('loss')!r}.")
    if header.get("dtype", "float32") not in ("float32", "float64"):
        raise ModelFileError(f"unknown dtype {header.get('dtype')!r}.")
    return header


def load(source, max_bytes: int = MAX_FILE_BYTES) -> Sequential:
    """Read a model written by :func:`save` from a path, bytes or a binary file object."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        size = os.path.getsize(source)
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
        if len(layers_cfg) > MAX_LAYERS:
            raise ModelFileError(f"the header lists {len(layers_cfg):,} layers; at most {MAX_LAYERS:,} are read.")
        expected = []
        for c in layers_cfg:
            expected.append((c["n_out"], c["n_in"]))
            if c.get("use_bias", True):
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
    dtype = header.get("dtype", "float32")
    layers = [Dense(c["n_in"], c["n_out"], c["activation"], c.get("use_bias", True), dtype=dtype, seed=0)
              for c in layers_cfg]
    model = Sequential(layers, loss=header.get("loss", "cross_entropy"))
    model.set_weights(weights)
    return model
