"""save / load: exact round trips, and hostile or corrupt files rejected without running anything."""

from __future__ import annotations

import io
import json
import pathlib
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnlib
from nnlib import Dense, ModelFileError, Sequential, serialization
from services import limits


def model(dtype="float32", use_bias=True):
    return Sequential([Dense(4, 6, activation="relu", seed=1, dtype=dtype, use_bias=use_bias),
                       Dense(6, 3, activation="softmax", seed=2, dtype=dtype)])


def header_of(m) -> dict:
    return {"format": serialization.FORMAT, "version": serialization.VERSION, **m.config()}


def write_npz(path, header, arrays, allow_pickle=False):
    """An .npz laid out like nnlib's, with any header and arrays (for forging bad files)."""
    entries = dict(arrays)
    if header is not None:
        entries["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez(fh, allow_pickle=allow_pickle, **entries)
    return path


def params_of(m) -> dict:
    return {f"param_{i}": w for i, w in enumerate(m.get_weights())}


X = np.random.default_rng(0).normal(size=(5, 4))


# --- round trips ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, use_bias", [("float32", True), ("float64", True), ("float32", False)])
def test_round_trip_gives_identical_predictions(xp_backend, tmp_path, dtype, use_bias):
    m = model(dtype, use_bias)
    path = tmp_path / "model.npz"
    nnlib.save(m, path)
    loaded = nnlib.load(path)
    assert loaded.config() == m.config() and repr(loaded) == repr(m)
    np.testing.assert_array_equal(loaded.predict(X), m.predict(X))
    for p, q in zip(loaded.get_weights(), m.get_weights()):
        assert p.dtype == q.dtype
        np.testing.assert_array_equal(p, q)
    assert not list(tmp_path.glob("*.part"))  # the temporary file was moved into place


def test_round_trip_through_bytes_and_file_objects():
    m = nnlib.presets.lecture_network()
    data = serialization.to_bytes(m)
    for source in (data, bytearray(data), io.BytesIO(data)):
        loaded = nnlib.load(source)
        assert loaded.loss.name == "mse" and loaded.dtype == "float64"
        np.testing.assert_array_equal(loaded.predict([1.0, -1.0]), m.predict([1.0, -1.0]))


# --- hostile files ------------------------------------------------------------------------
class Payload:
    """Unpickling this would run code: it writes a marker file."""

    marker: pathlib.Path

    def __reduce__(self):
        return (pathlib.Path.write_text, (self.marker, "code ran"))


@pytest.mark.parametrize("where", ["param_0", "header"])
def test_pickled_objects_are_never_unpickled(tmp_path, where):
    Payload.marker = tmp_path / "marker.txt"
    m = model()
    arrays = params_of(m)
    header = header_of(m)
    evil = np.array([Payload()], dtype=object)
    if where == "header":
        header = None
        arrays["header"] = evil
    else:
        arrays["param_0"] = evil
    path = write_npz(tmp_path / "evil.npz", header, arrays, allow_pickle=True)
    with pytest.raises(ModelFileError, match="holds Python objects"):
        nnlib.load(path)
    assert not Payload.marker.exists()
    # The file really is hostile: a careless np.load(allow_pickle=True) runs the payload.
    with np.load(path, allow_pickle=True) as f:
        f[where]
    assert Payload.marker.read_text() == "code ran"


def test_truncated_random_and_empty_files(tmp_path):
    data = serialization.to_bytes(model())
    for cut in (len(data) // 2, len(data) - 10, 30):
        with pytest.raises(ModelFileError):
            nnlib.load(data[:cut])
    with pytest.raises(ModelFileError, match="not a readable zip archive"):
        nnlib.load(np.random.default_rng(0).bytes(5000))
    with pytest.raises(ModelFileError, match="not a readable zip archive"):
        nnlib.load(b"")
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(ModelFileError):
        nnlib.load(empty)


def test_shapes_must_match_the_header(tmp_path):
    m = model()
    arrays = params_of(m)
    arrays["param_0"] = arrays["param_0"].T
    with pytest.raises(ModelFileError, match=r"parameter 0 has shape \(4, 6\), but the header says \(6, 4\)"):
        nnlib.load(write_npz(tmp_path / "bad.npz", header_of(m), arrays))


def test_absurd_sizes_are_refused_before_reading(tmp_path):
    m = model()
    header = header_of(m)
    header["layers"][0]["n_out"] = 10**9
    header["layers"][1]["n_in"] = 10**9
    with pytest.raises(ModelFileError) as refused:   # more float32 weights than a file can hold
        nnlib.load(write_npz(tmp_path / "huge.npz", header, params_of(m)))
    assert str(refused.value) == ("layer 1's n_out must be a whole number from 1 to 67,108,864. "
                                  "Received: n_out=1000000000")
    header["layers"][0]["n_out"] = header["layers"][1]["n_in"] = 10**6
    # The header alone allocates nothing: the first array that disagrees with it stops the load.
    with pytest.raises(ModelFileError, match=r"parameter 0 has shape \(6, 4\), but the header says \(1000000, 4\)"):
        nnlib.load(write_npz(tmp_path / "huge.npz", header, params_of(m)))
    header = header_of(m)
    header["layers"] = [{"n_in": 2, "n_out": 2, "activation": "relu"}] * 50
    with pytest.raises(ModelFileError, match="parameter 0 is missing"):
        nnlib.load(write_npz(tmp_path / "deep.npz", header, {}))
    header["layers"] = [{"n_in": 2, "n_out": 2, "activation": "relu"}] * (serialization.MAX_LAYERS + 1)
    with pytest.raises(ModelFileError, match=r"the header's layers must be a list of 1 to 1,000 layers\. "
                                             r"Received: layers=\[\{'activation': 'relu', "):
        nnlib.load(write_npz(tmp_path / "deeper.npz", header, {}))


def test_an_entry_that_unpacks_to_gigabytes_is_refused(tmp_path):
    """A small zip whose entry declares a huge size: rejected from the directory, never inflated."""
    m = model()
    good = serialization.to_bytes(m)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        with dst.open("param_4.npy", "w", force_zip64=True) as fh:  # 40 MB of zeros, ~40 kB packed
            chunk = bytes(1 << 20)
            for _ in range(40):
                fh.write(chunk)
    bomb = buf.getvalue()
    assert len(bomb) < 200_000
    with pytest.raises(ModelFileError, match="would unpack to"):
        nnlib.load(bomb, max_bytes=limits.MAX_FILE_BYTES)   # the hosted app's cap, 20 MB


def test_nan_weights_are_refused(tmp_path):
    m = model()
    arrays = params_of(m)
    arrays["param_2"] = arrays["param_2"].copy()
    arrays["param_2"][1, 1] = np.nan
    with pytest.raises(ModelFileError, match="parameter 2 contains NaN or infinite values"):
        nnlib.load(write_npz(tmp_path / "nan.npz", header_of(m), arrays))


def test_missing_header_missing_and_extra_params(tmp_path):
    m = model()
    with pytest.raises(ModelFileError, match="no nnlib header"):
        nnlib.load(write_npz(tmp_path / "a.npz", None, params_of(m)))
    arrays = params_of(m)
    del arrays["param_1"]
    with pytest.raises(ModelFileError, match="parameter 1 is missing"):
        nnlib.load(write_npz(tmp_path / "b.npz", header_of(m), arrays))
    arrays = {**params_of(m), "param_4": np.zeros(3, np.float32)}
    with pytest.raises(ModelFileError, match="more parameters than its header describes"):
        nnlib.load(write_npz(tmp_path / "c.npz", header_of(m), arrays))


ACTIVATIONS = "'sigmoid', 'relu', 'tanh', 'linear', 'softmax'"


@pytest.mark.parametrize("change, message", [
    (lambda h: h.update(format="keras"), "this is not an nnlib model file (its header names no nnlib format)."),
    (lambda h: h.update(version=99), "this model file has version 99; this nnlib reads version 1."),
    (lambda h: h.update(version=True),
     "the header's version must be a whole number from 1 to 1. Received: version=True"),
    (lambda h: h["layers"][0].update(activation="swish"),
     f"layer 1's activation must be one of {ACTIVATIONS}. Received: activation='swish'"),
    (lambda h: h["layers"][0].update(n_in=-4),
     "layer 1's n_in must be a whole number from 1 to 67,108,864. Received: n_in=-4"),
    (lambda h: h["layers"][0].update(n_in=4.0),
     "layer 1's n_in must be a whole number from 1 to 67,108,864. Received: n_in=4.0"),
    (lambda h: h["layers"][0].update(use_bias="yes"),
     "layer 1's use_bias must be true or false. Received: use_bias='yes'"),
    (lambda h: h["layers"][0].pop("n_out"), "layer 1 has no n_out."),
    (lambda h: h["layers"].__setitem__(1, 7), "layer 2 is not a description: it must be a JSON object. Received: 7"),
    (lambda h: h["layers"][1].update(n_in=5), "layer 2 expects 5 inputs but layer 1 has 6 neurons."),
    (lambda h: h.update(loss="hinge"),
     "the header's loss must be one of 'cross_entropy', 'mse'. Received: loss='hinge'"),
    (lambda h: h.update(dtype="int8"),
     "the header's dtype must be one of 'float32', 'float64'. Received: dtype='int8'"),
    (lambda h: h.update(layers=[]), "the header's layers must be a list of 1 to 1,000 layers. Received: layers=[]"),
    (lambda h: h.update({"x" * 100: 1}), "the header has an unknown field 'xxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxx'; "
                                           "it may hold only format, version, layers, loss, dtype, meta."),
    (lambda h: h["layers"][0].update(units=3),
     "layer 1 has an unknown field 'units'; it may hold only n_in, n_out, activation, use_bias."),
])
def test_bad_headers_are_explained(tmp_path, change, message):
    m = model()
    header = header_of(m)
    change(header)
    with pytest.raises(ModelFileError) as refused:
        nnlib.load(write_npz(tmp_path / "h.npz", header, params_of(m)))
    assert str(refused.value) == message


def test_non_json_header_integer_weights_and_oversized_files(tmp_path):
    m = model()
    path = tmp_path / "j.npz"
    np.savez(path, header=np.frombuffer(b"{not json", dtype=np.uint8), **params_of(m))
    with pytest.raises(ModelFileError, match="not valid JSON"):
        nnlib.load(path)
    arrays = params_of(m)
    arrays["param_0"] = arrays["param_0"].astype(np.int32)
    with pytest.raises(ModelFileError, match="holds int32, not floating-point numbers"):
        nnlib.load(write_npz(tmp_path / "i.npz", header_of(m), arrays))
    good = tmp_path / "good.npz"
    nnlib.save(m, good)
    with pytest.raises(ModelFileError, match="at most 100 are allowed"):
        nnlib.load(good, max_bytes=100)
    assert good.stat().st_size <= limits.MAX_FILE_BYTES


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6))
def test_corrupted_bytes_load_or_raise_model_file_error_only(edits):
    data = bytearray(serialization.to_bytes(model()))
    for position, value in edits:
        data[position % len(data)] = value
    try:
        loaded = nnlib.load(bytes(data))
    except ModelFileError:
        return
    assert loaded.sizes() == [4, 6, 3]   # a flip inside a weight can still be a valid model
    assert all(np.all(np.isfinite(w)) for w in loaded.get_weights())


