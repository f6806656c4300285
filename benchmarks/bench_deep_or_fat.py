"""How long the "Deep or fat?" experiment takes at the page's default settings.

The page promises that its default run (4 budgets × deep and fat × 3 seeds = 24 networks,
20 epochs each, on the 4,000 training digits) finishes within 60 s on 2 CPU cores. This trains
exactly that, through ``lessons.deep_or_fat.DeepFatRun`` as the page does, and prints the time
of every network, the total against the 60 s budget, and the CPU time (summed over threads).

The app server runs NumPy's BLAS on one thread (app.py); ``BENCH_THREADS=1`` reproduces that,
the default 2 threads is the benchmarks' common setting.

Run:  BENCH_THREADS=1 python -m benchmarks.bench_deep_or_fat   (from the repository root)
"""

from __future__ import annotations

import sys
import time

from benchmarks import _setup  # must come first: pins BLAS threads before numpy loads

# isort: split

import nnlib
from lessons import deep_or_fat as experiments

BUDGET_S = 60.0
DEFAULTS = dict(budgets=(5_000, 20_000, 60_000, 150_000), depth=3, epochs=20, seeds=(0, 1, 2))


def main() -> int:
    print(__doc__.split("\n")[0])
    print(_setup.blas_description())
    print(_setup.load_note())
    data = nnlib.datasets.digits()
    run = experiments.DeepFatRun(experiments.DeepFatConfig(**DEFAULTS), n_test=len(data[1][1]))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while (trial := run.step(data)) is not None:
        print(f"  {trial.family:4} {'×'.join(map(str, (len(trial.hidden), trial.hidden[0])))!s:7} "
              f"{trial.params:>8,} parameters  seed {trial.seed}  {trial.seconds:5.2f} s  "
              f"test {100 * trial.test_accuracy:.1f}%")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(f"\n{run.total} networks in {wall:.1f} s wall ({wall / BUDGET_S:.0%} of the {BUDGET_S:.0f} s budget), "
          f"{cpu:.1f} s CPU")
    for o in run.outcomes():
        print(f"  {o.budget:>7,}: deep {100 * o.deep_accuracy:.1f}%  fat {100 * o.fat_accuracy:.1f}%  "
              f"→ {o.winner} (gap {100 * o.margin:+.1f} ± {100 * o.noise:.1f} points)")
    print(_setup.load_note())
    return 0


if __name__ == "__main__":
    sys.exit(main())
