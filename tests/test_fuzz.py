"""Bad input never crashes the server: fuzzing model files, digit images and uploaded pictures.

Every rejection must be the library's own error type (a ValueError) with a message a student can
read; nothing else may escape. Hypothesis generates the inputs and, on a failure, prints the
smallest input it found that fails.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib
from nnlib import digits, serialization

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALID = serialization.to_bytes(nnlib.NetworkSpec(n_in=4, hidden=(3,), n_out=2).build(seed=0))


def load_or_message(data: bytes):
    """Load a file; a refusal must be a ModelFileError with a sentence in it."""
    try:
        return nnlib.load(data)
    except nnlib.ModelFileError as exc:
        message = str(exc)
        assert len(message) > 15 and message.strip() == message, message
        return None


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


# --- nnlib.load ------------------------------------------------------------------------------
@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_are_refused_with_a_message(data):
    assert load_or_message(data) is None


@FUZZ
@given(st.integers(0, len(VALID) - 1), st.integers(1, 255))
def test_a_valid_file_with_one_byte_changed_loads_or_is_refused(position, delta):
    data = bytearray(VALID)
    data[position] = (data[position] + delta) % 256
    model = load_or_message(bytes(data))
    if model is not None:   # a flipped weight byte can still be a valid model
        assert model.sizes() == [4, 3, 2]


@FUZZ
@given(st.integers(0, len(VALID)))
def test_a_truncated_file_is_refused(length):
    if length < len(VALID):
        assert load_or_message(VALID[:length]) is None


json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**12) | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4),
                           max_leaves=12)


@FUZZ
@given(st.dictionaries(st.sampled_from(["format", "version", "layers", "loss", "dtype", "n_in", "x"]), json_values),
       st.booleans())
def test_any_json_header_is_checked(header, keep_format):
    if keep_format:
        header = {**header, "format": serialization.FORMAT, "version": serialization.VERSION}
    raw = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    data = zip_of({"header.npy": npy(raw), "param_0.npy": npy(np.zeros((3, 4), "f4"))})
    assert load_or_message(data) is None


# A JSON value as text: any nested value, a whole number of up to 6,000 digits, or lists nested
# up to 6,000 deep (Python's json refuses the first past 4,300 digits, the second past ~1,000 levels).
json_texts = (json_values.map(json.dumps) | st.integers(1, 6000).map(lambda n: "9" * n)
              | st.integers(1, 6000).map(lambda d: "[" * d + "]" * d))
HEADER_FIELDS = ["format", "version", "layers", "loss", "dtype", "extra"] + [
    f"layers.{i}.{key}" for i in (0, 1) for key in ("n_in", "n_out", "activation", "use_bias", "extra")]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(HEADER_FIELDS), st.none() | json_texts)
def test_any_value_in_any_header_field_loads_or_is_refused(field, text):
    """A valid file's header with one field replaced by any JSON text (None: the field removed)."""
    header = {"format": serialization.FORMAT, "version": serialization.VERSION,
              **nnlib.load(VALID).config()}
    *path, key = field.split(".")
    where = header if not path else header["layers"][int(path[1])]
    where.pop(key, None)
    if text is not None:
        where[key] = "@@value@@"
    raw = json.dumps(header).replace('"@@value@@"', text or "")
    src = zipfile.ZipFile(io.BytesIO(VALID))
    members = {name: src.read(name) for name in src.namelist()}
    members["header.npy"] = npy(np.frombuffer(raw.encode(), dtype=np.uint8))
    model = load_or_message(zip_of(members))
    if model is not None:
        assert model.sizes() == [4, 3, 2]


