"""A learning rate that is tried, not guessed: after η blew up, find a smaller one that trains.

"Try η/10" is a guess: on a sharp loss surface η/3 may blow up too, and the student who clicks the
suggested button sees the same explosion again. :func:`stable_rate` instead trains a copy of the
model for a few steps at each candidate below the rate that failed, largest first, and returns the
first whose loss stayed finite and never rose above where it started, with every loss it measured.
The page can then offer exactly the rate that was tried ("Use η = 3: tried for 30 steps, the loss
fell from 0.69 to 0.41").

It needs only a model, its data and the optimizer's settings (no page settings), so it lives here
beside the other lessons, and pages and tests call it without Streamlit. The student's model is
never touched: every trial trains its own copy, from the same weights and the same shuffling seed,
so the answer is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nnlib import Trainer, TrainingDiverged
from nnlib.validation import check_int, check_number, shown

EVAL_SAMPLE = 512  # each measured loss is on a fixed sample of at most this many training examples


@dataclass(frozen=True)
class RateTrial:
    """One candidate η, trained for a few steps on a copy of the model.

    losses: the mean training loss L/N at the start and after every step, as measured (the last
    one NaN, inf or huge when it blew up); stable: every loss finite and none above losses[0];
    diverged_at: the step at which nnlib stopped the run (TrainingDiverged), else None.
    """

    rate: float
    losses: tuple[float, ...]
    stable: bool
    diverged_at: int | None = None


@dataclass(frozen=True)
class StableRate:
    """The answer: ``rate``, the largest candidate that trained stably (None if none did),
    and every ``trials`` entry in the order tried (largest η first, ending with the chosen one)."""

    rate: float | None
    trials: tuple[RateTrial, ...]
    steps: int

    @property
    def chosen(self) -> RateTrial | None:
        """The trial of ``rate``: its measured losses, for the page's text."""
        return self.trials[-1] if self.rate is not None else None


def _candidates_below(rate: float, candidates) -> list[float]:
    if isinstance(candidates, (str, bytes)) or not hasattr(candidates, "__iter__"):
        raise ValueError(f"candidates must be a list of learning rates. Received: candidates={shown(candidates)}")
    values = [check_number("candidates", c, 0.0, low_open=True) for c in candidates]
    return sorted({c for c in values if c < rate}, reverse=True)


def try_rate(model, X, y, optimizer_name: str, rate: float, steps: int = 30, seed=0, batch_size=32,
             weight_decay: float = 0.0, l1: float = 0.0) -> RateTrial:
    """Train a copy of ``model`` for ``steps`` steps at learning rate ``rate`` and measure the loss after each.

    X (N, n_in), y: the training data, as for :class:`nnlib.Trainer`, whose other arguments these are.
    The loss is measured on a fixed sample of at most EVAL_SAMPLE training examples, and the run
    stops as a page's run would: when nnlib raises TrainingDiverged (NaN, inf, or 10× the start).
    """
    steps = check_int("steps", steps, 1, 10_000)
    trainer = Trainer(model.copy(), X, y, optimizer=optimizer_name, learning_rate=rate, batch_size=batch_size,
                      seed=seed, weight_decay=weight_decay, l1=l1, eval_sample=EVAL_SAMPLE)
    losses = [trainer.history[0].loss]
    for _ in range(steps):
        try:
            losses.append(trainer.run(1).loss)
        except TrainingDiverged as exc:
            losses.append(exc.progress.loss)
            return RateTrial(float(rate), tuple(losses), False, exc.step)
    stable = all(math.isfinite(v) for v in losses) and max(losses[1:]) <= losses[0]
    return RateTrial(float(rate), tuple(losses), stable)


def stable_rate(model, X, y, optimizer_name: str, rate: float, candidates, steps: int = 30, seed=0,
                batch_size=32, weight_decay: float = 0.0, l1: float = 0.0) -> StableRate:
    """The largest of ``candidates`` below ``rate`` that trains ``model`` stably for ``steps`` steps.

    rate: the learning rate that blew up; only candidates strictly below it are tried, largest
    first, each with :func:`try_rate` (a copy of the model, the same seed), until one is stable:
    every loss finite and none above the starting loss. Returns the rate (None when no candidate
    was stable) and every trial, so the text and the button can quote what was measured.
    """
    rate = check_number("rate", rate, 0.0, low_open=True)
    steps = check_int("steps", steps, 1, 10_000)
    trials = []
    for candidate in _candidates_below(rate, candidates):
        trial = try_rate(model, X, y, optimizer_name, candidate, steps, seed, batch_size, weight_decay, l1)
        trials.append(trial)
        if trial.stable:
            return StableRate(candidate, tuple(trials), steps)
    return StableRate(None, tuple(trials), steps)
