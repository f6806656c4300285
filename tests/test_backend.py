"""nnlib.backend: one place picks the array library; cupy is imported nowhere else."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnlib import backend

ROOT = Path(__file__).resolve().parent.parent


def _run_python(code: str, backend_name: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NNLIB_BACKEND": backend_name}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_importing_nnlib_with_numpy_backend_does_not_import_cupy():
    code = ("import sys, nnlib; assert nnlib.backend.name == 'numpy', nnlib.backend.name; "
            "print(sorted(m for m in sys.modules if m == 'cupy' or m.startswith('cupy.')))")
    result = _run_python(code, "numpy")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_forcing_cupy_without_a_gpu_stops_with_a_clear_message():
    if backend._cupy_or_reason()[0] is not None:
        pytest.skip("CuPy and a CUDA device are usable here, so NNLIB_BACKEND=cupy works")
    result = _run_python("import nnlib", "cupy")
    assert result.returncode != 0
    assert "nnlib.backend.BackendError" in result.stderr
    assert "NNLIB_BACKEND=cupy was requested" in result.stderr
    assert "NNLIB_BACKEND=numpy" in result.stderr  # says how to get going


def test_auto_falls_back_to_numpy_without_a_gpu():
    if backend._cupy_or_reason()[0] is not None:
        pytest.skip("a GPU is usable here, so auto picks CuPy")
    result = _run_python("import nnlib; print(nnlib.backend.name, '|', nnlib.backend.device_description())",
                         "auto")
    assert result.returncode == 0, result.stderr
    name, description = result.stdout.strip().split(" | ")
    assert name == "numpy"
    assert description == f"CPU · NumPy {'.'.join(np.__version__.split('.')[:2])}"


def test_unknown_backend_name_is_named_in_the_error():
    with pytest.raises(backend.BackendError, match=r"Unknown NNLIB_BACKEND 'tensorflow'.*numpy"):
        backend._resolve("tensorflow")


def test_only_backend_module_imports_cupy():
    offenders = []
    for path in sorted((ROOT / "nnlib").glob("*.py")):
        if path.name == "backend.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "cupy"]
        if re.search(r"import_module\(\s*['\"]cupy", path.read_text()):
            offenders.append(f"{path.name}: import_module('cupy')")
    assert offenders == []


def test_device_description_names_the_library(xp_backend):
    text = backend.device_description()
    expected = {"numpy": r"CPU · NumPy \d+\.\d+", "array_api_strict": r"CPU · array-api-strict \d+\.\d+",
                "cupy": r"GPU · .+ · CuPy \d+\.\d+"}[xp_backend]
    assert re.fullmatch(expected, text), text


def test_arrays_move_to_the_backend_and_back(xp_backend):
    host = np.arange(6, dtype=np.float32).reshape(2, 3)
    dev = backend.asarray(host, "float32")
    assert backend.is_gpu() == (xp_backend == "cupy")
    assert tuple(dev.shape) == (2, 3)
    back = backend.to_numpy(dev)
    assert isinstance(back, np.ndarray) and back.dtype == np.float32
    np.testing.assert_array_equal(back, host)
    assert backend.to_float(backend.xp.sum(dev)) == 15.0
    assert backend.dtype_name(dev.dtype) == "float32"


def test_copy_is_independent(xp_backend):
    a = backend.asarray([1.0, 2.0], "float64")
    b = backend.copy(a)
    b[0] = 10.0
    np.testing.assert_array_equal(backend.to_numpy(a), [1.0, 2.0])


@pytest.mark.parametrize("k", [1, 3, 10, 64, 65, 200])
def test_row_and_column_reductions_match_plain_ones(xp_backend, k):
    rng = np.random.default_rng(k)
    host = rng.normal(size=(7, k))
    a = backend.asarray(host, "float64")
    np.testing.assert_array_equal(backend.to_numpy(backend.row_max(a)), host.max(axis=1, keepdims=True))
    np.testing.assert_allclose(backend.to_numpy(backend.row_sum(a)), host.sum(axis=1, keepdims=True),
                               rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(backend.to_numpy(backend.column_sum(a)), host.sum(axis=0),
                               rtol=1e-13, atol=1e-13)
