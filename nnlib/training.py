"""Training as an iterator: minibatches, progress reports and divergence guards.

A :class:`Trainer` owns one run: the data (moved to the device once), the
optimizer and the shuffling generator. ``trainer.run(steps)`` performs up to
``steps`` optimizer steps and returns a :class:`Progress`; a page can call it
once per UI tick and stop between calls. :func:`train` wraps it as a generator
and :func:`fit` runs it to the end.

Every step is :func:`train_step`: ``model.forward``, ``model.backward`` (the
plain gradient ∇L) and ``optimizer.step``, the one update rule (θ ← θ − η∇L for
SGD). A learning-rate ``schedule`` sets η before each step.

When the loss turns NaN or infinite, or grows past ``explode_factor`` times its
starting value, the model gets back the weights of the last good report and
:class:`TrainingDiverged` says what happened. ``history`` keeps only good reports
(its steps always increase, and the run can go on from its last point); the report
that blew up is kept apart, as ``TrainingDiverged.progress`` and ``Trainer.blowup``,
so a loss curve can still draw it.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from . import backend, optimizers, schedules
from .initializers import make_rng
from .validation import check_int, check_number, shown


@dataclass(frozen=True)
class Progress:
    """Where a training run stands after ``step`` optimizer steps.

    loss: the mean loss L/N over the training set; total_loss: the lecture's L = Σₙ Cⁿ.
    test_loss is a mean as well; the test fields are None without test data.
    The losses are the data's alone: a regularisation penalty (L1, L2) is not included.
    The accuracies are None for a one-output network (regression: no classes to compare).
    A report that blew up (``TrainingDiverged.progress``) holds the loss as measured: NaN, inf
    or a huge number.
    """

    step: int
    epoch: float
    loss: float
    total_loss: float
    train_accuracy: float | None
    test_loss: float | None = None
    test_accuracy: float | None = None


class TrainingDiverged(ArithmeticError):
    """The loss blew up; the model was restored to its last good weights.

    step: the step at which the blow-up was seen (the report's step, before the rewind).
    learning_rate: η at that step.
    progress: the report that blew up (its step is ``step``; its loss NaN, inf or huge), or None.
    last_good: the last good report, whose weights the model has again, or None.
    """

    def __init__(self, message: str, step: int, learning_rate: float,
                 progress: Progress | None = None, last_good: Progress | None = None):
        super().__init__(message)
        self.step = step
        self.learning_rate = learning_rate
        self.progress = progress
        self.last_good = last_good


def train_step(model, optimizer, X, T) -> None:
    """One optimizer step on a batch, in place: forward, backward (mean loss), update.

    X: backend inputs (N, n_in); T: backend one-hot targets (N, n_out) (see
    ``model.check_data``). θ ← optimizer.step(θ, ∇(L/N)); the loss value itself is
    not computed: nobody reads it between reports.
    """
    grads, _ = model.backward(model.forward(X), T)
    optimizer.step(model.params, grads)


class Trainer:
    """One training run of ``model`` on (X, y), resumable step by step.

    Args:
        model: a :class:`nnlib.Sequential`, trained in place.
        X, y: NumPy training inputs (N, n_in) and integer labels (N,) or one-hot rows (for a
            one-output regression network: the target values, (N,) or (N, 1)).
        optimizer: a name ('gd', 'sgd', 'momentum', 'adam') or an Optimizer instance.
        learning_rate, weight_decay, l1: used when ``optimizer`` is a name (weight_decay: the
            L2 rate λ₂, l1: the L1 rate λ₁; see :mod:`nnlib.optimizers`).
        batch_size: examples per step; None, or the optimizer 'gd', uses the whole set.
        X_test, y_test: optional held-out data, evaluated at every report.
        seed: int or Generator for shuffling (and augmentation).
        augment: optional ``f(X_numpy, rng) -> X_numpy`` applied to each epoch's inputs.
        explode_factor: a mean loss above this multiple of the starting loss counts as divergence.
        schedule: the learning rate over the run (:mod:`nnlib.schedules`): 'constant' (the
            optimizer's rate, left alone), 'cosine' (from that rate down to 0 over ``epochs``),
            or a callable step -> rate, set as ``optimizer.learning_rate`` before every step.
        epochs: the run's planned length; 'cosine' needs it to know where it ends.
        eval_sample: None (every report evaluates the whole training and test sets) or a
            number k: each report evaluates a fixed sample of at most k training and k test
            examples, the same ones every time (chosen once from ``eval_seed``), so a report
            costs the same however large the sets are. :meth:`full_report` evaluates the
            whole sets on request.

    ``examples_evaluated`` counts every example that a report has evaluated so far, and
    ``last_report_s`` is the wall time of the latest report (a caller's time box can plan for it).
    ``history`` holds the good reports, the starting point first; ``blowup`` is the latest
    report that blew up (None until one does), which ``history`` leaves out.
    """

    def __init__(self, model, X, y, optimizer="sgd", learning_rate=None, weight_decay=0.0,
                 batch_size=32, X_test=None, y_test=None, seed=0, augment=None,
                 explode_factor=10.0, schedule="constant", epochs=None, eval_sample=None, eval_seed=0,
                 l1=0.0):
        self.model = model
        if isinstance(optimizer, str):
            kwargs = {"weight_decay": weight_decay, "l1": l1}
            if learning_rate is not None:
                kwargs["learning_rate"] = learning_rate
            optimizer = optimizers.get(optimizer, **kwargs)
        self.optimizer = optimizers.get(optimizer)
        self.X, self.T = model.check_data(X, y)
        self.X_host = np.asarray(X)
        self.n = self.X.shape[0]
        if self.n == 0:
            raise ValueError("the training set X is empty. Received 0 examples.")
        if (X_test is None) != (y_test is None):
            missing = "X_test" if X_test is None else "y_test"
            raise ValueError(f"X_test and y_test go together: give both or neither. Received: {missing}=None")
        if augment is not None and not callable(augment):
            raise TypeError(f"augment must be a function f(X, rng) -> X, or None. Received: augment={shown(augment)}")
        self.has_test = X_test is not None
        if self.has_test:
            self.X_test, self.T_test = model.check_data(X_test, y_test)
        full = batch_size is None or getattr(self.optimizer, "full_batch", False)
        if not full:
            check_int("batch_size", batch_size)
        self.batch_size = self.n if full else min(int(batch_size), self.n)
        self.steps_per_epoch = math.ceil(self.n / self.batch_size)
        total = None if epochs is None else check_int("epochs", epochs) * self.steps_per_epoch
        self.schedule = schedules.get(schedule, self.optimizer.learning_rate, total)
        self.rng = make_rng(seed)
        self.augment = augment
        self.explode_factor = check_number("explode_factor", explode_factor, 0.0, low_open=True)
        self._pick_eval_sample(eval_sample, eval_seed)
        self.examples_evaluated = 0
        self.last_report_s = 0.0
        self.step_count = 0
        self._pos = self.steps_per_epoch  # forces a fresh shuffle before the first step
        self._Xe = self._Te = None
        self.history: list[Progress] = []
        self.blowup: Progress | None = None
        self._good_weights = [backend.copy(p) for p in model.params]
        self.history.append(self._report())
        self._start_loss = self.history[0].loss

    @property
    def epoch(self) -> float:
        return self.step_count / self.steps_per_epoch

    def _new_epoch(self):
        xp = backend.xp
        if self.batch_size == self.n and self.augment is None:
            self._Xe, self._Te = self.X, self.T  # full batch: order does not matter
        else:
            perm = self.rng.permutation(self.n)
            if self.augment is not None:
                # Augment on the host, then move the epoch's inputs to the device once.
                self._Xe, _ = self.model.check_data(self.augment(self.X_host[perm], self.rng))
            else:
                self._Xe = xp.take(self.X, backend.asarray(perm), axis=0)
            self._Te = xp.take(self.T, backend.asarray(perm), axis=0)
        self._pos = 0

    def _pick_eval_sample(self, eval_sample, eval_seed) -> None:
        """The reports' fixed sample: indices into the training and test sets (None: the whole set),
        and the sampled arrays, taken once."""
        self.eval_sample = None if eval_sample is None else check_int("eval_sample", eval_sample)
        rng = np.random.default_rng(check_int("eval_seed", eval_seed, low=0))

        def pick(n):
            if self.eval_sample is None or n <= self.eval_sample:
                return None
            return backend.asarray(np.sort(rng.choice(n, self.eval_sample, replace=False)))

        def take(X, T, rows):
            return (X, T) if rows is None else (backend.xp.take(X, rows, axis=0), backend.xp.take(T, rows, axis=0))

        self._eval_train = pick(self.n)
        self._sample_train = take(self.X, self.T, self._eval_train)
        self.eval_n_train = self._sample_train[0].shape[0]
        self._eval_test = pick(self.X_test.shape[0]) if self.has_test else None
        self._sample_test = take(self.X_test, self.T_test, self._eval_test) if self.has_test else None
        self.eval_n_test = self._sample_test[0].shape[0] if self.has_test else 0

    def _evaluate(self, full: bool) -> Progress:
        t0 = time.perf_counter()
        if full:
            train_set, test_set = (self.X, self.T), ((self.X_test, self.T_test) if self.has_test else None)
        else:
            train_set, test_set = self._sample_train, self._sample_test
        train = self.model.evaluate(*train_set)
        test = self.model.evaluate(*test_set) if test_set is not None else None
        self.examples_evaluated += train.n + (test.n if test else 0)
        self.last_report_s = time.perf_counter() - t0
        return Progress(self.step_count, self.epoch, train.mean_loss, train.total_loss,
                        train.accuracy, test.mean_loss if test else None,
                        test.accuracy if test else None)

    def _report(self) -> Progress:
        return self._evaluate(full=False)

    def full_report(self) -> Progress:
        """The current weights evaluated on the whole training and test sets (not added to ``history``)."""
        return self._evaluate(full=True)

    def run(self, steps: int, report: bool = True) -> Progress | None:
        """Take up to ``steps`` optimizer steps, then evaluate and return the progress.

        Raises TrainingDiverged (after restoring the last good weights) when the loss blows up.
        With ``report=False`` it only takes the steps and returns None: no evaluation, no
        history point; the next report checks the loss (and rewinds to the last report's
        weights when it blew up).
        """
        check_int("steps", steps)
        model, opt, bs = self.model, self.optimizer, self.batch_size
        with warnings.catch_warnings():
            # Overflow in a diverging run is caught below; NumPy's warnings would only add noise.
            warnings.simplefilter("ignore", RuntimeWarning)
            for _ in range(int(steps)):
                if self._pos >= self.steps_per_epoch:
                    self._new_epoch()
                start = self._pos * bs
                stop = min(start + bs, self.n)  # the array API leaves out-of-range stops unspecified
                if self.schedule is not None:
                    opt.learning_rate = check_number("scheduled learning_rate", self.schedule(self.step_count), 0.0)
                train_step(model, opt, self._Xe[start:stop, ...], self._Te[start:stop, ...])
                self._pos += 1
                self.step_count += 1
        return self.report() if report else None

    def report(self) -> Progress:
        """Evaluate now (the fixed sample, or the whole sets), check for divergence, add to ``history``.

        ``run`` ends with this; call it after ``run(steps, report=False)`` to report those steps.
        """
        opt = self.optimizer
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            progress = self._report()
        if not math.isfinite(progress.loss) or progress.loss > self.explode_factor * max(self._start_loss, 0.1):
            step = self.step_count  # where it blew up; _restore() rewinds the count
            self.blowup = progress  # kept apart from history, whose steps must keep increasing
            self._restore()
            lr = opt.learning_rate
            what = "became NaN or infinite" if not math.isfinite(progress.loss) else (
                f"grew from {self._start_loss:.3g} to {progress.loss:.3g}")
            raise TrainingDiverged(
                f"Training diverged at step {step}: the loss {what}. "
                f"The learning rate {lr:g} is too large for this network; try {lr / 10:g} or smaller. "
                "The model keeps its last good weights.",
                step, lr, progress=progress, last_good=self.history[-1])
        self._good_weights = [backend.copy(p) for p in self.model.params]
        self.history.append(progress)
        return progress

    def _restore(self):
        for p, good in zip(self.model.params, self._good_weights):
            p[...] = good
        self.optimizer.reset()
        last = self.history[-1]
        self.step_count = last.step
        self._pos = self.steps_per_epoch

    def epochs(self, epochs: int, report_every: int | None = None):
        """Yield a Progress every ``report_every`` steps (default: once per epoch)."""
        check_int("epochs", epochs)
        every = self.steps_per_epoch if report_every is None else check_int("report_every", report_every)
        target = self.step_count + int(epochs) * self.steps_per_epoch
        while self.step_count < target:
            yield self.run(min(every, target - self.step_count))


def train(model, X, y, epochs=10, *, batch_size=32, optimizer="sgd", learning_rate=None, weight_decay=0.0,
          l1=0.0, schedule="constant", X_test=None, y_test=None, seed=0, augment=None, explode_factor=10.0,
          report_every=None):
    """Train for ``epochs``, yielding a :class:`Progress` every ``report_every`` steps (default: each epoch).

    The other arguments are :class:`Trainer`'s.
    """
    trainer = Trainer(model, X, y, optimizer=optimizer, learning_rate=learning_rate, weight_decay=weight_decay,
                      batch_size=batch_size, X_test=X_test, y_test=y_test, seed=seed, augment=augment,
                      explode_factor=explode_factor, schedule=schedule, epochs=epochs, l1=l1)
    yield from trainer.epochs(epochs, report_every)


def fit(model, X, y, epochs=10, *, batch_size=32, optimizer="sgd", learning_rate=None, weight_decay=0.0,
        l1=0.0, schedule="constant", X_test=None, y_test=None, seed=0, augment=None, explode_factor=10.0,
        report_every=None) -> list[Progress]:
    """Train ``model`` in place for ``epochs`` and return the history, the starting point first.

    Args:
        X, y: NumPy training inputs (N, n_in) and integer labels (N,) or one-hot rows (N, n_out).
        epochs: passes over the training set.
        batch_size: examples per step (None, or optimizer='gd': the whole set).
        optimizer: 'gd', 'sgd', 'momentum', 'adam' or an Optimizer instance.
        learning_rate, weight_decay, l1: the optimizer's η (None: its default), its L2 rate λ₂
            (½λ₂‖W‖² in the loss) and its L1 rate λ₁ (λ₁‖W‖₁), on the weight matrices only.
        schedule: 'constant', 'cosine' (η down to 0 over the epochs) or a callable step -> η.
        X_test, y_test: optional held-out data, evaluated at every report.
        seed: int or Generator for shuffling and augmentation.
        augment: optional ``f(X_numpy, rng) -> X_numpy``, applied to each epoch's inputs.
        explode_factor: a loss above this multiple of the starting loss stops the run
            (:class:`TrainingDiverged`, with the last good weights restored).
        report_every: steps between reports (default: one epoch).

    ``model.fit(X, y, ...)`` is this function.
    """
    trainer = Trainer(model, X, y, optimizer=optimizer, learning_rate=learning_rate, weight_decay=weight_decay,
                      batch_size=batch_size, X_test=X_test, y_test=y_test, seed=seed, augment=augment,
                      explode_factor=explode_factor, schedule=schedule, epochs=epochs, l1=l1)
    for _ in trainer.epochs(epochs, report_every):
        pass
    return trainer.history