def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    from nnlib import files

    path = tmp_path / "model.npz"
    nnlib.save(model(), path)
    before = path.read_bytes()

    def broken_savez(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(serialization.np, "savez", broken_savez)
    with pytest.raises(OSError, match="No space left"):
        nnlib.save(model(dtype="float64"), path)
    monkeypatch.undo()
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]

    def refuse(tmp):
        assert tmp.name.startswith("data.bin") and tmp.suffix == files.PART_SUFFIX and tmp.read_bytes() == b"new"
        raise ValueError("not what we expected")

    with pytest.raises(ValueError, match="not what we expected"), files.atomic_write(tmp_path / "data.bin",
                                                                                      verify=refuse) as fh:
        fh.write(b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    with files.atomic_write(tmp_path / "sub" / "data.bin") as fh:  # the folder is made as needed
        fh.write(b"ok")
    assert (tmp_path / "sub" / "data.bin").read_bytes() == b"ok"


# --- hostile headers (issue 13): every one is a ModelFileError, from nnlib.load and the sidebar upload ----
def digits_file(header_text: str) -> bytes:
    """A 256 → 8 → 10 model file whose header is ``header_text`` (any JSON, or not JSON at all)."""
    m = nnlib.NetworkSpec(n_in=256, hidden=(8,), n_out=10).build(seed=0)
    buf = io.BytesIO()
    np.savez(buf, header=np.frombuffer(header_text.encode(), dtype=np.uint8), **params_of(m))
    return buf.getvalue()


def good_header(**changes) -> dict:
    header = header_of(nnlib.NetworkSpec(n_in=256, hidden=(8,), n_out=10).build(seed=0))
    header.update(changes)
    return header


HOSTILE_HEADERS = {
    "activation is a list": (
        json.dumps({**good_header(), "layers": [{"n_in": 256, "n_out": 8, "activation": ["relu"]},
                                                      {"n_in": 8, "n_out": 10, "activation": "softmax"}]}),
        "layer 1's activation must be one of 'sigmoid', 'relu', 'tanh', 'linear', 'softmax'. "
        "Received: activation=['relu']"),
    "loss is an object": (
        json.dumps(good_header(loss={"name": "mse"})),
        "the header's loss must be one of 'cross_entropy', 'mse'. Received: loss={'name': 'mse'}"),
    "version has 5,000 digits": (
        json.dumps(good_header(version=0)).replace('"version": 0', '"version": ' + "9" * 5000),
        "the header holds a whole number of 5,000 digits; an nnlib header's numbers have at most 20."),
    "nested 5,000 levels deep": (
        '{"format": "nnlib-model", "version": 1, "layers": ' + "[" * 5000 + "]" * 5000 + "}",
        "the header is nested too deeply to be an nnlib header."),
}


@pytest.mark.parametrize("name", HOSTILE_HEADERS)
def test_hostile_headers_are_model_file_errors(name):
    text, message = HOSTILE_HEADERS[name]
    with pytest.raises(ModelFileError) as refused:
        nnlib.load(digits_file(text))
    assert str(refused.value) == message


@pytest.mark.parametrize("name", HOSTILE_HEADERS)
def test_hostile_headers_are_refused_by_the_upload_with_the_plain_message(name):
    from services import model_files

    text, message = HOSTILE_HEADERS[name]
    with pytest.raises(model_files.UploadRefused) as refused:
        model_files.check_upload(digits_file(text), "digits")
    assert str(refused.value) == message


def test_finite_weights_whose_outputs_overflow_are_refused(tmp_path):
    """3e38 fits in float32, but 4 inputs · 3e38 does not: every output would be inf or NaN (read as digit 0)."""
    m = model()
    arrays = params_of(m)
    arrays["param_0"] = np.full((6, 4), 3e38, np.float32)
    with pytest.raises(ModelFileError) as refused:
        nnlib.load(write_npz(tmp_path / "big.npz", header_of(m), arrays))
    assert str(refused.value) == ("layer 1's weights are too large: its outputs could reach 1.2e+39, past what "
                                  "float32 holds safely (3.4e+32), so the network would compute infinities and NaN.")
    arrays = params_of(m)   # large but harmless: relu passes 4·1e12 on, and 6·1e12·4e12 is far below the limit
    arrays["param_0"], arrays["param_2"] = np.full((6, 4), 1e12, np.float32), np.full((3, 6), 1e12, np.float32)
    assert np.all(np.isfinite(nnlib.load(write_npz(tmp_path / "ok.npz", header_of(m), arrays)).predict(X)))


# --- meta: what a model was trained on and how (issue 12) -----------------------------------------
META = {"dataset": "spiral", "task": "classification", "features": ["x1", "x2", "sin_x1"], "hidden": [4, 4],
        "optimizer": "adam", "learning_rate": 0.03, "l1": 0, "l2": 0.0, "epochs": 200, "paused": True,
        "note": None, "label": "sin πx₁"}


def header_in(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("header.npy") as fh:
        return json.loads(np.lib.format.read_array(fh).tobytes())


def test_meta_round_trips_exactly_beside_the_model(tmp_path):
    m = model()
    path = tmp_path / "spiral.npz"
    nnlib.save(m, path, meta=META)
    loaded, meta = nnlib.load_with_meta(path)
    assert meta == META and [type(v) for v in meta.values()] == [type(v) for v in META.values()]
    np.testing.assert_array_equal(loaded.predict(X), m.predict(X))
    plain = nnlib.load(path)                     # load returns the model alone, as before
    assert isinstance(plain, Sequential) and plain.config() == m.config()
    data = serialization.to_bytes(m, meta={"dataset": "xor"})
    assert nnlib.load_with_meta(data).meta == {"dataset": "xor"} and header_in(data)["meta"] == {"dataset": "xor"}


def test_files_without_meta_are_the_old_format_and_still_load(tmp_path):
    m = model()
    data = serialization.to_bytes(m)
    assert list(header_in(data)) == ["format", "version", "layers", "loss", "dtype"]   # as before meta existed
    assert serialization.to_bytes(m, meta={}) == data
    old = write_npz(tmp_path / "old.npz", header_of(m), params_of(m))   # the header older nnlib wrote
    loaded = nnlib.load_with_meta(old)
    assert loaded.meta == {} and loaded.model.config() == m.config()
    np.testing.assert_array_equal(nnlib.load(old).predict(X), m.predict(X))


META_RULE = ("a finite number (whole numbers up to 1e+15), true, false, null, a text of at most 64 characters "
             "without control characters, or a list of at most 64 whole numbers and such texts")
HOSTILE_META = {
    "not an object": ('[1, 2]', "the header's meta must be a JSON object of plain values. Received: meta=[1, 2]"),
    "33 fields": (json.dumps({f"k{i}": i for i in range(33)}), "the header's meta may hold at most 32 fields. "
                                                               "Received 33 fields."),
    "a field name with a space": ('{"data set": 1}', "the header's meta field names must be identifiers (letters, "
                                                     "digits and _) of at most 64 characters. Received: 'data set'"),
    "a 65-character field name": (json.dumps({"k" * 65: 1}), None),
    "a nested object": ('{"dataset": {"name": "spiral"}}',
                        f"the header's meta field 'dataset' must be {META_RULE}. "
                        "Received: dataset={'name': 'spiral'}"),
    "a list of lists": ('{"hidden": [[4], [4]]}', f"the header's meta field 'hidden' must be {META_RULE}. "
                                                  "Received: hidden=[[4], [4]]"),
    "a float in a list": ('{"hidden": [4.5]}', None),
    "true in a list": ('{"hidden": [true]}', None),
    "65 items": (json.dumps({"hidden": [1] * 65}), None),
    "a 65-character text": (json.dumps({"dataset": "s" * 65}), None),
    "a newline": ('{"dataset": "spi\\nral"}', None),
    "a right-to-left override": ('{"dataset": "\\u202espiral"}', None),
    "a lone surrogate": ('{"dataset": "\\ud800"}', None),
    "NaN": ('{"learning_rate": NaN}', f"the header's meta field 'learning_rate' must be {META_RULE}. "
                                      "Received: learning_rate=nan"),
    "Infinity": ('{"learning_rate": -Infinity}', None),
    "1e999": ('{"learning_rate": 1e999}', None),
    "a huge whole number": ('{"epochs": 10000000000000001}', None),
    "5,000 digits": ('{"epochs": ' + "9" * 5000 + "}", "the header holds a whole number of 5,000 digits; "
                                                      "an nnlib header's numbers have at most 20."),
    "nested 5,000 deep": ('{"hidden": ' + "[" * 5000 + "]" * 5000 + "}",
                          "the header is nested too deeply to be an nnlib header."),
}


@pytest.mark.parametrize("name", HOSTILE_META)
def test_hostile_meta_is_a_model_file_error(name):
    text, message = HOSTILE_META[name]
    header = json.dumps(good_header())[:-1] + ', "meta": ' + text + "}"   # the text as written, unparsed
    for load in (nnlib.load, nnlib.load_with_meta):
        with pytest.raises(ModelFileError) as refused:
            load(digits_file(header))
        assert message is None or str(refused.value) == message
        assert str(refused.value).startswith(("the header's meta ", "the header "))


def test_a_bad_meta_is_refused_when_saving_and_nothing_is_written(tmp_path):
    path = tmp_path / "m.npz"
    with pytest.raises(TypeError, match=r"meta must be a dict of plain values, or None\. Received: meta=\['spiral'\]"):
        nnlib.save(model(), path, meta=["spiral"])
    for bad in ({"lr": float("nan")}, {"hidden": (4, 4)}, {"seed": np.int64(3)}, {1: "x"}, {"x": "a\nb"}):
        with pytest.raises(ValueError, match="^meta "):
            nnlib.save(model(), path, meta=bad)
    assert not path.exists()


meta_values = (st.none() | st.booleans() | st.integers(-2**60, 2**60) | st.floats() | st.text(max_size=70)
               | st.lists(st.integers(-2**60, 2**60) | st.text(max_size=70) | st.floats() | st.booleans(),
                          max_size=70) | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,70}", fullmatch=True) | st.text(max_size=70),
                       meta_values, max_size=40))
def test_any_meta_in_a_file_round_trips_or_is_a_model_file_error(meta):
    header = {**good_header(), "meta": meta}
    try:
        loaded = nnlib.load_with_meta(digits_file(json.dumps(header)))
    except ModelFileError as exc:
        assert str(exc).startswith(("the header's meta ", "the header holds a whole number")) and "\n" not in str(exc)
        return
    assert json.dumps(loaded.meta) == json.dumps(meta)   # exactly what was written, NaN-free
    assert len(loaded.meta) <= serialization.MAX_META_FIELDS
    buf = io.BytesIO()
    nnlib.save(loaded.model, buf, meta=loaded.meta)      # what loads can be saved again
    assert nnlib.load_with_meta(buf.getvalue()).meta == loaded.meta
