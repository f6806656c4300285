"""The lecture's closing question as experiments: universality, and deep against fat.

Two pure experiments, each building its networks through :class:`NetworkSpec`
so the server's limits (:mod:`services.limits`) apply:

* :func:`fit_curve`: one hidden layer of N sigmoid neurons fits a 1-D curve,
  ŷ(x) = Σᵢ vᵢ·σ(wᵢ·x + bᵢ) + c, trained on the mean squared error.
* :func:`match_deep_and_fat` and :func:`run_deep_vs_fat`: a deep network (k hidden
  layers of n neurons) and a fat one (one hidden layer of m neurons) with about
  the same parameter count, trained alike on the 16×16 digits.

Nothing here calls Streamlit; :func:`run_deep_vs_fat` yields one result at a
time so a page can show progress and stop between trials.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from i18n import N_, _
from nnlib.layers import count_params
from nnlib.spec import NetworkSpec
from nnlib.training import Trainer
from nnlib.validation import check_int
from services import limits

# --- 1. universality: one hidden layer fits a curve --------------------------------
# name -> (label, f, continuous?); the label is translated where it is shown. The universality theorem
# is about continuous functions only; the step is here to show what it does not promise.
TARGETS = {
    "wave": (N_("a wave, sin(3πx)"), lambda x: np.sin(3 * np.pi * x), True),
    "abs": (N_("a kink, |x|"), np.abs, True),
    "step": (N_("a step at x = 0 (not continuous)"), lambda x: (x > 0).astype(np.float64), False),
}
CURVE_POINTS = 200
CURVE_EPOCHS = 400       # within limits.MAX_EPOCHS; 4 steps per epoch
CURVE_BATCH = 50


@dataclass(frozen=True)
class CurveFit:
    """A fitted curve on x ∈ [−1, 1] (all NumPy, P points).

    x, target, fit: (P,). parts: (N, P), hidden neuron i's share vᵢ·σ(wᵢ·x + bᵢ) of the fit
    (fit = Σᵢ partsᵢ + c). mse: mean of (fit − target)² over the P points.
    """

    name: str
    n_hidden: int
    x: np.ndarray
    target: np.ndarray
    fit: np.ndarray
    parts: np.ndarray
    mse: float


def target_curve(name: str, n_points: int = CURVE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """x evenly spaced on [−1, 1] and the target f(x), both float32 of shape (n_points,)."""
    if name not in TARGETS:
        raise ValueError(f"Unknown target curve {name!r}. Choose one of: {', '.join(TARGETS)}.")
    x = np.linspace(-1.0, 1.0, n_points)
    return x.astype(np.float32), TARGETS[name][1](x).astype(np.float32)


def universality_spec(n_hidden: int) -> NetworkSpec:
    """1 input → N sigmoid neurons → 1 linear output, trained on the mean squared error."""
    return limits.check_spec(NetworkSpec(n_in=1, hidden=(n_hidden,), n_out=1, activation="sigmoid",
                                         output="linear", loss="mse"))


def fit_curve(name: str, n_hidden: int, seed: int = 0, epochs: int = CURVE_EPOCHS,
              learning_rate: float = 0.02) -> CurveFit:
    """Train N sigmoid neurons on the target curve with Adam and return the fit.

    Each hidden neuron starts as a steep step σ(s·(x − cᵢ)) (random direction) with its
    centre cᵢ evenly spread over [−1, 1], as in the constructive proof of universality;
    a plain random start leaves most neurons nearly linear and needs far more steps.
    """
    limits.check_epochs(epochs)
    spec = universality_spec(n_hidden)
    model = spec.build(seed=seed)
    rng = np.random.default_rng(seed)
    weights = model.get_weights()
    centres = np.linspace(-1.0, 1.0, n_hidden + 2)[1:-1]
    slope = 2.0 * (n_hidden + 1) * rng.choice([-1.0, 1.0], size=n_hidden)
    weights[0], weights[1] = slope[:, None], -slope * centres
    model.set_weights(weights)

    x, y = target_curve(name)
    X, Y = x[:, None], y[:, None]
    trainer = Trainer(model, X, Y, optimizer="adam", learning_rate=learning_rate,
                      batch_size=CURVE_BATCH, seed=seed)
    # The last quarter of the epochs uses a tenth of the step size, to settle into the minimum
    # instead of rattling around it on the minibatch noise.
    coarse = (3 * epochs) // 4
    if coarse:
        trainer.run(coarse * trainer.steps_per_epoch)
    trainer.optimizer.learning_rate = learning_rate / 10
    trainer.run((epochs - coarse) * trainer.steps_per_epoch)

    hidden, output = model.trace(X)                            # per layer: x, z, a as NumPy
    parts = (hidden.a * model.layers[1].get_weights()[0][0]).T  # (N, P): vᵢ·σ(wᵢ·x + bᵢ)
    fit = output.a[:, 0]
    return CurveFit(name, n_hidden, x, y, fit, parts, float(np.mean((fit - y) ** 2)))


# --- 2. deep against fat at equal parameter count -----------------------------------
@dataclass(frozen=True)
class Pairing:
    """A deep and a fat network for one parameter budget."""

    budget: int
    deep: NetworkSpec
    fat: NetworkSpec

    @property
    def mismatch(self) -> float:
        """|P_deep − P_fat| / P_deep: how far apart the two parameter counts are."""
        deep = self.deep.count_params()
        return abs(deep - self.fat.count_params()) / deep


def match_deep_and_fat(budget: int, depth: int, n_in: int = 256, n_out: int = 10,
                       activation: str = "relu", tolerance: float = 0.02) -> Pairing:
    """Deep (depth × n) and fat (1 × m) networks whose parameter counts differ by ≤ tolerance.

    Deep: P = (n_in + 1)·n + (depth − 1)·(n + 1)·n + (n + 1)·n_out, a quadratic in n solved
    for P ≈ budget. Fat: P = (n_in + 1)·m + (m + 1)·n_out, so m is chosen to match the deep
    count (a step of n_in + n_out + 1 parameters). Neighbouring n are tried when rounding
    leaves the pair too far apart. Raises ValueError (or limits.LimitExceeded) when impossible.
    """
    for value, label in ((budget, "budget"), (depth, "depth")):
        check_int(label, value)
    if depth < 2:
        raise ValueError(_("a deep network needs at least 2 hidden layers. Received: depth={depth}").format(
            depth=depth))
    a, b, c = depth - 1, n_in + 1 + (depth - 1) + n_out, n_out - budget
    n_star = max(1.0, (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a))
    best = None
    for n in sorted({max(1, int(n_star) + d) for d in (-1, 0, 1, 2)}, key=lambda n: abs(n - n_star)):
        deep_p = count_params([n_in, *([n] * depth), n_out])
        m = max(1, round((deep_p - n_out) / (n_in + 1 + n_out)))
        gap = abs(deep_p - count_params([n_in, m, n_out])) / deep_p
        if best is None or gap < best[0] - 1e-12:
            best = (gap, n, m)
        if gap <= tolerance:
            break
    gap, n, m = best
    if gap > tolerance:
        raise ValueError(_("a budget of {budget:,} parameters is too small to match a {depth}-layer network "
                           "and a one-layer network within {tolerance:.0%}; use a larger budget.").format(
                               budget=budget, depth=depth, tolerance=tolerance))
    deep = limits.check_spec(NetworkSpec(n_in=n_in, hidden=(n,) * depth, n_out=n_out, activation=activation))
    fat = limits.check_spec(NetworkSpec(n_in=n_in, hidden=(m,), n_out=n_out, activation=activation))
    return Pairing(int(budget), deep, fat)


@dataclass(frozen=True)
class DeepFatConfig:
    """One deep-against-fat experiment: the same optimizer and epochs for every network."""

    budgets: tuple[int, ...] = (5_000, 20_000, 60_000)
    depth: int = 3
    activation: str = "relu"
    epochs: int = 10
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    batch_size: int = 64
    seeds: tuple[int, ...] = (0, 1)

    def __post_init__(self):
        object.__setattr__(self, "budgets", tuple(sorted(set(self.budgets))))
        object.__setattr__(self, "seeds", tuple(self.seeds))
        if not self.budgets or not self.seeds:
            raise ValueError(_("choose at least one parameter budget and one seed."))
        limits.check_epochs(self.epochs)

    def pairings(self) -> list[Pairing]:
        return [match_deep_and_fat(b, self.depth, activation=self.activation) for b in self.budgets]


@dataclass(frozen=True)
class Trial:
    """One trained network: its family ('deep' or 'fat'), size and test accuracy (0..1)."""

    budget: int
    family: str
    hidden: tuple[int, ...]
    params: int
    seed: int
    test_accuracy: float
    train_accuracy: float
    seconds: float


def plan_trials(config: DeepFatConfig) -> list[tuple[int, str, NetworkSpec, int]]:
    """Every (budget, family, spec, seed) to train, smallest networks first."""
    return [(p.budget, family, spec, seed)
            for p in config.pairings()
            for family, spec in (("deep", p.deep), ("fat", p.fat))
            for seed in config.seeds]


def run_trial(spec: NetworkSpec, budget: int, family: str, seed: int, config: DeepFatConfig,
              data) -> Trial:
    """Train one network on ``data = ((X_train, y_train), (X_test, y_test))`` and score it."""
    (X_train, y_train), (X_test, y_test) = data
    start = time.perf_counter()
    model = spec.build(seed=seed)
    trainer = Trainer(model, X_train, y_train, optimizer=config.optimizer,
                      learning_rate=config.learning_rate, batch_size=config.batch_size,
                      X_test=X_test, y_test=y_test, seed=seed)
    progress = trainer.run(config.epochs * trainer.steps_per_epoch)
    return Trial(budget, family, spec.hidden, spec.count_params(), seed, progress.test_accuracy,
                 progress.train_accuracy, time.perf_counter() - start)


def run_deep_vs_fat(config: DeepFatConfig, data, skip: int = 0):
    """Yield a :class:`Trial` per planned network, in :func:`plan_trials` order.

    ``skip`` resumes an interrupted run after that many finished trials.
    """
    for budget, family, spec, seed in plan_trials(config)[skip:]:
        yield run_trial(spec, budget, family, seed, config, data)


class DeepFatRun:
    """One student's experiment, advanced one network at a time; safe to share between threads.

    A web page may start a newer script run while an older one is still training a network
    (Streamlit's fast reruns). :meth:`step` holds a lock while it trains, so the newer run waits
    for that network instead of training it twice, and the trials stay in plan order.
    """

    def __init__(self, config: DeepFatConfig, n_test: int):
        self.config = config
        self.plan = plan_trials(config)
        self.n_test = n_test
        self.trials: list[Trial] = []
        self.seconds = 0.0
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        return len(self.plan)

    @property
    def finished(self) -> bool:
        return len(self.trials) >= self.total

    def step(self, data) -> Trial | None:
        """Train the next planned network on ``data``; None once every network is trained."""
        with self._lock:
            if self.finished:
                return None
            budget, family, spec, seed = self.plan[len(self.trials)]
            trial = run_trial(spec, budget, family, seed, self.config, data)
            self.trials.append(trial)
            self.seconds += trial.seconds
            return trial

    def outcomes(self) -> list[BudgetOutcome]:
        return summarize(self.trials, self.n_test)

    def __repr__(self):
        return f"DeepFatRun({len(self.trials)} of {self.total} networks trained, {self.config})"


@dataclass(frozen=True)
class BudgetOutcome:
    """Deep against fat at one budget: mean test accuracies (0..1) over the seeds.

    winner is 'deep', 'fat' or 'tie': a tie when |deep − fat| ≤ two standard errors of the
    difference, √(p_d(1 − p_d)/n + p_f(1 − p_f)/n) with n = test examples × seeds.
    """

    budget: int
    deep_params: int
    fat_params: int
    deep_hidden: tuple[int, ...]
    fat_hidden: tuple[int, ...]
    deep_accuracy: float
    fat_accuracy: float
    noise: float
    winner: str = field(default="tie")

    @property
    def margin(self) -> float:
        return self.deep_accuracy - self.fat_accuracy


def summarize(trials, n_test: int) -> list[BudgetOutcome]:
    """One :class:`BudgetOutcome` per budget that has both families trained."""
    outcomes = []
    for budget in sorted({t.budget for t in trials}):
        deep = [t for t in trials if t.budget == budget and t.family == "deep"]
        fat = [t for t in trials if t.budget == budget and t.family == "fat"]
        if not deep or not fat:
            continue
        pd = float(np.mean([t.test_accuracy for t in deep]))
        pf = float(np.mean([t.test_accuracy for t in fat]))
        noise = 2.0 * math.sqrt(pd * (1 - pd) / (n_test * len(deep)) + pf * (1 - pf) / (n_test * len(fat)))
        winner = "tie" if abs(pd - pf) <= noise else ("deep" if pd > pf else "fat")
        outcomes.append(BudgetOutcome(budget, deep[0].params, fat[0].params, deep[0].hidden,
                                      fat[0].hidden, pd, pf, noise, winner))
    return outcomes
