"""Shared set-up for the benchmarks: 2 BLAS threads and a fair OpenBLAS kernel.

Import this module before numpy. It pins every BLAS to 2 threads and, on
machines where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set (a workaround for
old OpenBLAS builds that slows a current numpy), removes both for this process
only, so the numbers reflect the kernel that OpenBLAS picks for the CPU.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The issue fixes 2 threads; BENCH_THREADS=1 helps on a machine whose cores are busy
# (idle OpenBLAS threads spin, so an oversubscribed machine makes 2 threads crawl).
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)
UNSET_OPENBLAS = {v: os.environ.pop(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
os.environ.setdefault("NNLIB_BACKEND", "numpy")

ROOT = Path(__file__).resolve().parent.parent  # the repository root (benchmarks run from it: python -m benchmarks.X)

if "numpy" in sys.modules:  # the variables above only work before OpenBLAS loads
    raise RuntimeError("benchmarks._setup must be imported before numpy")


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


def load_note() -> str:
    """The machine's load; a warning when other processes compete for the cores."""
    try:
        load1 = os.getloadavg()[0]
    except OSError:
        return "load average: unknown"
    cores = os.cpu_count() or 1
    text = f"load average {load1:.2f} on {cores} cores"
    if load1 > 0.5 * cores:
        text += (" — WARNING: other processes are using the CPU, so every time below is inflated "
                 "(ratios measured in this one process stay comparable, but less precisely)")
    return text
