"""The default digit model's quality, and the hyperparameter search that chose it.

    python -m benchmarks.digits_quality evaluate      # test accuracy, and accuracy on drawn digits
    python -m benchmarks.digits_quality select        # rerun the search on the validation split

The search trains every candidate on 80 % of the 4,000 training digits and scores it on the
other 20 %; the 1,000 test digits play no part in the choice (see ``nnlib/digits/model.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from nnlib import datasets
from nnlib.digits import default_model, report
from nnlib.digits.model import DEFAULT_CONFIG, TrainingConfig, train_digit_model
from tests.drawn_digits import drawn_accuracy


def validation_split(seed: int = 1):
    """80/20 split of the 4,000 training digits, stratified: ((X_fit, y_fit), (X_val, y_val))."""
    (X_train, y_train), _ = datasets.digits()
    return datasets.train_test_split(X_train, y_train, test_fraction=0.2, seed=seed)


def select_hyperparameters(candidates, seed: int = 1, log=None) -> list[tuple[TrainingConfig, float, float]]:
    """Train each candidate on the fit split and score it on the validation split.

    Returns [(config, validation accuracy, seconds)], best first. The test set is never read.
    """
    (X_fit, y_fit), (X_val, y_val) = validation_split(seed)
    results = []
    for config in candidates:
        start = time.perf_counter()
        model = train_digit_model(X_fit, y_fit, config)
        acc = model.evaluate(X_val, y_val).accuracy
        results.append((config, acc, time.perf_counter() - start))
        if log is not None:
            log(f"{acc:.4f}  {time.perf_counter() - start:5.1f}s  {config}")
    return sorted(results, key=lambda r: -r[1])


def candidate_grid() -> list[TrainingConfig]:
    """The candidates :func:`select_hyperparameters` compares: width and depth × distortion × L2,
    then the learning rate and the number of epochs around the default."""
    base = DEFAULT_CONFIG
    grid = [replace(base, hidden=hidden, augment=augment, weight_decay=weight_decay, epochs=30)
            for hidden in ((256,), (512,), (1024,), (512, 256))
            for augment in ("shift", "affine")
            for weight_decay in (0.0, 1e-4, 1e-3)]
    grid += [replace(base, learning_rate=lr, epochs=epochs, augment=augment)
             for lr, epochs, augment in ((1e-3, 30, "affine"), (4e-3, 30, "affine"), (2e-3, 60, "affine"),
                                         (2e-3, 30, "elastic"), (2e-3, 60, "elastic"))]
    return grid


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.digits_quality", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_eval = sub.add_parser("evaluate", help="test accuracy and accuracy on drawn digits")
    p_eval.add_argument("--per-digit", type=int, default=30, help="drawings per digit (default 30)")
    sub.add_parser("select", help="rerun the hyperparameter search (validation split only)")
    args = parser.parse_args(argv)
    if args.command == "evaluate":
        model = default_model()
        _, (X_test, y_test) = datasets.digits()
        print(f"test accuracy (1,000 held-out 16×16 digits): {report(model, X_test, y_test).accuracy:.3f}")
        drawn = drawn_accuracy(model, per_digit=args.per_digit)
        print(f"drawn digits read correctly ({drawn.n} drawings): {drawn.accuracy:.3f}")
        return 0
    best = select_hyperparameters(candidate_grid(), log=print)
    print(f"best on the validation split: {best[0][1]:.4f}  {best[0][0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
