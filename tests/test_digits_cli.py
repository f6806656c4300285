"""`python -m nnlib.digits predict IMAGE ... [--json]` on PNGs written to tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nnlib.digits import default_model, preprocess, read
from tests.drawn_digits import draw_digit

ROOT = Path(__file__).resolve().parent.parent
# The files nnlib's catalog (nnlib/locales, domain "nnlib") is extracted from: the command line's own texts and
# the templates of the ImageErrors it prints (see the pybabel commands in nnlib/digits/__main__.py).
CATALOG_SOURCES = (ROOT / "nnlib" / "digits" / "__main__.py", ROOT / "nnlib" / "digits" / "images.py")


LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def run_cli(*args, language: str | None = None):
    """The command's run; in English unless ``language`` (e.g. "zh_CN") is set in its environment."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    env.update(NNLIB_BACKEND="numpy", PYTHONIOENCODING="utf-8", LANG="C.UTF-8")
    if language:
        env["LANGUAGE"] = language
    return subprocess.run([sys.executable, "-m", "nnlib.digits", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


@pytest.fixture(scope="module")
def model():
    return default_model()  # trains and caches on the first call, so the CLI below loads it


@pytest.fixture
def pngs(tmp_path):
    """A neat 3, an off-centre small 7 and a dark 0 on white paper (as a scan would be)."""
    paths = {}
    for digit, kwargs in ((3, dict(height=0.7, pen=20)), (7, dict(height=0.3, pen=10, centre=(200, 80)))):
        paths[digit] = tmp_path / f"digit_{digit}.png"
        Image.fromarray(draw_digit(digit, seed=11, slant=0.1, rotation=0, **kwargs)).save(paths[digit])
    ink = draw_digit(0, seed=12, height=0.6, pen=18)[..., 0]
    paths[0] = tmp_path / "paper_0.png"
    Image.fromarray(255 - ink).save(paths[0])
    return paths


def test_predict_prints_the_digit_and_ten_probabilities(model, pngs):
    out = run_cli("predict", pngs[3], pngs[7])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"{pngs[3]}: 3 ") and lines[2].startswith(f"{pngs[7]}: 7 ")
    probs = [float(part.split(":")[1]) for part in lines[1].split()]
    assert len(probs) == 10 and abs(sum(probs) - 1) < 0.01 and probs[3] == max(probs)


def test_predict_json_matches_the_library(model, pngs):
    out = run_cli("predict", pngs[3], pngs[7], pngs[0], "--json")
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)
    assert [r["digit"] for r in results] == [3, 7, 0]
    for result, digit in zip(results, (3, 7, 0)):
        assert result["file"] == str(pngs[digit])
        rgb = np.asarray(Image.open(pngs[digit]).convert("RGB"))
        expected = read(model, preprocess(rgb)).probabilities
        np.testing.assert_allclose(result["probabilities"], expected, atol=2e-6)
        assert set(result) >= {"digit", "probabilities", "confidence", "entropy", "unsure", "candidates"}


