"""The one module that decides which array library nnlib computes with.

Every other module asks this one for ``xp`` (the array namespace) at call time
and never imports cupy itself, so the same math runs on NumPy, CuPy and the
``array_api_strict`` test stand-in.

The choice comes from the environment variable ``NNLIB_BACKEND``:

* ``auto`` (default): CuPy when it imports and a CUDA device answers, NumPy otherwise.
* ``numpy`` / ``cupy``: force one; forcing ``cupy`` where it cannot run raises
  :class:`BackendError` with the reason.
* ``array_api_strict``: a minimal, strict implementation of the array API
  standard; tests use it as a stand-in for CuPy on machines without a GPU.
"""

from __future__ import annotations

import importlib
import os

import numpy as np

CHOICES = ("auto", "numpy", "cupy", "array_api_strict")


class BackendError(RuntimeError):
    """The requested array library cannot be used on this machine."""


def cupy_or_reason():
    """Return (cupy module, None) when a CUDA device is usable, else (None, reason)."""
    try:
        cupy = importlib.import_module("cupy")
    except Exception as exc:  # ImportError, or a broken CUDA install raising at import
        return None, f"CuPy is not installed or failed to import ({exc.__class__.__name__}: {exc})"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None, "CuPy imported, but no CUDA device was found"
        cupy.zeros(1).sum()  # a device that is listed but unusable fails here
    except Exception as exc:
        return None, f"CuPy imported, but no CUDA device is usable ({exc.__class__.__name__}: {exc})"
    return cupy, None


def resolve(name: str):
    """Map a backend name to (name, namespace), without switching; BackendError when it cannot run here."""
    name = (name or "auto").strip().lower()
    if name not in CHOICES:
        raise BackendError(
            f"Unknown NNLIB_BACKEND {name!r}. Choose one of: {', '.join(CHOICES)}."
        )
    if name == "numpy":
        return "numpy", np
    if name == "array_api_strict":
        return "array_api_strict", importlib.import_module("array_api_strict")
    cupy, reason = cupy_or_reason()
    if cupy is not None:
        return "cupy", cupy
    if name == "cupy":
        raise BackendError(
            f"NNLIB_BACKEND=cupy was requested, but {reason}. "
            "Install requirements-gpu.txt on a machine with an NVIDIA GPU, "
            "or set NNLIB_BACKEND=numpy."
        )
    return "numpy", np


name, xp = resolve(os.environ.get("NNLIB_BACKEND", "auto"))


def set_backend(choice: str) -> str:
    """Switch the array library for arrays created from now on; returns its name.

    Models hold arrays of the backend that was active when they were built, so
    build them after switching. Tests use this to run one suite on every backend.
    """
    global name, xp
    name, xp = resolve(choice)
    return name


def is_gpu() -> bool:
    return name == "cupy"


def asarray(a, dtype=None):
    """Move a NumPy array (or nested list) onto the active backend, once."""
    if dtype is not None and isinstance(dtype, str):
        dtype = getattr(xp, dtype)
    return xp.asarray(a, dtype=dtype)


def to_numpy(a) -> np.ndarray:
    """Bring a backend array back to the host as NumPy (the UI edge)."""
    if isinstance(a, np.ndarray):
        return a
    if isinstance(a, np.generic):  # NumPy reductions return scalars, not arrays
        return np.asarray(a)
    if name == "cupy" and hasattr(a, "get"):
        return a.get()
    if isinstance(a, (int, float, list, tuple)):
        return np.asarray(a)
    return np.from_dlpack(a)


def to_float(a) -> float:
    """One scalar to a Python float (on a GPU this is a synchronisation point)."""
    return float(to_numpy(a))


def copy(a):
    """An independent copy of a backend array."""
    try:
        return xp.asarray(a, copy=True)
    except TypeError:  # namespaces whose asarray predates the copy= keyword
        return a.copy()


def astype(a, dtype_):
    """Array-API ``astype``: the array's own method where it has one (NumPy, CuPy: no Python
    wrapper in between), else the namespace's function (the array API standard's only form)."""
    method = getattr(a, "astype", None)
    return method(dtype_) if method is not None else xp.astype(a, dtype_)


def masked(a, condition):
    """a · 1[condition], elementwise: a where the boolean ``condition`` holds, 0 elsewhere.

    NumPy and CuPy multiply by the booleans directly (converted inside the multiply, so no
    float mask is stored); the strict array API refuses bool × float, so it gets the cast.
    """
    if name == "array_api_strict":
        return a * astype(condition, a.dtype)
    return a * condition


def row_max(a):
    """max over the last axis of a 2-D array, keeping it: shape (N, k) -> (N, 1).

    NumPy reduces a short last axis (say the 10 logits of a digit) one row at a
    time; reducing the transposed copy over axis 0 is one elementwise pass and
    about 5× faster at k = 10. Other backends use the plain reduction.
    """
    if xp is np and a.ndim == 2 and a.shape[1] <= 64:
        return np.max(a.T.copy(), axis=0)[:, None]
    return xp.max(a, axis=-1, keepdims=True)


_ONES: dict = {}


def _ones(shape: tuple, dtype_):
    """A read-only-by-convention array of ones, made once per backend, shape and dtype.

    Every train step sums rows and columns with these; making them afresh each time
    costs as much as the sum itself at small batches. Nobody writes into them.
    """
    key = (name, shape, dtype_)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) >= 64:  # batch sizes come and go; keep the cache small
            _ONES.clear()
        ones = _ONES[key] = xp.ones(shape, dtype=dtype_)
    return ones


def row_sum(a):
    """Sum over the last axis of a 2-D array, keeping it: (N, k) -> (N, 1), as a·1.

    A matrix-vector product is several times faster than NumPy's reduction over
    a short last axis, on every backend.
    """
    return a @ _ones((a.shape[-1], 1), a.dtype)


def column_sum(a):
    """Sum over the rows of a 2-D array: (N, k) -> (k,), as 1ᵀ·a (a BLAS product, not a reduction)."""
    return _ones((a.shape[0],), a.dtype) @ a


def dtype(name_or_dtype):
    """Resolve 'float32' / 'float64' to the active namespace's dtype."""
    if isinstance(name_or_dtype, str):
        return getattr(xp, name_or_dtype)
    return name_or_dtype


def dtype_name(d) -> str:
    """'float32' or 'float64' for a backend dtype."""
    for cand in ("float32", "float64"):
        if d == getattr(xp, cand):
            return cand
    return str(d)


def device_description() -> str:
    """One line for the sidebar, e.g. 'CPU · NumPy 2.4' or 'GPU · NVIDIA H100 · CuPy 14'."""
    version = ".".join(str(getattr(xp, "__version__", "")).split(".")[:2])
    if name == "cupy":
        try:
            props = xp.cuda.runtime.getDeviceProperties(xp.cuda.Device().id)
            gpu = props["name"]
            gpu = gpu.decode() if isinstance(gpu, bytes) else str(gpu)
        except Exception:  # the badge must never break the page
            gpu = "CUDA device"
        return f"GPU · {gpu} · CuPy {version}"
    if name == "array_api_strict":
        return f"CPU · array-api-strict {version}"
    return f"CPU · NumPy {version}"
