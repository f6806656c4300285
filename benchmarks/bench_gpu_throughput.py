"""Train-step throughput on the GPU (CuPy) next to NumPy, for large batches.

One train step (forward, loss gradient, backward, SGD update; ``nnlib.training.train_step``)
of two float32 ReLU MLPs with a softmax + cross-entropy output:

* small: 256-128-64-10 (the digits network of bench_train_step.py)
* large: 256-1024-1024-1024-10 (2.4 M parameters: what a GPU is for)

at batches of 4,096, 8,192 and 16,384 examples. NumPy and CuPy are timed in this one
process, round by round; each figure is the median over rounds of the mean step time in a
round, reported as examples per second and as the GPU/CPU speed-up. The GPU is synchronised
by reading one scalar back to the host at the end of every round (no CuPy call here: only
nnlib/backend.py touches CuPy).

Where CuPy or a CUDA device is missing it prints why and exits with status 0.

Run:  python -m benchmarks.bench_gpu_throughput [--rounds 7] [--quick]   (from the repository root)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from benchmarks import _setup  # must come first: pins BLAS threads before numpy loads

# isort: split
import numpy as np

import nnlib
from nnlib import backend
from nnlib.training import train_step

NETWORKS = {"small 256-128-64-10": (256, 128, 64, 10), "large 256-1024×3-10": (256, 1024, 1024, 1024, 10)}
BATCHES = (4096, 8192, 16384)
LR = 0.05


def gpu_status() -> str | None:
    """None when CuPy has a usable CUDA device, else the reason."""
    try:
        backend.resolve("cupy")
        return None
    except backend.BackendError as exc:
        return str(exc)


def make_stepper(sizes, batch, name):
    """A closure doing one train step on ``name``'s backend, and a sync that reads one scalar."""
    backend.set_backend(name)
    rng = np.random.default_rng(batch)
    X = rng.random((batch, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], batch)
    spec = nnlib.NetworkSpec(n_in=sizes[0], hidden=sizes[1:-1], n_out=sizes[-1])
    model = spec.build(seed=0)
    opt = nnlib.optimizers.SGD(learning_rate=LR)
    Xb, Tb = model.check_data(X, y)
    xp = backend.xp

    def step():
        train_step(model, opt, Xb, Tb)

    def sync():
        return backend.to_float(xp.sum(model.params[-1]))  # device → host: waits for the queue

    return step, sync


def time_round(stepper, n):
    step, sync = stepper
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    sync()
    return (time.perf_counter() - t0) / n


def bench(sizes, batch, rounds):
    steppers = {name: make_stepper(sizes, batch, name) for name in ("numpy", "cupy")}
    per_round = {"numpy": 2, "cupy": 20}
    for name, stepper in steppers.items():
        backend.set_backend(name)
        time_round(stepper, per_round[name])          # warm-up: kernels compile, pools fill
    samples = {name: [] for name in steppers}
    for r in range(rounds):
        for name in (("numpy", "cupy") if r % 2 == 0 else ("cupy", "numpy")):
            backend.set_backend(name)
            samples[name].append(time_round(steppers[name], per_round[name]))
    backend.set_backend("numpy")
    return {name: statistics.median(v) for name, v in samples.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 rounds, batch 4,096 only")
    args = parser.parse_args(argv)
    print(__doc__.split("\n")[0])
    reason = gpu_status()
    if reason is not None:
        print(f"\nNo GPU benchmark on this machine: {reason}")
        print("Run it on a machine with an NVIDIA GPU after `pip install -r requirements-gpu.txt`.")
        return 0
    backend.set_backend("cupy")
    print(f"GPU: {backend.device_description()}   CPU: {_setup.blas_description()}")
    print(_setup.load_note())
    backend.set_backend("numpy")
    rounds, batches = (3, BATCHES[:1]) if args.quick else (args.rounds, BATCHES)
    print(f"\n{'network':22} {'batch':>7} {'NumPy ex/s':>12} {'CuPy ex/s':>12} {'GPU ÷ CPU':>10}")
    for label, sizes in NETWORKS.items():
        for batch in batches:
            t = bench(sizes, batch, rounds)
            print(f"{label:22} {batch:>7,} {batch / t['numpy']:>12,.0f} {batch / t['cupy']:>12,.0f} "
                  f"{t['numpy'] / t['cupy']:>9.1f}×")
    print(_setup.load_note())
    return 0


if __name__ == "__main__":
    sys.exit(main())
