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
import re
import time
from dataclasses import dataclass

import numpy as np

import nnlib
from i18n import N_, _, ngettext
from lessons import features as feats
from lessons import regression_data
from services import limits

CLASSIFICATION_SETS = (*nnlib.datasets.TOY_SETS, "digits")
REGRESSION_SETS = regression_data.REGRESSION_SETS
DATASETS = (*CLASSIFICATION_SETS, *REGRESSION_SETS)
# Code → label; the labels are marked for the catalog (N_) and translated where they are shown (_()).
REGULARIZATIONS = {"none": N_("none"), "L1": "L1  (λ‖W‖₁)", "L2": "L2  (λ/2 ‖W‖²)"}
# The lecture's rule first; the others are later improvements on it (ORIGINS says what each changes).
OPTIMIZERS = {"gd": N_("gradient descent (the lecture's)"), "sgd": N_("SGD (minibatch)"), "momentum": N_("momentum"),
              "adam": "Adam"}
ORIGINS = {
    "gd": N_("SGD, momentum and Adam, in the Optimizer menu, are later improvements on this rule."),
    "sgd": N_("A later improvement on the lecture's rule: the same update, but each step uses only a batch of B "
              "examples, so one pass over the data takes N/B cheaper, noisier steps."),
    "momentum": N_("A later improvement on the lecture's rule: the step keeps a velocity v that remembers earlier "
                   "gradients, so it speeds up along a steady slope and damps zig-zags."),
    "adam": N_("A later improvement on the lecture's rule (Kingma & Ba, 2015): every parameter moves by about η per "
               "step, whatever the size of its gradient, so Adam wants a much smaller η than gradient descent."),
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
MAX_SET_WEIGHT = 1000.0    # a weight typed on the network's canvas: |w| at most this (larger only overflows)
REPORT_GAP_S = 0.5        # a report at least every 0.5 s of training (slices' time), however slow the steps


@dataclass(frozen=True)
class Data:
    """Training and test sets as read-only NumPy arrays.

    X (N, n_in) float32: the network's inputs (for the 2-D sets, the chosen input features of each
    point); y (N,): int labels, or float32 target values for a regression set. points, points_test:
    the 2-D sets' points (x₁, x₂) themselves, (N, 2), for drawing; None for the digits.
    """

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    points: np.ndarray | None = None
    points_test: np.ndarray | None = None


def is_regression(dataset: str) -> bool:
    return dataset in REGRESSION_SETS


def load_data(dataset: str, noise: float = 0.0, seed: int = 0, train_percent: int = 50,
              features=feats.DEFAULT) -> Data:
    """A 2-D set (noise, seed, the share of training points and the input features apply) or the
    16×16 digits (a fixed split), read-only."""
    points = points_test = None
    if dataset == "digits":
        (X, y), (Xt, yt) = nnlib.datasets.digits()
    else:
        test_fraction = 1.0 - limits.check_train_percent(train_percent) / 100.0
        make = regression_data.regression if is_regression(dataset) else nnlib.datasets.toy
        (points, y), (points_test, yt) = make(dataset, n=TOY_POINTS, noise=float(noise),
                                              test_fraction=test_fraction, seed=int(seed))
        X = feats.transform(points, features).astype(np.float32)
        Xt = feats.transform(points_test, features).astype(np.float32)
    for a in (X, y, Xt, yt, points, points_test):
        if a is not None:
            a.setflags(write=False)  # the page caches these for every session: nobody may change them
    return Data(X, y, Xt, yt, points, points_test)


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
    features: tuple[str, ...] = feats.DEFAULT   # the 2-D sets' input features (lessons.features)
    regularization: str = "none"                # 'none' | 'L1' | 'L2' (REGULARIZATIONS)
    reg_rate: float = 0.0                       # its λ
    train_percent: int = 50                     # the 2-D sets' share of training points, in %

    @property
    def regression(self) -> bool:
        return is_regression(self.dataset)

    def spec(self) -> nnlib.NetworkSpec:
        """The Step 1 network, with inputs and outputs fitted to the data set (and its input features).

        Classification ends in softmax with cross-entropy; regression in one linear neuron with the
        mean squared error."""
        if self.dataset == "digits":
            n_in, n_out = nnlib.datasets.io_shape(self.dataset)
        else:
            n_in, n_out = len(feats.check_names(self.features)), 1 if self.regression else 2
        output = {"output": "linear", "loss": "mse"} if self.regression else {}
        return limits.check_spec(nnlib.NetworkSpec(n_in=n_in, hidden=self.hidden, n_out=n_out,
                                                   activation=self.activation, **output))

    def data_key(self) -> tuple:
        """What the data depend on (load_data's arguments)."""
        toy = self.dataset != "digits"
        return (self.dataset, self.noise if toy else 0.0, self.seed if toy else 0,
                self.train_percent if toy else 50, self.features if toy else feats.DEFAULT)

    def network_key(self) -> tuple:
        return (*self.data_key(), self.seed, self.hidden, self.activation)

    def optimizer_key(self) -> tuple:
        return (self.optimizer, self.learning_rate, self.batch_size, self.regularization, self.reg_rate)

    def penalties(self) -> dict:
        """The Trainer's weight_decay (L2 λ) and l1 (L1 λ) for the chosen regularisation."""
        if self.regularization not in REGULARIZATIONS:
            raise ValueError(f"Unknown regularisation {self.regularization!r}. Choose one of: "
                             f"{', '.join(REGULARIZATIONS)}.")
        rate = float(self.reg_rate)
        return {"weight_decay": rate if self.regularization == "L2" else 0.0,
                "l1": rate if self.regularization == "L1" else 0.0}


def settings_from_state(state) -> RunSettings:
    """The run's settings from a session's state (ui/state.py's keys: spec, dataset, noise, ...)."""
    spec = state["spec"]
    return RunSettings(state["dataset"], float(state["noise"]), int(state["seed"]), tuple(spec.hidden),
                       spec.activation, state["optimizer"], float(state["learning_rate"]), int(state["batch_size"]),
                       int(limits.check_epochs(int(state["epochs"]))), tuple(state["features"]),
                       state["regularization"], float(state["reg_rate"]), int(state["train_percent"]))


def state_of(settings: RunSettings) -> dict:
    """The inverse of :func:`settings_from_state`: the session-state values that give ``settings``."""
    return {"spec": nnlib.NetworkSpec(hidden=settings.hidden, activation=settings.activation),
            "dataset": settings.dataset, "noise": settings.noise, "seed": settings.seed,
            "optimizer": settings.optimizer, "learning_rate": settings.learning_rate,
            "batch_size": settings.batch_size, "epochs": settings.epochs, "features": settings.features,
            "regularization": settings.regularization, "reg_rate": settings.reg_rate,
            "train_percent": settings.train_percent}


def check_memory(settings: RunSettings, data: Data) -> int:
    """The bytes a run with ``settings`` holds (services.limits.training_memory), or LimitExceeded."""
    return limits.check_training_memory(settings.spec().sizes, settings.optimizer, settings.batch_size,
                                        data.X.shape[0], itemsize=4)  # the page's networks are float32


class TrainingRun:
    """A resumable training run: ``step_once``, ``run_slice``, ``retune``; ``running`` is the Start/Pause flag.

    history: Progress reports (step and epoch counted from the start of the run, across retunes).
    error: the plain-words message of the last divergence, else None.
    """

    def __init__(self, settings: RunSettings, data: Data, model: nnlib.Sequential | None = None):
        """A new run from the seed's random θ⁰, or from ``model`` (e.g. a loaded file, used as it is)."""
        limits.check_epochs(settings.epochs)
        check_memory(settings, data)
        self.settings = settings
        self.data = data
        spec = settings.spec()
        if model is not None and model.sizes() != spec.sizes:
            raise ValueError(_("the model is {model}; these settings need {needed}.").format(
                model=" → ".join(map(str, model.sizes())), needed=" → ".join(map(str, spec.sizes))))
        self.model = model if model is not None else spec.build(seed=settings.seed)
        self.history: list[nnlib.Progress] = []
        self.running = False
        self.error: str | None = None
        # What blew up, to say it in the reader's language: (step, η, the loss at the start, the loss then).
        self.divergence: tuple[int, float, float | None, float] | None = None
        self.blowup: nnlib.Progress | None = None  # the report that blew up (step and epoch of the run)
        self.last_slice = (0, 0.0)           # (steps, seconds) of the latest slice
        self.full_progress: nnlib.Progress | None = None  # the whole sets, at the step it names
        # The smaller learning rate tried after a blow-up, as (the blow-up's step and η, the result): the
        # page measures it once per explosion (ui/sections/step3_train.py, lessons/stable_rate.py).
        self.rate_check: tuple | None = None
        self._sec_per_step: float | None = None
        self._unreported_s = 0.0  # seconds spent in slices since the last report
        self._new_trainer()

    def _new_trainer(self) -> None:
        s, d = self.settings, self.data
        last = self.history[-1] if self.history else None
        self._offset = (last.step, last.epoch) if last else (0, 0.0)
        self.trainer = nnlib.Trainer(
            self.model, d.X, d.y, optimizer=s.optimizer, learning_rate=s.learning_rate, **s.penalties(),
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
        """In words, in the session's language: training…, stopped: the loss exploded, finished, ready or paused."""
        if self.running:
            return _("training…")
        if self.error:
            if self.blowup:
                return _("stopped at step {step}: the loss exploded").format(step=f"{self.blowup.step:,}")
            return _("stopped: the loss exploded")
        return _("finished") if self.done else _("ready") if self.progress.step == 0 else _("paused")

    def error_message(self) -> str | None:
        """The last divergence in plain words, in the session's language (``error`` keeps nnlib's English)."""
        if self.divergence is None:
            return self.error
        step, rate, start, loss = self.divergence
        if not math.isfinite(loss) or start is None:
            text = _("Training diverged at step {step}: the loss became NaN or infinite. The learning rate {rate} "
                     "is too large for this network. The model keeps its last good weights.")
        else:
            text = _("Training diverged at step {step}: the loss grew from {start} to {loss}. The learning rate "
                     "{rate} is too large for this network. The model keeps its last good weights.")
        return text.format(step=f"{step:,}", start=f"{start or 0:.3g}", loss=f"{loss:.3g}", rate=f"{rate:g}")

    @property
    def sampled(self) -> bool:
        """True when the reports evaluate a fixed sample rather than the whole training set."""
        return self.trainer.eval_n_train < self.data.X.shape[0]

    def sample_note(self) -> str:
        """What the live numbers are measured on, in words (empty when on the whole sets)."""
        if not self.sampled:
            return ""
        t = self.trainer
        counts = {"train": f"{t.eval_n_train:,}", "n_train": f"{self.data.X.shape[0]:,}",
                  "test": f"{t.eval_n_test:,}", "n_test": f"{self.data.X_test.shape[0]:,}"}
        if self.settings.dataset == "digits":
            return _("loss and accuracy on a fixed sample of {train} of the {n_train} training digits and {test} "
                     "of the {n_test} test digits (the same ones at every point), so that each redraw stays "
                     "quick").format(**counts)
        return _("loss and accuracy on a fixed sample of {train} of the {n_train} training points and {test} "
                 "of the {n_test} test points (the same ones at every point), so that each redraw stays "
                 "quick").format(**counts)

    def evaluate_full(self) -> nnlib.Progress:
        """The current weights on the whole training and test sets; kept as ``full_progress``."""
        self.report_now()  # the live numbers catch up first, so both name the same step
        self.full_progress = self._in_run(self.trainer.full_report())
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

    def _in_run(self, p: nnlib.Progress) -> nnlib.Progress:
        """A report of the current trainer with its step and epoch counted from the start of the run."""
        step0, epoch0 = self._offset
        return dataclasses.replace(p, step=p.step + step0, epoch=p.epoch + epoch0)

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
            self.error = self.divergence = None
            self.blowup = None

    def set_weight(self, layer, source, target, value) -> nnlib.Progress:
        """Set one weight by hand, as TensorFlow Playground lets a student do on a link: ``W[target, source]``
        of ``model.layers[layer]`` (nnlib's W is (n_out, n_in): the link from neuron ``source`` of the layer
        below to neuron ``target``). The values come from the browser, so each is checked: a ValueError
        says, in the session's language, what was wrong, and nothing changes.

        The steps since the last report are reported first. Then the update rule starts afresh from the
        new weights (its momentum or Adam averages belong to the old ones) and reports at once: the curves
        show the jump at this step, and a later explosion is measured from the new loss.
        """
        try:
            layer, source, target = (int(v) for v in (layer, source, target))
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(_("A weight must be a number.")) from None
        if not math.isfinite(value) or abs(value) > MAX_SET_WEIGHT:
            raise ValueError(_("A weight must be a number between −{limit} and {limit}.").format(
                limit=f"{MAX_SET_WEIGHT:,.0f}"))
        sizes = self.model.sizes()
        if not (0 <= layer < len(self.model.layers) and 0 <= source < sizes[layer] and 0 <= target < sizes[layer + 1]):
            raise ValueError(_("This network has no such weight."))
        self.report_now()
        dense = self.model.layers[layer]
        W = dense.get_weights()[0].copy()
        W[target, source] = value
        dense.set_weights(W)
        self._new_trainer()
        self.history.append(self._in_run(self.trainer.history[0]))
        self.error = self.divergence = self.blowup = self.full_progress = None
        return self.progress

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
            # nnlib already restored the last good weights; say so, keep the point that blew up, and stop.
            step0 = self._offset[0]
            # nnlib's message guesses a rate ("try η/10"); the page offers one it has tried instead.
            message = re.sub(r"; try [^.]*(\.\d+)?[^.]*\.", ".", str(exc))
            self.error = message.replace(f"at step {exc.step}:", f"at step {exc.step + step0:,}:")
            loss = exc.progress.loss if exc.progress is not None else math.nan
            self.divergence = (exc.step + step0, float(exc.learning_rate), getattr(self.trainer, "_start_loss", None),
                               float(loss))
            if exc.progress is not None:
                self.blowup = self._in_run(exc.progress)
            self.running = False
            return False
        self.history.append(self._in_run(p))
        self.error = self.blowup = self.divergence = None
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


# A setup that learns the digits, for the playground's "digits preset" button: the 64 → 32 ReLU network
# with Adam reached 94.6 % test accuracy in 10 epochs (tests/test_training_service.py checks it).
DIGITS_PRESET = {"hidden": (64, 32), "activation": "relu", "optimizer": "adam", "learning_rate": 0.003,
                 "batch_size": 32, "epochs": 10}
DIGITS_MIN_NEURONS = 16   # a hidden layer narrower than this squeezes 256 pixels into too few numbers


def preset_line(preset: dict) -> str:
    """A preset in words, in the session's language: "64 → 32 relu, adam η = 0.003, batch 32, 10 epochs"."""
    epochs = preset["epochs"]
    return ngettext("{hidden} {activation}, {rule} η = {rate}, batch {batch}, {epochs} epoch",
                    "{hidden} {activation}, {rule} η = {rate}, batch {batch}, {epochs} epochs", epochs).format(
        hidden=" → ".join(map(str, preset["hidden"])), activation=preset["activation"],
        rule=preset["optimizer"], rate=f"{preset['learning_rate']:g}", batch=preset["batch_size"], epochs=epochs)


def setup_warning(settings: RunSettings) -> str | None:
    """Why a setting cannot learn its data set, said before training starts (None when it can).

    The digits need room: a hidden layer of 4 neurons must describe every digit with 4 numbers, and
    gradient descent over all 4,000 digits takes one step per epoch (500 steps in 500 epochs)."""
    if settings.dataset != "digits":
        return None
    narrow = [n for n in settings.hidden if n < DIGITS_MIN_NEURONS]
    if narrow:
        n = min(narrow)
        return ngettext("A hidden layer of {n} neuron must describe each 256-pixel digit with {n} number: too few "
                        "to tell 10 digits apart well (this network stalls far below what the digits allow). Use at "
                        "least {least} neurons per layer.",
                        "A hidden layer of {n} neurons must describe each 256-pixel digit with {n} numbers: too few "
                        "to tell 10 digits apart well (this network stalls far below what the digits allow). Use at "
                        "least {least} neurons per layer.", n).format(n=n, least=DIGITS_MIN_NEURONS)
    if settings.optimizer == "gd":
        return _("Gradient descent on the digits computes the gradient over all 4,000 digits for every single "
                 "step, so an epoch is one step: it learns slowly. A minibatch rule (SGD, Adam) takes 125 steps "
                 "an epoch at batch 32.")
    return None
