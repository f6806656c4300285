"""services.digits (choices, teaching on the student's copy), services.mnist.FullMnistJob and trained_for."""

from __future__ import annotations

import socket

import numpy as np
import pytest

import nnlib
from i18n import in_language
from nnlib import datasets
from nnlib import digits as dg
from services import digits as sd
from services import mnist
from services.model_files import trained_for


def test_model_choices_and_names():
    assert sd.model_choices(False, False) == [sd.DEFAULT]
    assert sd.model_choices(True, True) == [sd.DEFAULT, sd.FULL, sd.STEP3]
    assert sd.model_choices(False, True) == [sd.DEFAULT, sd.STEP3]
    assert sd.taught_note({"source": sd.FULL, "model": None, "steps": 2}).startswith(
        "Your copy of the full-MNIST model has taken 2 steps")
    assert sd.taught_note({"source": sd.DEFAULT, "model": None, "steps": 1}).startswith(
        "Your copy of the default model has taken 1 step;")
    assert sd.MODEL_NAMES[sd.STEP3] == "Your Step 3 network"   # translated where shown (pages/digits.py)
    assert in_language("zh", sd.MODEL_NAMES[sd.STEP3]) == "你在第 3 步训练的网络"


def test_a_teaching_step_works_on_a_copy_and_counts_steps():
    shared = nnlib.NetworkSpec(n_in=256, hidden=(8,), n_out=10).build(seed=3)
    before = [w.copy() for w in shared.get_weights()]
    _, (X, y) = datasets.digits()
    tests = (X[:50], y[:50])
    taught, (fp, result, acc_before, acc_after) = sd.teach_step(None, sd.STEP3, shared, X[0], 4, 0.1, tests)
    assert taught["source"] == sd.STEP3 and taught["steps"] == 1 and taught["model"] is not shared
    assert fp == sd.fingerprint(X[0]) != sd.fingerprint(X[1])
    assert result.loss_after < result.loss_before
    assert acc_before == dg.report(shared, *tests).accuracy
    assert acc_after == dg.report(taught["model"], *tests).accuracy
    for a, b in zip(before, shared.get_weights()):
        np.testing.assert_array_equal(a, b)                    # the shared model is never touched
    again, _ = sd.teach_step(taught, sd.STEP3, shared, X[0], 4, 0.1, tests)
    assert again is taught and taught["steps"] == 2
    other, _ = sd.teach_step(taught, sd.DEFAULT, shared, X[0], 4, 0.1, tests)
    assert other is not taught and other["steps"] == 1        # another model: a fresh copy


def test_trained_for_needs_the_data_set_and_its_shape():
    digits_model = nnlib.NetworkSpec(n_in=256, hidden=(8,), n_out=10).build(seed=0)
    plane_model = nnlib.NetworkSpec(hidden=(3,)).build(seed=0)
    assert trained_for(digits_model, "digits", ("digits",)) is digits_model
    assert trained_for(plane_model, "xor", datasets.TOY_SETS) is plane_model
    assert trained_for(plane_model, "digits", ("digits",)) is None
    assert trained_for(digits_model, "digits", datasets.TOY_SETS) is None
    assert trained_for(None, "digits", ("digits",)) is None


def test_the_mnist_job_reports_a_failed_download_and_stops(monkeypatch, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NNLIB_MNIST_URL", f"http://127.0.0.1:{port}/mnist.npz")
    job, reports = mnist.FullMnistJob(), []
    assert job.active and not job.done
    job.advance(lambda fraction, text: reports.append((fraction, text)))
    assert not job.active and not job.done and job.phase == "failed"
    assert "Could not reach 127.0.0.1" in job.error and "Nothing was saved" in job.error
    assert reports == [(0.0, "Connecting…")]


@pytest.mark.parametrize(("total", "expected"), [(None, mnist.MNIST_BYTES), (2_000_000, 2_000_000)])
def test_download_progress_is_reported_once_per_percent(total, expected):
    reports = []
    on_bytes = mnist.bytes_progress(lambda fraction, text: reports.append((fraction, text)))
    for k in range(1001):                                      # a thousand network packets
        on_bytes(expected * k // 1000, total)
    assert [fraction for fraction, _ in reports] == [pct / 100 for pct in range(101)]
    assert reports[-1][1] == f"Downloading MNIST: {expected / 1e6:.1f} of {expected / 1e6:.1f} MB"


def library_errors() -> list[Exception]:
    """Every error nnlib.digits gives for a photo a student can upload, and for outputs it cannot read."""
    import io

    from PIL import Image

    def picture(fmt: str, size=(40, 40)) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", size, "white").save(buffer, format=fmt)
        return buffer.getvalue()

    png = picture("PNG", (200, 200))
    calls = [lambda: dg.load_image(b""),                                  # empty
             lambda: dg.load_image(png, max_bytes=100),                     # too many bytes
             lambda: dg.load_image(picture("GIF")),                         # another format
             lambda: dg.load_image(png, max_pixels=1000),                   # too many pixels
             lambda: dg.load_image(b"\x89PNG broken"),                      # not a picture
             lambda: dg.load_image(png[:len(png) // 2]),                    # cut off
             lambda: dg.reading_from(np.full(10, np.nan))]                  # outputs that overflowed
    errors = []
    for call in calls:
        with pytest.raises(ValueError) as info:
            call()
        errors.append(info.value)
    return errors


def test_every_library_error_a_student_meets_is_shown_in_both_languages():
    """nnlib's errors carry their English template and values; error_text translates the template."""
    import i18n
    from tests.i18n_texts import english_leftovers

    errors = library_errors()
    assert len({str(e) for e in errors}) == len(errors) == 7
    for error in errors:
        assert isinstance(error, dg.ExplainedError), str(error)
        assert error.template.format(**error.values) == str(error)     # str(): nnlib's English sentence
        assert sd.error_text(error) == str(error)                      # English: nnlib's own sentence
    assert [e.values for e in errors if e.values] == [
        {"size": "0.0 MB", "limit": "0.0 MB"}, {"format": "GIF"},
        {"width": "200", "height": "200", "megapixels": "0", "limit": "0"},
        {"value": "probabilities[0]=nan"}]
    with i18n.using("zh"):
        for error in errors:
            chinese = sd.error_text(error)
            assert chinese != str(error) and not english_leftovers([chinese]), (str(error), chinese)
            assert all(value in chinese for value in error.values.values()), chinese
        assert sd.error_text(errors[2]) == "这是一个 GIF 文件。请上传 PNG 或 JPEG 图片。"
    assert sd.error_text(ValueError("a sentence nnlib may add later")) == "a sentence nnlib may add later"
