"""The digit page headless (AppTest): a drawing injected through the canvas's session-state key."""

from __future__ import annotations

import base64
import io
import shutil
import socket

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

import nnlib
from nnlib import datasets
from nnlib.digits import default_model, preprocess, read, report
from nnlib.digits.model import model_path
from services import mnist
from tests.drawn_digits import draw_digit

PAGE = "pages/digits.py"


def png_bytes(image) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def canvas_state(image) -> dict:
    """What streamlit-drawable-canvas 0.13 keeps under its key after a drawing (see shared/e2e-browser.md)."""
    url = "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()
    return {"drawing": {"raw": {"objects": []}, "data": url}, "backgroundFit": None}


@pytest.fixture(scope="module")
def model():
    return default_model()  # trained once and cached, so the page loads it


def open_page(**state) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def draw(at: AppTest, image) -> AppTest:
    at.session_state[f"digits_canvas_{at.session_state['digits_canvas_version']}"] = canvas_state(image)
    at.run()
    assert not at.exception, at.exception
    return at


def prediction(at):
    shown = [m.value for m in at.metric if m.label == "Prediction"]
    return shown[0] if shown else None


def test_empty_canvas_asks_for_a_drawing_and_predicts_nothing(model):
    at = open_page()
    assert prediction(at) is None
    assert any("Draw a digit" in i.value for i in at.info)
    assert not at.subheader or "What the network sees" not in [s.value for s in at.subheader]


@pytest.mark.parametrize("digit, kwargs", [
    (3, dict(height=0.75, pen=22)),
    (7, dict(height=0.3, pen=12, centre=(210, 70))),  # small and off-centre
    (0, dict(height=0.5, pen=30)),
])
def test_a_drawing_on_the_canvas_is_read(model, digit, kwargs):
    image = draw_digit(digit, seed=21, slant=0.05, rotation=0, **kwargs)
    expected = read(model, preprocess(image))
    assert expected.digit == digit
    at = draw(open_page(), image)
    assert prediction(at) == str(digit)
    assert [s.value for s in at.subheader] == ["What the network sees", "Inside the network", "Teach it this digit"]
    assert len(at.get("plotly_chart")) >= 2  # the ten probabilities and the 16×16 grid
    assert at.session_state["digits_taught"] is None


def test_clear_gives_a_fresh_canvas_and_removes_the_prediction(model):
    at = draw(open_page(), draw_digit(4, seed=3, height=0.6))
    assert prediction(at) == "4"
    at.button(key="digits_clear").click().run()
    assert at.session_state["digits_canvas_version"] == 1
    assert prediction(at) is None


def test_an_unsure_reading_names_two_candidates(model):
    # An untrained Step 3 network spreads its probability over all ten digits.
    untrained = nnlib.NetworkSpec(n_in=256, hidden=(8,), n_out=10).build(seed=4)
    image = draw_digit(6, seed=1, height=0.6)
    r = read(untrained, preprocess(image))
    assert r.unsure
    at = open_page(model=untrained, model_dataset="digits", digits_model_choice="step3")
    at = draw(at, image)
    warning = " ".join(w.value for w in at.warning)
    a, b = r.candidates
    assert "Not sure" in warning and f"**{a}**" in warning and f"**{b}**" in warning
    assert prediction(at) == str(a)


