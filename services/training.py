"""Step 3's live training: one student's run, advanced in short slices (charts: ui/live_charts.py).

:class:`TrainingRun` holds a model, its :class:`nnlib.Trainer` and the history of
progress reports. The page keeps it in ``st.session_state`` and calls
:meth:`TrainingRun.run_slice` once per fragment tick: a slice does at most
``budget_s`` seconds of optimizer steps, so charts redraw several times a second
and Pause acts between slices. Nothing here imports Streamlit; the math is nnlib's.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

import nnlib
from services import limits

DATASETS = (*nnlib.datasets.TOY_SETS, "digits")
# The lecture's rule first; the others are later improvements on it (ORIGINS says what each changes).
OPTIMIZERS = {"gd": "gradient descent (the lecture's)", "sgd": "SGD (minibatch)", "momentum": "momentum",
              "adam": "Adam"}
ORIGINS = {
    "gd": "SGD, momentum and Adam, in the Optimizer menu, are later improvements on this rule.",
    "sgd": "A later improvement on the lecture's rule: the same update, but each step uses only a batch of B "
           "examples, so one pass over the data takes N/B cheaper, noisier steps.",
    "momentum": "A later improvement on the lecture's rule: the step keeps a velocity v that remembers earlier "
                "gradients, so it speeds up along a steady slope and damps zig-zags.",
    "adam": "A later improvement on the lecture's rule (Kingma & Ba, 2015): every parameter moves by about η per "
            "step, whatever the size of its gradient, so Adam wants a much smaller η than gradient descent.",
}
# A learning rate that trains the default 2 → 4 → 4 → 2 ReLU network on circle and xor within 500 epochs
# (batch size 16 for the minibatch rules; train accuracy at seed 0, measured with nnlib.fit):
# gd 1.0: 98.0 % and 95.5 % (0.3 reaches only 85 % on circle); sgd 0.3: 98.5 % and 96 %;
# momentum 0.03: 99.5 % and 96 %; adam 0.03: 100 % on circle (xor stalls at 77 %; adam 1.0 stalls at 50 %).
GOOD_RATES = {"gd": 1.0, "sgd": 0.3, "momentum": 0.03, "adam": 0.03}
TOY_POINTS = 400          # half train, half test
CURVE_POINTS = 300        # about this many reports over a whole run
TICKS_PER_RUN = 60        # a whole run is spread over at least this many ticks, so it can be watched
# Each report during training evaluates a fixed sample of at most this many training and this many
# test examples (the same ones every time, nnlib.Trainer's eval_sample), not the whole sets: on the
# digits with the largest allowed network (8 hidden layers near 2,000,000 parameters) a full
# evaluation of the 4,000 + 1,000 digits takes 0.26 s or more, five slices' worth, and 512 + 512 a
# fifth of that, still about one slice. So run_slice also reports less often than it steps (every
# few steps of the run's curve, and at least every REPORT_GAP_S): most slices only step, and the
# median slice keeps its 0.05 s (python -m benchmarks.bench_slice_budget). The toy sets (200
# training points) are always evaluated whole. The full sets are evaluated when a run finishes
# (TrainingRun.full_progress) or on request (TrainingRun.evaluate_full, Step 3's button).
EVAL_SAMPLE = 512
REPORT_GAP_S = 0.5        # a report at least every 0.5 s of training (slices' time), however slow the steps


@dataclass(frozen=True)
class Data:
    """Training and test sets as read-only NumPy arrays: X (N, n_in) float32, y (N,) int labels."""

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_data(dataset: str, noise: float = 0.0, seed: int = 0) -> Data:
    """A toy 2-D set (noise and seed apply) or the 16×16 digits (a fixed split), read-only."""
    if dataset == "digits":
        (X, y), (Xt, yt) = nnlib.datasets.digits()
    else:
        (X, y), (Xt, yt) = nnlib.datasets.toy(dataset, n=TOY_POINTS, noise=float(noise), seed=int(seed))
    for a in (X, y, Xt, yt):
        a.setflags(write=False)  # the page caches these for every session: nobody may change them
    return Data(X, y, Xt, yt)


@dataclass(frozen=True)
class RunSettings:
    """Everything a run depends on. Changing the data or the network starts a new run;
    changing the optimizer, rate or batch size carries on with the current weights."""

    dataset: str
    noise: float
    seed: int
    hidden: tuple[int, ...]
    activation: str
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int

    def spec(self) -> nnlib.NetworkSpec:
        """The Step 1 network, with inputs and outputs fitted to the data set."""
        n_in, n_out = nnlib.datasets.io_shape(self.dataset)
        return limits.check_spec(nnlib.NetworkSpec(n_in=n_in, hidden=self.hidden, n_out=n_out,
                                                   activation=self.activation))

    def network_key(self) -> tuple:
        return (self.dataset, self.noise, self.seed, self.hidden, self.activation)

    def optimizer_key(self) -> tuple:
        return (self.optimizer, self.learning_rate, self.batch_size)


def check_memory(settings: RunSettings, data: Data) -> int:
    """The bytes a run with ``settings`` holds (services.limits.training_memory), or LimitExceeded."""
    return limits.check_training_memory(settings.spec().sizes, settings.optimizer, settings.batch_size,
                                        data.X.shape[0], itemsize=4)  # the page's networks are float32


class TrainingRun:
    """A resumable training run: ``step_once``, ``run_slice``, ``retune``; ``running`` is the Start/Pause flag.

    history: Progress reports (step and epoch counted from the start of the run, across retunes).
    error: the plain-words message of the last divergence, else None.
    """

    def __init__(self, settings: RunSettings, data: Data):
        limits.check_epochs(settings.epochs)
        check_memory(settings, data)
        self.settings = settings
        self.data = data
        self.model = settings.spec().build(seed=settings.seed)
        self.history: list[nnlib.Progress] = []
        self.running = False
        self.error: str | None = None
        self.last_slice = (0, 0.0)           # (steps, seconds) of the latest slice
        self.full_progress: nnlib.Progress | None = None  # the whole sets, at the step it names
        self._sec_per_step: float | None = None
        self._unreported_s = 0.0  # seconds spent in slices since the last report
        self._new_trainer()

    def _new_trainer(self) -> None:
        s, d = self.settings, self.data
        last = self.history[-1] if self.history else None
        self._offset = (last.step, last.epoch) if last else (0, 0.0)
        self.trainer = nnlib.Trainer(
            self.model, d.X, d.y, optimizer=s.optimizer, learning_rate=s.learning_rate,
            batch_size=s.batch_size, X_test=d.X_test, y_test=d.y_test, seed=s.seed + len(self.history),
            eval_sample=EVAL_SAMPLE, eval_seed=s.seed)
        if not self.history:  # a retune's starting report repeats the last point
            self.history.append(self.trainer.history[0])

    # --- where the run stands ------------------------------------------------
    @property
    def progress(self) -> nnlib.Progress:
        return self.history[-1]

    @property
    def state(self) -> str:
        """In words: training…, stopped: the loss exploded, finished, ready or paused."""
        if self.running:
            return "training…"
        if self.error:
            return "stopped: the loss exploded"
        return "finished" if self.done else "ready" if self.progress.step == 0 else "paused"

    @property
    def sampled(self) -> bool:
        """True when the reports evaluate a fixed sample rather than the whole training set."""
        return self.trainer.eval_n_train < self.data.X.shape[0]

    def sample_note(self) -> str:
        """What the live numbers are measured on, in words (empty when on the whole sets)."""
        if not self.sampled:
            return ""
        things = "digits" if self.settings.dataset == "digits" else "points"
        t = self.trainer
        return (f"loss and accuracy on a fixed sample of {t.eval_n_train:,} of the {self.data.X.shape[0]:,} "
                f"training {things} and {t.eval_n_test:,} of the {self.data.X_test.shape[0]:,} test {things} "
                "(the same ones at every point), so that each redraw stays quick")

    def evaluate_full(self) -> nnlib.Progress:
        """The current weights on the whole training and test sets; kept as ``full_progress``."""
        self.report_now()  # the live numbers catch up first, so both name the same step
        p = self.trainer.full_report()
        step0, epoch0 = self._offset
        self.full_progress = dataclasses.replace(p, step=p.step + step0, epoch=p.epoch + epoch0)
        return self.full_progress

    @property
    def steps_per_epoch(self) -> int:
        return self.trainer.steps_per_epoch

    @property
    def done(self) -> bool:
        return self._epoch_now() >= self.settings.epochs - 1e-9

    def _epoch_now(self) -> float:
        """The epoch the weights are at, counting steps taken since the last report."""
        return self._offset[1] + self.trainer.epoch

    @property
    def unreported(self) -> int:
        """Steps taken since the last report (run_slice reports every few steps, not after each chunk)."""
        return self.trainer.step_count - self.trainer.history[-1].step

    def _steps_left(self) -> int:
        return max(0, math.ceil((self.settings.epochs - self._epoch_now()) * self.steps_per_epoch - 1e-9))

    def _report_every(self) -> int:
        return max(1, self.settings.epochs * self.steps_per_epoch // CURVE_POINTS)

    # --- changing it ---------------------------------------------------------
    def retune(self, settings: RunSettings) -> None:
        """New optimizer settings or epochs for the same data and network: keep the weights, go on."""
        if settings.network_key() != self.settings.network_key():
            raise ValueError("a new data set or network needs a new TrainingRun")
        limits.check_epochs(settings.epochs)
        check_memory(settings, self.data)
        self.report_now()  # the new trainer starts from the last report
        old, self.settings = self.settings, settings
        if settings.optimizer_key() != old.optimizer_key():
            self._new_trainer()
            self._sec_per_step = None
            self.error = None

    # --- training ----------------------------------------------------------------
    def report_now(self) -> nnlib.Progress:
        """A report for the steps taken since the last one (Pause calls this), if any."""
        if self.unreported:
            self._advance(0)
        return self.progress

    def _advance(self, steps: int, report: bool = True) -> bool:
        """Take ``steps`` optimizer steps (then a report, unless ``report`` is False);
        False (and training stops) when the loss blew up."""
        try:
            p = self.trainer.run(steps, report=report) if steps else self.trainer.report()
            if p is None:
                return True
            self._unreported_s = 0.0
        except nnlib.TrainingDiverged as exc:
            # nnlib already restored the last good weights; say so and stop.
            self.error = str(exc)
            self.running = False
            return False
        step0, epoch0 = self._offset
        self.history.append(dataclasses.replace(p, step=p.step + step0, epoch=p.epoch + epoch0))
        self.error = None
        return True

    def step_once(self) -> nnlib.Progress:
        """Exactly one update of the chosen rule: one batch of B (the whole set, L/N, for gradient descent)."""
        t0 = time.perf_counter()
        self._advance(1)
        self.last_slice = (1, time.perf_counter() - t0)
        return self.progress

    def run_slice(self, budget_s: float = 0.12) -> nnlib.Progress:
        """While running: optimizer steps for at most about ``budget_s`` seconds, reporting every few steps.

        A report (a point on the curves: an evaluation of the fixed sample, see EVAL_SAMPLE) comes
        every ``_report_every()`` steps, at the end of the run or of the slice's quota, and at least
        every REPORT_GAP_S seconds of slices, not after every chunk of steps: on a large network one
        report costs as much as dozens of steps. The time box plans for the report when one is due.
        A slice also takes at most 1/TICKS_PER_RUN of the run, so a quick toy run is still spread
        over enough ticks to watch. At the last epoch, ``running`` turns off.
        """
        t0 = time.perf_counter()
        taken = 0
        quota = max(self._report_every(), self.settings.epochs * self.steps_per_epoch // TICKS_PER_RUN)
        while self.running and taken < quota and not self.done:
            now = time.perf_counter()
            left = self._steps_left()
            n = min(self._report_every() - self.unreported, quota - taken, left)
            n = max(1, n)
            report_s = self.trainer.last_report_s
            late = self._unreported_s + (now - t0) >= REPORT_GAP_S
            if self._sec_per_step is None:  # no timing yet: a small first chunk measures the speed
                n = min(n, 8)
            else:  # time box: shrink the chunk to what fits in the budget left, a due report included
                room = budget_s - (now - t0)
                fit = int(room / self._sec_per_step)
                if late or fit >= n:
                    fit = int((room - report_s) / self._sec_per_step)
                n = min(n, max(1, fit))
            report = (late or n >= left or taken + n >= quota or self._sec_per_step is None
                      or self.unreported + n >= self._report_every())
            c0 = time.perf_counter()
            if not self._advance(n, report=report):
                break
            spent = time.perf_counter() - c0 - (self.trainer.last_report_s if report else 0.0)
            per_step = max(0.0, spent) / n
            self._sec_per_step = per_step if self._sec_per_step is None else 0.5 * (self._sec_per_step + per_step)
            if report:
                self._unreported_s = -(time.perf_counter() - t0)  # counts from here; the slice's time is added below
            taken += n
            if time.perf_counter() - t0 + self._sec_per_step > budget_s:  # another step would not fit
                break
        if self.done:
            self.running = False
            if self.sampled and (self.full_progress is None or self.full_progress.step != self.progress.step):
                self.evaluate_full()  # the final numbers on the whole sets
        self.last_slice = (taken, time.perf_counter() - t0)
        self._unreported_s += self.last_slice[1]
        return self.progress


def resume_or_start(run: TrainingRun | None, settings: RunSettings, data_for) -> TrainingRun:
    """The run for ``settings``: ``run`` retuned when only the optimizer or epochs changed, else a new one.

    data_for(settings) gives the run's :class:`Data` (the page caches it for every session).
    """
    if run is None or run.settings.network_key() != settings.network_key():
        return TrainingRun(settings, data_for(settings))
    if run.settings != settings:
        run.retune(settings)
    return run


def lower_rate(rates, rate: float) -> float | None:
    """The largest of ``rates`` below ``rate`` (what to try after the loss exploded), or None."""
    below = [r for r in rates if r < rate]
    return max(below) if below else None


def network_line(dataset: str, spec: nnlib.NetworkSpec) -> str:
    """Step 1's network as it meets this data set: "x1, x2 → 4 → 4 (relu) → 2 classes (softmax)"."""
    n_in = "256 pixels" if dataset == "digits" else "x1, x2"
    n_out = "10 digits" if dataset == "digits" else "2 classes"
    hidden = " → ".join(str(h) for h in spec.hidden) or "no hidden layer"
    return f"{n_in} → {hidden} ({spec.activation}) → {n_out} (softmax)"