def test_bad_files_are_reported_and_the_exit_status_is_1(model, pngs, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    blank = tmp_path / "blank.png"
    Image.fromarray(np.zeros((50, 50), dtype=np.uint8)).save(blank)
    out = run_cli("predict", pngs[3], broken, blank, tmp_path / "missing.png", "--json")
    assert out.returncode == 1
    results = json.loads(out.stdout)
    assert results[0]["digit"] == 3
    assert "not a readable PNG or JPEG" in results[1]["error"]
    assert "no ink" in results[2]["error"]
    assert "cannot read the file" in results[3]["error"]
    text = run_cli("predict", broken)
    assert text.returncode == 1 and "error: This file is not a readable PNG or JPEG" in text.stdout


def test_usage_errors():
    out = run_cli("predict")
    assert out.returncode == 2 and "IMAGE" in out.stderr


@pytest.mark.parametrize("special", ["/dev/zero", "urandom-link", "fifo", "folder"])
def test_only_regular_files_are_read(model, tmp_path, special):
    """A device is never read without end, a named pipe never blocks, a folder gets a message."""
    if special == "urandom-link":
        path = tmp_path / "photo.png"
        path.symlink_to("/dev/urandom")
    elif special == "fifo":
        path = tmp_path / "pipe.png"
        os.mkfifo(path)
    elif special == "folder":
        path = tmp_path / "folder.png"
        path.mkdir()
    else:
        path = Path(special)
    result = run_cli("predict", path, "--json")
    assert result.returncode == 1
    (entry,) = json.loads(result.stdout)
    assert entry["file"] == str(path)
    expected = ("cannot read the file (Is a directory)." if special == "folder" else
                "This is not a regular file (a device, a pipe or a folder); give a PNG or JPEG file.")
    assert entry["error"] == expected


# --- the command line in Chinese (nnlib's own catalog, nnlib/locales) ----------------------------------
def test_the_messages_follow_the_environments_language(model, pngs, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    blank = tmp_path / "blank.png"
    Image.fromarray(np.zeros((50, 50), dtype=np.uint8)).save(blank)
    gif = tmp_path / "digit.gif"
    Image.fromarray(np.zeros((20, 20), dtype=np.uint8)).save(gif)
    args = ("predict", pngs[3], broken, blank, tmp_path / "missing.png", gif, "/dev/null")
    out = run_cli(*args, language="zh_CN")
    assert out.returncode == 1
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith(f"{pngs[3]}: 3 ")                      # a reading is numbers in any language
    assert lines[2:] == [f"{broken}：错误：这个文件不是可读取的 PNG 或 JPEG 图片。",
                         f"{blank}：错误：没有找到笔迹：图片是空白的。",
                         f"{tmp_path / 'missing.png'}：错误：无法读取文件（No such file or directory）。",
                         f"{gif}：错误：这是一个 GIF 文件。请上传 PNG 或 JPEG 图片。",   # an ImageError's values
                         "/dev/null：错误：这不是普通文件（而是设备、管道或文件夹）；请给出一个 PNG 或 JPEG 文件。"]
    english = run_cli(*args)
    assert f"{blank}: error: no ink found: the image is blank." in english.stdout.splitlines()
    assert f"{gif}: error: This is a GIF file. Upload a PNG or JPEG picture." in english.stdout.splitlines()
    assert run_cli(*args, language="fr_FR").stdout == english.stdout  # no catalog: English
    usage = run_cli("predict", language="zh_CN")
    assert usage.returncode == 2
    assert usage.stderr.splitlines() == ["用法：python -m nnlib.digits predict [--json] [-h] IMAGE [IMAGE ...]",
                                         "python -m nnlib.digits predict：错误：缺少以下必需的参数：IMAGE"]
    help_text = run_cli("predict", "-h", language="zh_CN").stdout
    assert "打印从每个图片文件" in help_text and "显示此帮助信息并退出" in help_text
    assert "the following arguments are required: IMAGE" in run_cli("predict").stderr


def test_every_message_of_the_command_line_has_a_chinese_translation():
    """nnlib.po holds exactly the messages of CATALOG_SOURCES, all translated, and nnlib.mo is it compiled."""
    import gettext
    import string

    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
    from babel.messages.pofile import read_po

    messages = {message for source in CATALOG_SOURCES
                for _, message, _, _ in extract_from_file("python", str(source), keywords=DEFAULT_KEYWORDS)}
    assert len(messages) >= 25 and all(isinstance(m, str) for m in messages)
    folder = ROOT / "nnlib" / "locales" / "zh_CN" / "LC_MESSAGES"
    with (folder / "nnlib.po").open("rb") as file:
        catalog = read_po(file, locale="zh_CN", domain="nnlib")
    entries = {entry.id: entry for entry in catalog if entry.id}
    assert set(entries) == messages, "run pybabel extract/update (see nnlib/digits/__main__.py)"
    with (folder / "nnlib.mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)

    def fields(text):
        return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)

    for message, entry in entries.items():
        assert entry.string and not entry.fuzzy, f"untranslated: {message!r}"
        assert fields(entry.string) == fields(message), message
        assert compiled.gettext(message) == entry.string, f"compile the catalog (pybabel compile): {message!r}"


def test_every_photo_problem_is_printed_in_the_catalogs_language():
    """load_image's errors carry templates nnlib's catalog holds, so the command line prints them in Chinese."""
    import gettext

    from nnlib.digits import ImageError
    from nnlib.digits.__main__ import DOMAIN, LOCALE_DIR
    from tests.i18n_texts import english_leftovers
    from tests.test_digits_service import library_errors

    chinese = gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=["zh_CN"])
    image_errors = [e for e in library_errors() if isinstance(e, ImageError)]
    assert len(image_errors) == 6
    for error in image_errors:
        assert error.template.format(**error.values) == str(error)
        text = error.in_language(chinese.gettext)
        assert text != str(error) and not english_leftovers([text]), (str(error), text)
        assert all(value in text for value in error.values.values()), text
