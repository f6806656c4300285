"""Saving and loading models from the sidebar: the checks (pure), the upload (AppTest), the round trip (browser)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import nnlib
from nnlib import serialization
from services import limits, model_files
from services import training as tr
from ui.safe_text import plain
from ui.sidebar import UPLOAD_KEY
from ui.state import DEFAULTS

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def digits_model(seed=3) -> nnlib.Sequential:
    return nnlib.NetworkSpec(n_in=256, hidden=(32, 16), n_out=10).build(seed=seed)


def replace_member(data: bytes, name: str, content: bytes, compression=zipfile.ZIP_STORED) -> bytes:
    """A copy of an .npz with one entry's bytes replaced."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info))
    return out.getvalue()


def npy(array, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


# --- the checks, without Streamlit ------------------------------------------------------
def test_a_saved_digits_model_loads_back_exactly():
    model = digits_model()
    upload = model_files.check_upload(serialization.to_bytes(model), "circle")
    loaded, dataset = upload.model, upload.dataset
    assert dataset == "digits" and upload.setup is None
    assert loaded.sizes() == [256, 32, 16, 10]
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_2d_model_keeps_the_chosen_2d_set():
    model = nnlib.NetworkSpec(n_in=2, hidden=(4,), n_out=2).build(seed=0)
    data = serialization.to_bytes(model)
    assert model_files.check_upload(data, "spiral").dataset == "spiral"
    assert model_files.check_upload(data, "digits").dataset == "circle"
    assert "does not say which data set" in model_files.check_upload(data, "spiral").note


def _refusal(data: bytes) -> str:
    with pytest.raises(model_files.UploadRefused) as info:
        model_files.check_upload(data, "circle")
    return str(info.value)


def test_a_pickle_inside_is_refused():
    data = replace_member(serialization.to_bytes(digits_model()), "param_0.npy",
                          npy(np.array([{"evil": 1}], dtype=object), allow_pickle=True))
    assert "holds Python objects (a pickle)" in _refusal(data)


def test_shapes_must_match_the_header():
    data = replace_member(serialization.to_bytes(digits_model()), "param_0.npy", npy(np.zeros((31, 256), "f4")))
    assert "parameter 0 has shape (31, 256), but the header says (32, 256)" in _refusal(data)


def test_a_valid_model_past_the_server_limits_is_refused():
    """nnlib loads any well-formed model; the hosted app refuses one larger than its limits allow."""
    wide = nnlib.NetworkSpec(n_in=2, hidden=(limits.MAX_NEURONS_PER_LAYER + 1,), n_out=2).build(seed=0)
    data = serialization.to_bytes(wide)
    assert nnlib.load(data).sizes() == [2, 1025, 2]
    assert _refusal(data) == ("the model is too large for this server: at most 1024 neurons per layer are "
                              "allowed on this server; a layer here has 1025.")
    deep = nnlib.NetworkSpec(n_in=2, hidden=(2,) * (limits.MAX_HIDDEN_LAYERS + 1), n_out=2).build(seed=0)
    assert "at most 8 hidden layers are allowed on this server; this network has 9" in _refusal(
        serialization.to_bytes(deep))


def test_files_past_the_size_limit_are_refused():
    assert f"at most {limits.MAX_FILE_BYTES:,} are allowed" in _refusal(b"\0" * (limits.MAX_FILE_BYTES + 1))
    # A tiny zip whose entry would unpack to 30 MB (a "zip bomb") is refused before reading it.
    bomb = replace_member(serialization.to_bytes(digits_model()), "param_0.npy", b"\0" * (30 * 1024 * 1024),
                          zipfile.ZIP_DEFLATED)
    assert len(bomb) < 100_000
    assert "would unpack to" in _refusal(bomb)


def test_other_files_get_a_plain_message():
    assert "not a readable zip archive" in _refusal(b"this is not a model")
    assert "3 inputs and 10 outputs" in _refusal(serialization.to_bytes(
        nnlib.NetworkSpec(n_in=3, hidden=(4,), n_out=10).build(seed=0)))
    curve_fitter = nnlib.NetworkSpec(n_in=2, hidden=(4,), n_out=2, output="linear", loss="mse").build(seed=0)
    assert "softmax layer trained with cross-entropy" in _refusal(serialization.to_bytes(curve_fitter))


# --- the sidebar, headless ------------------------------------------------------------------
def test_upload_replaces_the_model_and_a_bad_file_keeps_it():
    at = AppTest.from_file(APP, default_timeout=60).run()
    labels = [e.label for e in at.sidebar.expander]
    assert "Save or load a model" in labels
    assert any("Train a network on Step 3" in c.value for c in at.sidebar.caption)  # no model yet
    assert not at.sidebar.download_button
    uploader = at.sidebar.file_uploader(key=UPLOAD_KEY)
    assert "at most 20 MB and 2,000,000 parameters" in uploader.help
    model = digits_model(seed=5)
    uploader.upload("mine.npz", serialization.to_bytes(model)).run()
    assert not at.exception
    kind, text = at.session_state["model_io_message"]
    assert kind == "success" and "256 → 32 → 16 → 10" in text and "trained on the digits data." in text
    assert at.session_state["model_dataset"] == "digits"
    good = at.session_state["model"]
    np.testing.assert_array_equal(good.get_weights()[0], model.get_weights()[0])



@pytest.mark.parametrize("name", ["![t](http://127.0.0.1:9/x.png).npz", "[click me](http://127.0.0.1:9/).npz",
                                  "<img src=x onerror=alert(1)>.npz", ":material/warning: $x^2$ **bold**.npz"])
def test_a_file_name_is_shown_as_plain_text_never_as_markdown(name):
    """The sidebar's message shows the name character for character: no image, link, HTML, icon or LaTeX."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.file_uploader(key=UPLOAD_KEY).upload(name, b"PK\x03\x04garbage").run()
    assert not at.exception
    (error,) = at.sidebar.error
    shown = error.value
    assert shown.startswith(plain(name + " was not loaded: "))
    # Rendered as Markdown, the escaped text is the name itself: every active character is escaped.
    unescaped = re.sub(r"\\(.)", r"\1", shown)
    assert unescaped.startswith(name + " was not loaded: ")
    for active in "[]()!<>:$*":
        assert all(shown[i - 1] == "\\" for i, c in enumerate(shown) if c == active)


def test_a_refused_upload_keeps_the_last_good_model():
    good = digits_model()
    state = {**DEFAULTS, "dataset": "xor", "model": good, "model_dataset": "digits", "model_io_message": None}
    assert not model_files.apply_upload(state, "broken.npz", b"PK\x03\x04garbage")
    kind, text = state["model_io_message"]
    assert kind == "error" and text.startswith("broken.npz was not loaded: ")
    assert "not a readable zip archive" in text
    assert state["model"] is good and state["model_dataset"] == "digits"
    toy = nnlib.NetworkSpec(n_in=2, hidden=(3,), n_out=2).build(seed=1)
    assert model_files.apply_upload(state, "toy.npz", serialization.to_bytes(toy))
    assert state["model_dataset"] == "xor" and state["model"].sizes() == [2, 3, 2]
    assert "assumed: the file does not say which data set it was trained on" in state["model_io_message"][1]


def _trained(settings: tr.RunSettings, steps: int = 20) -> tr.TrainingRun:
    run = tr.TrainingRun(settings, tr.load_data(*settings.data_key()))
    for _ in range(steps):
        run.step_once()
    return run


def test_a_saved_run_knows_its_data_set_and_setup_and_opens_paused_on_step_3():
    """Issue 12: a file trained on spiral says so, and loading it puts it into Step 3, paused, on spiral."""
    settings = tr.RunSettings("spiral", 0.2, 7, (6, 5), "tanh", "adam", 0.03, 32, 300, ("x1", "x2", "sin_x1"),
                              "L2", 0.001, 70)
    run = _trained(settings)
    data = serialization.to_bytes(run.model, meta=model_files.setup_meta(settings))
    upload = model_files.check_upload(data, "circle")
    assert upload.dataset == "spiral" and upload.note == ""
    assert tr.settings_from_state({**DEFAULTS, **upload.setup}) == settings
    state = {**DEFAULTS, "dataset": "circle"}
    assert model_files.apply_upload(state, "mine.npz", data)
    assert state["dataset"] == "spiral" and state["features"] == ("x1", "x2", "sin_x1")
    loaded = state["train_run"]
    assert loaded.settings == settings and not loaded.running and state["model_setup"] == settings
    for a, b in zip(loaded.model.get_weights(), run.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # The loaded run scores the file's weights on the file's own data: the same loss as the saved run's.
    assert loaded.progress.loss == pytest.approx(run.trainer.report().loss, rel=1e-6)
    kind, text = state["train_notice"]
    assert kind == "info" and "paused, on its own spiral data" in text
    assert "trained on the spiral data." in state["model_io_message"][1]


def test_a_regression_file_loads_with_its_setup_and_one_without_is_refused():
    settings = tr.RunSettings("plane", 0.0, 0, (4,), "tanh", "sgd", 0.03, 16, 50)
    run = _trained(settings, 5)
    upload = model_files.check_upload(serialization.to_bytes(run.model, meta=model_files.setup_meta(settings)),
                                      "circle")
    assert upload.dataset == "plane" and upload.model.sizes() == [2, 4, 1]
    assert "cannot be placed by its shape" in _refusal(serialization.to_bytes(run.model))


def test_a_setup_that_does_not_match_the_network_is_not_trusted():
    settings = tr.RunSettings("spiral", 0.2, 7, (6, 5), "tanh", "adam", 0.03, 32, 300)
    model = nnlib.NetworkSpec(n_in=2, hidden=(3,), n_out=2).build(seed=0)  # not 6 → 5
    upload = model_files.check_upload(serialization.to_bytes(model, meta=model_files.setup_meta(settings)), "xor")
    assert upload.setup is None and upload.dataset == "xor" and "does not match its network" in upload.note


def test_a_file_records_no_language_and_loading_one_keeps_the_readers():
    """The setup is the training's: a file saved in one language opens in the reader's, whatever it holds."""
    settings = tr.RunSettings("spiral", 0.2, 7, (6, 5), "tanh", "adam", 0.03, 32, 300)
    run = _trained(settings, 3)
    meta = model_files.setup_meta(settings)
    assert "lang" not in meta and set(meta) == model_files.SETUP_PARAMS
    for extra in ({}, {"lang": "en"}, {"lang": "zh"}):   # a file from before lang existed, or one that holds it
        data = serialization.to_bytes(run.model, meta={**meta, **extra})
        upload = model_files.check_upload(data, "circle")
        assert upload.setup is not None and "lang" not in upload.setup and upload.note == ""
        state = {**DEFAULTS, "lang": "zh"}
        assert model_files.apply_upload(state, "mine.npz", data)
        assert state["lang"] == "zh" and state["dataset"] == "spiral"


@pytest.fixture
def chinese():
    """Run the test as a Chinese session's run (the uploader's callback runs inside one)."""
    import i18n

    with i18n.using("zh"):
        yield


def test_the_upload_messages_are_in_the_sessions_language(chinese):
    from i18n_texts import english_leftovers

    state = {**DEFAULTS, "dataset": "circle"}
    assert not model_files.apply_upload(state, "bad.npz", b"not a zip")
    assert state["model_io_message"] == (
        "error", "bad.npz 没有载入：这个文件不是 nnlib 模型（.npz）：它不是可读取的 zip 压缩文件。")
    too_big = nnlib.NetworkSpec(n_in=2, hidden=(1024,) * 3, n_out=2).build(seed=0)
    assert not model_files.apply_upload(state, "big.npz", serialization.to_bytes(too_big))
    assert state["model_io_message"][1] == ("big.npz 没有载入：模型对本服务器来说太大：这个网络有 2,104,322 个参数；"
                                            "本服务器最多允许 2,000,000 个。请减少层数，或减少每层的神经元。")
    toy = nnlib.NetworkSpec(n_in=2, hidden=(3,), n_out=2).build(seed=1)
    assert model_files.apply_upload(state, "toy.npz", serialization.to_bytes(toy))
    kind, text = state["model_io_message"]
    assert kind == "success" and text == ("已载入 toy.npz：2 → 3 → 2，17 个参数，在圆环数据上训练"
                                          "（推测：文件没有注明它是在哪个数据集上训练的）。")
    assert state["train_notice"][1].startswith("toy.npz 已放进 Playground，在圆环数据上暂停")
    settings = tr.RunSettings("plane", 0.0, 0, (4,), "tanh", "sgd", 0.03, 16, 50)
    regression = _trained(settings, 1).model
    assert not model_files.apply_upload(state, "r.npz", serialization.to_bytes(regression))
    assert state["model_io_message"][1] == ("r.npz 没有载入：文件没有注明它是在哪个数据集上训练的，"
                                            "而回归网络无法根据形状判断它属于哪个数据集。")
    odd = nnlib.NetworkSpec(n_in=3, hidden=(3,), n_out=4).build(seed=1)
    assert not model_files.apply_upload(state, "odd.npz", serialization.to_bytes(odd))
    assert "这个网络有 3 个输入和 4 个输出" in state["model_io_message"][1]
    with pytest.raises(limits.LimitExceeded, match="本服务器每位学生最多允许 128 MB。请改用"):
        limits.check_training_memory([256, *(500,) * 8, 10], "gd", 16, 4000)
    messages = [state["model_io_message"][1], state["train_notice"][1]]
    assert english_leftovers(messages) == []


def test_the_download_button_offers_the_current_model():
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["model"] = digits_model()
    at.session_state["model_dataset"] = "digits"
    at.run()
    button = at.sidebar.download_button[0]
    assert button.label == "Download the model (.npz)"
    assert "256 → 32 → 16 → 10" in button.help


# --- the round trip in a real browser -----------------------------------------------------------
@pytest.mark.browser
def test_upload_then_download_in_the_browser_gives_the_same_model(app_url, browser_page, tmp_path):
    from conftest import wait_for_app

    page = browser_page
    page.goto(app_url)
    wait_for_app(page)
    model = digits_model(seed=8)
    upload = tmp_path / "my-digits.npz"
    nnlib.save(model, upload)
    page.get_by_text("Save or load a model").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    page.wait_for_selector("text=Loaded my-digits.npz", timeout=30_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the model (.npz)").click()
    downloaded = tmp_path / "back.npz"
    info.value.save_as(downloaded)
    back = nnlib.load(str(downloaded))
    assert back.sizes() == [256, 32, 16, 10]
    for a, b in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # A bad file gets its message, in the page.
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip at all")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    page.wait_for_selector("text=bad.npz was not loaded", timeout=30_000)
    assert page.get_by_text("it is not a readable zip archive").count() == 1