def test_teach_takes_one_step_on_the_students_copy_only(model):
    image = draw_digit(5, seed=8, height=0.5, pen=16)
    at = draw(open_page(), image)
    before = read(model, preprocess(image))
    at.pills(key="digits_teach_label").set_value(3).run()
    c = -np.log(before.probabilities[3])
    assert any(f"**{c:.3f}**" in m.value for m in at.markdown)  # the example's cross-entropy
    at.button(key="digits_teach_step").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    loss_before, loss_after = float(metrics["Loss before"]), float(metrics["Loss after"])
    assert loss_before == pytest.approx(c, abs=1e-3)
    assert loss_after < loss_before
    _, (X_test, y_test) = datasets.digits()
    taught_accuracy = report(at.session_state["digits_taught"]["model"], X_test, y_test).accuracy
    assert metrics["Test accuracy after"] == f"{taught_accuracy:.1%}"
    taught = at.session_state["digits_taught"]
    assert taught["steps"] == 1 and taught["source"] == "default"
    # The shared model is untouched: a fresh load gives the same weights as before the step.
    for a, b in zip(default_model().get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(taught["model"].get_weights()[0], model.get_weights()[0])
    at.button(key="digits_teach_reset").click().run()
    assert at.session_state["digits_taught"] is None


def test_upload_a_photo_of_dark_ink_on_paper(model):
    ink = draw_digit(2, seed=4, height=0.6, pen=18)[..., 0]
    photo = np.stack([235 - 0.8 * ink] * 3, axis=-1).astype(np.uint8)
    at = open_page(digits_source="photo")
    at.file_uploader(key="digits_upload").set_value(("two.jpg", png_bytes(photo), "image/png")).run()
    assert not at.exception
    assert prediction(at) == "2"
    assert any("inverted" in c.value for c in at.caption)


def test_upload_a_broken_file_gives_a_clear_message(model):
    at = open_page(digits_source="photo")
    at.file_uploader(key="digits_upload").set_value(("x.png", b"\x89PNG broken", "image/png")).run()
    assert not at.exception
    assert any("not a readable PNG or JPEG" in e.value for e in at.error)
    assert prediction(at) is None


def test_quality_section_shows_test_accuracy_and_mistakes(model):
    at = open_page()
    _, (X_test, y_test) = datasets.digits()
    expected = report(model, X_test, y_test)
    shown = [m.value for m in at.metric if m.label.startswith("Accuracy on the 1,000")]
    assert shown == [f"{expected.accuracy:.1%}"]
    assert expected.accuracy >= 0.97
    assert any(f"{len(expected.wrong)} digits it gets wrong" in m.value for m in at.markdown)


def test_a_step3_model_for_digits_can_be_chosen(model):
    own = nnlib.NetworkSpec(n_in=256, hidden=(8,), n_out=10).build(seed=1)
    at = open_page(model=own, model_dataset="digits")
    radio = at.radio(key="digits_model_choice_widget")
    assert "step3" in radio.options or "Your Step 3 network" in radio.options
    radio.set_value("step3").run()
    image = draw_digit(1, seed=2)
    at = draw(at, image)
    assert prediction(at) == str(read(own, preprocess(image)).digit)
    assert at.session_state["digits_model_choice"] == "step3"


def test_full_mnist_offline_gives_a_clear_message_and_keeps_the_bundled_set(model, monkeypatch, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    isolated_cache(monkeypatch, tmp_path)
    monkeypatch.setenv("NNLIB_MNIST_URL", f"http://127.0.0.1:{port}/mnist.npz")
    at = open_page()
    at.button(key="digits_mnist_button").click().run()
    assert not at.exception
    error = " ".join(e.value for e in at.error)
    assert "Could not reach 127.0.0.1" in error and "bundled digits" in error
    assert not (tmp_path / "mnist.npz").exists()
    assert not list(tmp_path.glob("*.part"))
    assert at.session_state["digits_model_choice"] == "default"


@pytest.fixture
def mnist_server():
    """A local HTTP server with a small mnist.npz in the published format (no test touches the internet)."""
    import hashlib
    import http.server
    import threading

    from test_digits_mnist import Files, small_mnist_bytes

    data = small_mnist_bytes()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    httpd.files, httpd.requests = {"/mnist.npz": data}, []
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/mnist.npz", hashlib.sha256(data).hexdigest()
    httpd.shutdown()
    httpd.server_close()


def isolated_cache(monkeypatch, tmp_path):
    for name in (model_path().name, "digits16_v1.npz"):  # the default model and digits, already built
        shutil.copy(model_path().parent / name, tmp_path / name)
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path))


