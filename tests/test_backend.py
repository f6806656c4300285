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
    if backend.cupy_or_reason()[0] is not None:
        pytest.skip("CuPy and a CUDA device are usable here, so NNLIB_BACKEND=cupy works")
    result = _run_python("import nnlib", "cupy")
    assert result.returncode != 0
    assert "nnlib.backend.BackendError" in result.stderr
    assert "NNLIB_BACKEND=cupy was requested" in result.stderr
    assert "NNLIB_BACKEND=numpy" in result.stderr  # says how to get going


def test_auto_falls_back_to_numpy_without_a_gpu():
    if backend.cupy_or_reason()[0] is not None:
        pytest.skip("a GPU is usable here, so auto picks CuPy")
    result = _run_python("import nnlib; print(nnlib.backend.name, '|', nnlib.backend.device_description())",
                         "auto")
    assert result.returncode == 0, result.stderr
    name, description = result.stdout.strip().split(" | ")
    assert name == "numpy"
    assert description == f"CPU · NumPy {'.'.join(np.__version__.split('.')[:2])}"


def test_unknown_backend_name_is_named_in_the_error():
    with pytest.raises(backend.BackendError, match=r"Unknown NNLIB_BACKEND 'tensorflow'.*numpy"):
        backend.resolve("tensorflow")


# Every Python file of the app and the library; only nnlib/backend.py may import CuPy.
PROJECT_SOURCES = ("app.py", "nnlib", "lessons", "services", "ui", "pages")
CUPY_PACKAGES = {"cupy", "cupyx"}


def cupy_imports(root: Path, allowed: tuple[str, ...] = ("nnlib/backend.py",)) -> tuple[list[str], list[str]]:
    """(files searched, imports of CuPy found) in every .py file of PROJECT_SOURCES under ``root``.

    Folders are searched with all their subfolders. Found: ``import cupy[.x] [as y]``,
    ``from cupy[.x] import y`` (not relative imports such as ``from . import cupy``) and
    ``importlib.import_module("cupy…")`` / ``__import__("cupy…")`` with a literal name.
    """
    files = []
    for entry in PROJECT_SOURCES:
        path = root / entry
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    searched, found = [], []
    for path in files:
        name = path.relative_to(root).as_posix()
        searched.append(name)
        if name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=name)):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                  and isinstance(node.args[0].value, str)
                  and (getattr(node.func, "attr", None) == "import_module"
                       or getattr(node.func, "id", None) in ("import_module", "__import__"))):
                modules = [node.args[0].value]
            found += [f"{name}:{node.lineno}: {m}" for m in modules if m.split(".")[0] in CUPY_PACKAGES]
    return searched, found


def test_only_backend_module_imports_cupy():
    searched, found = cupy_imports(ROOT)
    assert found == []
    # the search reached the entry script, the pages and the subpackages, not just nnlib/*.py
    for expected in ("app.py", "nnlib/backend.py", "nnlib/digits/model.py", "ui/views/deep_fat_view.py",
                     "ui/sections/step3_backprop.py", "services/training.py", "lessons/deep_or_fat.py",
                     "pages/step3_training.py"):
        assert expected in searched


@pytest.mark.parametrize("source", [
    "import cupy", "import numpy, cupy as cp", "import cupy.cuda.runtime", "from cupy import asarray",
    "from cupy.cuda import Device", "import cupyx.scipy", "def f():\n    import cupy\n    return cupy",
    "import importlib\nxp = importlib.import_module('cupy')",
    "from importlib import import_module\nxp = import_module('cupy.linalg')", "xp = __import__('cupy')",
])
@pytest.mark.parametrize("where", ["nnlib/digits/reader.py", "ui/views/deep/chart.py", "pages/p.py", "app.py"])
def test_the_cupy_search_finds_an_import_in_any_project_file(tmp_path, source, where):
    (tmp_path / "nnlib").mkdir()
    (tmp_path / "nnlib" / "backend.py").write_text("import cupy\n")  # the one allowed place
    planted = tmp_path / where
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text('"""A module."""\n\nimport numpy as np\n' + source + "\n")
    searched, found = cupy_imports(tmp_path)
    assert where in searched and "nnlib/backend.py" in searched
    assert len(found) == 1 and found[0].startswith(where + ":"), found


def test_the_cupy_search_ignores_what_is_not_an_import_of_cupy(tmp_path):
    (tmp_path / "ui" / "views").mkdir(parents=True)
    (tmp_path / "ui" / "views" / "v.py").write_text(
        '"""Says import cupy in a docstring."""\n# import cupy\nimport cupy_like\nfrom . import cupy\n'
        'from .cupy import x\ntext = "import cupy"\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text("import cupy\n")  # outside the project's sources
    assert cupy_imports(tmp_path) == (["ui/views/v.py"], [])


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
