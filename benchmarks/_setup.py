"""Shared set-up for the benchmarks: 2 BLAS threads and a fair OpenBLAS kernel.

Import this module before numpy. It pins every BLAS to 2 threads and, on
machines where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set (a workaround for
old OpenBLAS builds that slows a current numpy), removes both for this process
only, so the numbers reflect the kernel that OpenBLAS picks for the CPU.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

THREADS = 2
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)
UNSET_OPENBLAS = {v: os.environ.pop(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
os.environ.setdefault("NNLIB_BACKEND", "numpy")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if "numpy" in sys.modules:  # the variables above only work before OpenBLAS loads
    raise RuntimeError("benchmarks/_setup.py must be imported before numpy")


def blas_description() -> str:
    """Which BLAS numpy runs, its kernel and thread count (via threadpoolctl)."""
    note = ""
    if UNSET_OPENBLAS:
        note = " (unset here: " + ", ".join(f"{k}={v}" for k, v in UNSET_OPENBLAS.items()) + ")"
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: unknown (threadpoolctl is not installed)" + note
    import numpy  # noqa: F401  (loads the BLAS so threadpoolctl can see it)

    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not infos:
        return "BLAS: none found by threadpoolctl" + note
    parts = [f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} "
             f"threads={i.get('num_threads')}" for i in infos]
    return "BLAS: " + "; ".join(parts) + note


def median_seconds(fn, repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