def test_full_mnist_download_and_retrain(model, monkeypatch, tmp_path, mnist_server):
    url, digest = mnist_server
    isolated_cache(monkeypatch, tmp_path)
    monkeypatch.setenv("NNLIB_MNIST_URL", url)
    monkeypatch.setenv("NNLIB_MNIST_SHA256", digest)
    at = open_page()
    at.button(key="digits_mnist_button").click().run(timeout=120)
    assert not at.exception
    assert (tmp_path / "mnist.npz").exists() and mnist.full_model_path().exists()
    assert not list(tmp_path.glob("*.part"))
    assert at.session_state["digits_model_choice"] == "full"
    assert "Full MNIST · 60,000 digits" in at.radio(key="digits_model_choice_widget").options
    labels = [m.label for m in at.metric]
    assert "Accuracy on MNIST's 40 test digits" in labels  # the small file's test split
    assert any("Done on this server already" in s.value for s in at.success)
    image = draw_digit(3, seed=21, height=0.75, pen=22)
    at = draw(at, image)
    assert prediction(at) == str(read(mnist.cached_full_model(), preprocess(image)).digit)


def test_full_mnist_checksum_mismatch_keeps_the_bundled_set(model, monkeypatch, tmp_path, mnist_server):
    url, _ = mnist_server
    isolated_cache(monkeypatch, tmp_path)
    monkeypatch.setenv("NNLIB_MNIST_URL", url)
    monkeypatch.setenv("NNLIB_MNIST_SHA256", "0" * 64)
    at = open_page()
    at.button(key="digits_mnist_button").click().run()
    assert not at.exception
    error = " ".join(e.value for e in at.error)
    assert "SHA-256" in error and "discarded" in error and "bundled digits" in error
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([model_path().name, "digits16_v1.npz"])
    assert at.session_state["digits_model_choice"] == "default"


def test_the_page_says_how_the_model_was_trained_from_its_config(model):
    """No "trained in the lecture's way": Adam, the cosine schedule, weight decay and augmentation are named."""
    from nnlib.digits import DEFAULT_CONFIG as config

    at = open_page()
    text = " ".join(m.value for m in at.markdown) + " ".join(w.value for w in at.get("text"))
    assert "trained in the lecture's way" not in " ".join(e.value for e in at.get("markdown"))
    assert f"**Mini-batches of {config.batch_size}**" in text
    assert f"Peak rate η = {config.learning_rate:g}" in text
    assert f"**A cosine learning-rate schedule** over {config.epochs} epochs" in text
    assert f"**Weight decay** λ = {config.weight_decay:g}" in text
    assert f"**Augmentation** ({config.augment})" in text
    assert "**256 → 512 → 10**" in text


def test_ink_bits_and_grey_levels_are_shown_side_by_side(model):
    from lessons.digit_input import binary_ink, compare_codings

    image = draw_digit(3, seed=21, height=0.7, pen=20)
    at = draw(open_page(), image)
    assert not at.exception
    x = preprocess(image)
    grey, bits = read(model, x), read(model, binary_ink(x))
    captions = [i.caption for element in at.get("image") for i in element.proto.imgs]
    assert f"grey levels: read as {grey.digit} ({grey.confidence:.0%})" in captions
    assert (f"ink bits (grey ≥ 0.5 → 1): read as {bits.digit} ({bits.confidence:.0%})") in captions
    _, (X_test, y_test) = datasets.digits()
    both = compare_codings(model, X_test, y_test)
    assert any(f"reads **{both.grey_accuracy:.1%}** correctly from grey levels and "
               f"**{both.binary_accuracy:.1%}** from ink bits" in c.value for c in at.caption)


def test_outputs_that_overflow_are_never_shown_as_a_digit(model):
    """A network whose sums overflow float32 gives NaN: the page says so and shows no prediction."""
    broken = nnlib.NetworkSpec(n_in=256, hidden=(16,), n_out=10).build(seed=0)
    broken.layers[0].set_weights(np.full((16, 256), 3e38))
    at = open_page(model=broken, model_dataset="digits", digits_model_choice="step3")
    at = draw(at, draw_digit(4, seed=3, height=0.6))
    assert prediction(at) is None
    (warning,) = [w.value for w in at.warning if "gives no reading" in w.value]
    assert "probabilities must be finite numbers; NaN or infinity" in warning


# --- in Chinese ---------------------------------------------------------------------------------------
def zh_leftovers(at) -> list[str]:
    """The English runs left in the page's main area (the sidebar and its frame are another test's)."""
    from tests.i18n_texts import english_leftovers, shown_texts

    return english_leftovers(shown_texts(at, at.main))


def main_text(at) -> str:
    from tests.i18n_texts import shown_texts

    return " ".join(shown_texts(at, at.main))


