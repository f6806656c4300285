"""Step 3's time box: how long ``TrainingRun.run_slice(0.05)`` really takes on the digits with the largest network.

    python -m benchmarks.bench_slice_budget [--slices 30] [--optimizer sgd] [--batch 16]   (from the repository root)

The network is the largest the limits allow near enough (8 hidden layers of 500 ReLU neurons,
1,887,010 parameters; services/limits.py). Two runs from the same start are timed in the same
process, slice by slice, alternating:

- ``sample``: the page's run as it is: each report evaluates a fixed sample of
  services.training.EVAL_SAMPLE training and test digits, and the time box plans for the report;
- ``full``: the same run with every report evaluating all 4,000 training and 1,000 test digits
  (``EVAL_SAMPLE = None``). Run on the code before issue 13 (every slice ended with a full
  evaluation), both rows show that older behaviour.

It prints the median, p95 and largest slice time against the page's 0.05 s budget, and the
examples evaluated per slice (a slice with a report evaluates the sample; most slices only step).
The bar (issue 13): median ≤ 0.15 s for ``sample``; the p95 slice is one with a report, about one
optimizer step of a network this size plus the sample's evaluation.
"""

from __future__ import annotations

import argparse
import time

from benchmarks import _setup  # pins BLAS threads; must come before numpy

# isort: split
import numpy as np

from services import training as tr

BUDGET_S = 0.05
BAR_S = 0.15
LARGE = (500,) * 8


def new_run(settings, data, sample):
    old = getattr(tr, "EVAL_SAMPLE", None)
    tr.EVAL_SAMPLE = sample
    try:
        run = tr.TrainingRun(settings, data)
    finally:
        tr.EVAL_SAMPLE = old
    run.running = True
    run.evaluated = 0  # examples that model.evaluate saw (counted here, so the benchmark runs on older code too)
    evaluate = run.model.evaluate

    def counted(X, y, *args, **kwargs):
        run.evaluated += int(X.shape[0])
        return evaluate(X, y, *args, **kwargs)

    run.model.evaluate = counted
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slices", type=int, default=30, help="timed slices per run (default 30)")
    parser.add_argument("--optimizer", default="sgd", choices=list(tr.OPTIMIZERS))
    parser.add_argument("--batch", type=int, default=16, help="batch size (default 16)")
    args = parser.parse_args()
    print(_setup.blas_description())
    print(_setup.load_note())
    data = tr.load_data("digits")
    settings = tr.RunSettings("digits", 0.0, 0, LARGE, "relu", args.optimizer, 0.01, args.batch, 500)
    runs = {"sample": new_run(settings, data, getattr(tr, "EVAL_SAMPLE", None)), "full": new_run(settings, data, None)}
    print(f"digits, 256 → {' → '.join(map(str, LARGE))} → 10 ({runs['full'].model.count_params():,} parameters), "
          f"{args.optimizer}, batch {args.batch}; budget {BUDGET_S} s per slice")
    for run in runs.values():  # warm-up: the first slice measures the speed
        run.run_slice(BUDGET_S)
    times = {k: [] for k in runs}
    evaluated = {k: [] for k in runs}
    steps = {k: [] for k in runs}
    for _ in range(args.slices):
        for name, run in runs.items():
            e0 = run.evaluated
            t0 = time.perf_counter()
            run.run_slice(BUDGET_S)
            times[name].append(time.perf_counter() - t0)
            evaluated[name].append(run.evaluated - e0)
            steps[name].append(run.last_slice[0])
    print(f"{'run':8} {'median s':>9} {'p95 s':>7} {'max s':>7} {'× budget':>9} {'steps/slice':>12} "
          f"{'examples evaluated/slice (mean, max)':>37}")
    for name in runs:
        t = np.asarray(times[name])
        med, p95 = np.median(t), np.percentile(t, 95)
        print(f"{name:8} {med:9.3f} {p95:7.3f} {t.max():7.3f} {med / BUDGET_S:9.1f} {np.median(steps[name]):12.0f} "
              f"{np.mean(evaluated[name]):29,.0f}, {max(evaluated[name]):,}")
    med = np.median(times["sample"])
    print(f"bar: median slice ≤ {BAR_S} s with the sample: {'met' if med <= BAR_S else 'NOT met'} ({med:.3f} s)")
    print(_setup.load_note())


if __name__ == "__main__":
    main()
