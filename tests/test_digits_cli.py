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


def run_cli(*args):
    env = {**os.environ, "NNLIB_BACKEND": "numpy"}
    return subprocess.run([sys.executable, "-m", "nnlib.digits", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


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