def test_the_page_in_chinese_drawing_teaching_and_a_photo(model, monkeypatch):
    """Every state of the page reads in Chinese, with the lecture's terms; switching back keeps the drawing."""
    from tests.i18n_texts import switch_language

    at = open_page(lang="zh")
    assert zh_leftovers(at) == []
    text = main_text(at)
    assert "手写数字识别" in text and "像素" in text and "全连接" in text
    assert any("写一个数字" in i.value for i in at.info)                # the empty canvas asks for a drawing

    image = draw_digit(5, seed=8, height=0.5, pen=16)
    at = draw(at, image)
    digit = str(read(model, preprocess(image)).digit)
    assert [m.value for m in at.metric if m.label == "预测"] == [digit]
    assert [s.value for s in at.subheader] == ["网络看到的是什么", "网络内部", "教它认这个数字"]
    assert zh_leftovers(at) == []
    text = main_text(at)
    for term in ("隐藏层", "神经元", "权重", "偏差", "交叉熵", "梯度下降", "学习率", "准确率", "像素"):
        assert term in text, term

    at.pills(key="digits_teach_label").set_value(3).run()
    at.button(key="digits_teach_step").click().run()
    assert not at.exception, at.exception
    assert {"之前的损失", "之后的损失", "之后的测试准确率"} <= {m.label for m in at.metric}
    assert any("已经走了 1 步" in c.value for c in at.caption)
    assert zh_leftovers(at) == []
    (taught_reading,) = [m.value for m in at.metric if m.label == "预测"]  # the taught copy reads it now

    switch_language(at, "en")                                           # the switch: same drawing, same copy
    assert prediction(at) == taught_reading and at.session_state["digits_taught"]["steps"] == 1
    assert {"Loss before", "Loss after"} <= {m.label for m in at.metric}
    source = at.segmented_control(key="digits_source_widget")           # sent again, in English
    assert source.value == "draw" and source.proto.set_value and list(source.proto.raw_values) == ["Draw"]
    switch_language(at, "zh")

    at.segmented_control(key="digits_source_widget").set_value("photo").run()
    assert at.session_state["digits_source"] == "photo"
    assert at.segmented_control(key="digits_source_widget").options == ["手绘", "上传照片"]
    assert any("上传一张图片" in i.value for i in at.info)
    at.file_uploader(key="digits_upload").set_value(("x.png", b"\x89PNG broken", "image/png")).run()
    assert [e.value for e in at.error] == ["这个文件不是可读取的 PNG 或 JPEG 图片。"]
    assert zh_leftovers(at) == []


def test_the_page_in_chinese_unsure_overflowing_and_offline(model, monkeypatch, tmp_path):
    """The messages that only some networks and some servers give: unsure, no reading, MNIST unreachable."""
    untrained = nnlib.NetworkSpec(n_in=256, hidden=(8,), n_out=10).build(seed=4)
    at = draw(open_page(lang="zh", model=untrained, model_dataset="digits", digits_model_choice="step3"),
              draw_digit(6, seed=1, height=0.6))
    assert any("不确定" in w.value for w in at.warning)
    assert at.radio(key="digits_model_choice_widget").options == ["默认 · 4,000 个数字", "你在第 3 步训练的网络"]
    assert zh_leftovers(at) == []

    broken = nnlib.NetworkSpec(n_in=256, hidden=(16,), n_out=10).build(seed=0)
    broken.layers[0].set_weights(np.full((16, 256), 3e38))
    at = draw(open_page(lang="zh", model=broken, model_dataset="digits", digits_model_choice="step3"),
              draw_digit(4, seed=3, height=0.6))
    (warning,) = [w.value for w in at.warning]
    assert warning.startswith("这个网络无法读出这幅手写数字：概率必须是有限的数") and not zh_leftovers(at)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    isolated_cache(monkeypatch, tmp_path)
    monkeypatch.setenv("NNLIB_MNIST_URL", f"http://127.0.0.1:{port}/mnist.npz")
    at = open_page(lang="zh")
    at.button(key="digits_mnist_button").click().run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith("无法连接 127.0.0.1") and "自带的数字" in error
    assert zh_leftovers(at) == []