def expected_refusal(members: dict[str, tuple[str, object]]) -> str:
    """The start of the message that refuses these members: the header decides (see nnlib.load)."""
    if "header.npy" not in members:
        return "this file has no nnlib header; was it saved with nnlib.save?"
    kind, header = members["header.npy"]
    if kind == "bytes":
        return "the entry 'header.npy' is not a valid array"
    if kind == "objects":
        return "the entry 'header.npy' holds Python objects (a pickle). nnlib model files hold numbers only"
    if header.dtype != np.uint8 or header.ndim != 1:
        return "the header is not a JSON text."
    try:
        json.loads(header.tobytes().decode("utf-8"))  # at most 5 bytes: never a header naming the format
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
        return "the header is not valid JSON ("
    return "this is not an nnlib model file (its header names no nnlib format)."


@FUZZ
@given(st.dictionaries(st.sampled_from(["header.npy", "param_0.npy", "param_1.npy", "param_9.npy", "../x.npy"]),
                       st.one_of(st.binary(max_size=300).filter(lambda b: not b.startswith(b"\x93NUMPY"))
                                 .map(lambda b: ("bytes", b)),
                                 hnp.arrays(st.sampled_from(["f4", "f8", "i4", "u1", "U3", "c8"]),
                                            hnp.array_shapes(min_dims=0, max_dims=3, max_side=5))
                                 .map(lambda a: ("array", a)),
                                 hnp.arrays(object, hnp.array_shapes(max_dims=2, max_side=3),
                                            elements=st.integers() | st.text(max_size=3))
                                 .map(lambda a: ("objects", a))),
                       max_size=5))
def test_random_npz_members_are_refused_with_a_message(members):
    data = zip_of({name: value if kind == "bytes" else npy(value) for name, (kind, value) in members.items()})
    with pytest.raises(nnlib.ModelFileError) as refused:
        nnlib.load(data)
    message = str(refused.value)
    assert message.startswith(expected_refusal(members)), (message, members)
    assert len(message) > 15 and message.strip() == message, message


@FUZZ
@given(hnp.arrays(np.float32, st.sampled_from([(3, 4), (3,), (2, 3), (4, 3), (3, 4, 1)]),
                  elements=st.floats(width=32, allow_nan=True, allow_infinity=True)))
def test_weights_of_any_shape_or_value_are_checked(weights):
    src = zipfile.ZipFile(io.BytesIO(VALID))
    members = {name: src.read(name) for name in src.namelist()}
    members["param_0.npy"] = npy(weights)
    model = load_or_message(zip_of(members))
    if model is not None:
        assert weights.shape == (3, 4) and np.all(np.isfinite(weights))
        np.testing.assert_array_equal(model.get_weights()[0], weights)


# --- digit preprocessing -----------------------------------------------------------------------
dtypes = st.sampled_from([np.uint8, np.uint16, np.int64, np.float32, np.float64, np.bool_, np.int8])
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=40)


@FUZZ
@given(hnp.arrays(dtypes, shapes))
def test_preprocess_returns_a_digit_or_none_or_says_why(image):
    try:
        x = digits.preprocess(image)
    except ValueError as exc:
        assert len(str(exc)) > 15
        return
    if x is not None:
        assert x.shape == (256,) and x.dtype == np.float32
        assert np.all(np.isfinite(x)) and x.min() >= 0.0 and x.max() <= 1.0


@FUZZ
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 300), st.integers(1, 300), st.sampled_from([3, 4]))))
def test_preprocess_reads_any_canvas_sized_picture(image):
    x = digits.preprocess(image)
    assert x is None or (x.shape == (256,) and x.min() >= 0.0 and x.max() <= 1.0)


@pytest.mark.parametrize("bad", ["a string", None, [[1, 2], [3]], {"a": 1}])
def test_preprocess_refuses_non_arrays_with_a_message(bad):
    with pytest.raises(ValueError, match=r"\w+ \w+"):
        digits.preprocess(bad)


@FUZZ
@given(st.binary(max_size=4096))
def test_uploaded_pictures_of_random_bytes_are_refused_with_a_message(data):
    try:
        image = digits.load_image(data)
    except digits.ImageError as exc:
        assert len(str(exc)) > 15
        return
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
