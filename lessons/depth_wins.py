"""Where depth wins: a sawtooth that k layers of 2 ReLUs draw exactly and one layer cannot.

The tent map t(x) = 2·relu(x) − 4·relu(x − ½) folds [0, 1] onto itself once; composing it k
times, t^k, folds it k times: 2^(k−1) teeth, 2^k linear pieces. A deep ReLU network does exactly
that with 2 neurons per layer (composition, "modularisation": each layer reuses the folds of the
layers below and doubles them), so k hidden layers of 2 give 2^k linear pieces from 6k + 1
parameters. One hidden layer of n ReLUs has at most n kinks, so at most n + 1 linear pieces: at
the same 6k + 1 parameters (n = 2k) it cannot follow more than a few of the teeth.

The other half of the answer, where depth hurts, is :mod:`lessons.depth_hurts`. Every number
comes from running nnlib; results are frozen dataclasses of NumPy arrays.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass

import numpy as np

from i18n import N_, _
from nnlib import Dense, NetworkSpec, Sequential, Trainer, TrainingDiverged
from nnlib.validation import check_int
from services import limits

SAWTOOTH_POINTS = 2049   # x = i/2048: every kink of t^k (k ≤ 8) is a grid point, 8+ points per piece
FAT_CONSTRUCTION = N_("the fat construction")   # where a training run starts: this, or "random (seed s)"


def tent(x) -> np.ndarray:
    """t(x) = 2·relu(x) − 4·relu(x − ½): up from 0 to 1 on [0, ½], back down to 0 on [½, 1]."""
    x = np.asarray(x, dtype=np.float64)
    return 2.0 * np.maximum(x, 0.0) - 4.0 * np.maximum(x - 0.5, 0.0)


def sawtooth(x, k: int) -> np.ndarray:
    """t^k(x) = t(t(…t(x))), k times: 2^(k−1) teeth of height 1 on [0, 1], 2^k linear pieces."""
    check_int("k", k)
    for _fold in range(k):
        x = tent(x)
    return x


def sawtooth_points(k: int, n_points: int = SAWTOOTH_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """x evenly spaced on [0, 1] and the target t^k(x), both float64 of shape (n_points,)."""
    x = np.linspace(0.0, 1.0, check_int("n_points", n_points, 2))
    return x, sawtooth(x, k)


def deep_sawtooth_network(k: int, dtype: str = "float64") -> Sequential:
    """t^k as an exact deep network: 1 → k hidden layers of 2 ReLUs → 1 linear output.

    Hidden layer 1 computes (relu(x), relu(x − ½)); every later hidden layer reads the two
    neurons u = t(·) of the layer below as 2·h₁ − 4·h₂ and computes (relu(u), relu(u − ½)), so
    W = [[2, −4], [2, −4]], b = (0, −½); the output is 2·h₁ − 4·h₂. Parameters: 6k + 1.
    """
    limits.check_architecture([1] + [2] * check_int("k", k) + [1])
    fold_W, fold_b = [[2.0, -4.0], [2.0, -4.0]], [0.0, -0.5]
    layers = [Dense(1, 2, "relu", dtype=dtype, weights=[[1.0], [1.0]], bias=fold_b)]
    layers += [Dense(2, 2, "relu", dtype=dtype, weights=fold_W, bias=fold_b) for _layer in range(k - 1)]
    layers.append(Dense(2, 1, "linear", dtype=dtype, weights=[[2.0, -4.0]], bias=[0.0]))
    return Sequential(layers, loss="mse")


def fat_sawtooth_network(k: int, n_hidden: int, dtype: str = "float64") -> Sequential:
    """The best one-hidden-layer sawtooth we know how to build from n ReLUs: t^k on the first teeth, then ½.

    t^k starts at 0 with slope 2T (T = 2^(k−1) teeth of width w = 1/T) and turns at every
    multiple of w/2 (slope change −4T at a peak, +4T at a valley). Neuron i is
    relu(2T·(x − cᵢ)), a kink at cᵢ; its output weight is the slope change there over 2T.
    With n ≥ 2^k neurons every kink fits and the network is exact. With fewer, it follows t^k
    up to the last valley it can afford and one more neuron stops the next rise at ½, the mean
    of the sawtooth (the best constant for the teeth left out).
    """
    T = 2 ** (check_int("k", k) - 1)
    n = check_int("n_hidden", n_hidden, 2)
    limits.check_architecture([1, n, 1])
    half_w = 0.5 / T
    if n >= 2 * T:
        used = 2 * T                                  # every kink of t^k: exact
        kinks = list(np.arange(used) * half_w)
        slopes = [2.0 * T] + [(-4.0 if i % 2 else 4.0) * T for i in range(1, used)]
    else:
        used = n - 1 if (n - 1) % 2 else n - 2        # odd, so the last kink used is a valley
        kinks = list(np.arange(used) * half_w) + [(used - 1) * half_w + half_w / 2]
        slopes = [2.0 * T] + [(-4.0 if i % 2 else 4.0) * T for i in range(1, used)] + [-2.0 * T]
    spare = n - len(kinks)                            # unused neurons: output weight 0
    kinks, slopes = np.array(kinks + [0.0] * spare), np.array(slopes + [0.0] * spare)
    a = 2.0 * T                                       # relu(a(x − c)) = a·relu(x − c): output weights ±1, ±2
    hidden = Dense(1, n, "relu", dtype=dtype, weights=np.full((n, 1), a), bias=-a * kinks)
    output = Dense(n, 1, "linear", dtype=dtype, weights=(slopes / a)[None, :], bias=[0.0])
    return Sequential([hidden, output], loss="mse")


def fat_error_bound(k: int, n_hidden: int, x) -> float:
    """A floor under the mean squared error of EVERY 1 → n ReLU → 1 network on t^k at the points x.

    Each hidden ReLU has one kink, so the network has at most n. A kink lies inside at most one
    tooth [i/T, (i+1)/T), so at least T − n teeth get no kink and the network is a single straight
    line across each of them; a line through a tooth's points misses by at least their least-squares
    residual (about 1/12 of the tooth: a tent's best line is the constant ½). The bound adds the
    T − n smallest residuals and divides by the number of points. It is 0 when n ≥ T.
    """
    T = 2 ** (check_int("k", k) - 1)
    x = np.asarray(x, dtype=np.float64)
    y = sawtooth(x, k)
    residuals = []
    for i in range(T):
        inside = (x >= i / T) & (x < (i + 1) / T)
        if inside.sum() < 3:
            residuals.append(0.0)
            continue
        A = np.stack([x[inside], np.ones(int(inside.sum()))], axis=1)
        coef = np.linalg.lstsq(A, y[inside], rcond=None)[0]
        residuals.append(float(np.sum((A @ coef - y[inside]) ** 2)))
    free = max(0, T - check_int("n_hidden", n_hidden))
    return float(np.sum(np.sort(residuals)[:free]) / x.shape[0])


@dataclass(frozen=True)
class SawtoothNet:
    """One network's attempt at t^k.

    label: what it is, e.g. 'deep, built'; how: 'built' (weights set by hand) or 'trained'.
    hidden: neurons per hidden layer; params: weights + biases. mse: mean squared error on the
    grid, from ``model.evaluate``; y: its output on the grid (P,). loss_curve: the training mean
    loss at each report (empty when built); start: where training started ('' when built).
    constant_layers: hidden layers whose output is the same for every x on the grid (ReLUs
    that are off everywhere, or on with a constant input): past such a layer the network's
    output cannot depend on x.
    """

    label: str
    how: str
    hidden: tuple[int, ...]
    params: int
    mse: float
    y: np.ndarray
    loss_curve: np.ndarray
    start: str = ""
    constant_layers: int = 0


@dataclass(frozen=True)
class DepthWins:
    """Deep against fat on t^k at an equal parameter count (6k + 1 each).

    x, target: the grid on [0, 1] and t^k there (P,). teeth = 2^(k−1); deep_pieces = 2^k linear
    pieces; fat_max_pieces = n + 1 for n = 2k neurons. fat_bound: no fat network of this size can
    have a smaller mse (:func:`fat_error_bound`). fat_trained and deep_trained are the best of
    ``attempts``, every training run made (random starts from seed, seed + 1, …). seconds: time spent
    computing it.
    """

    k: int
    seed: int
    x: np.ndarray
    target: np.ndarray
    deep_built: SawtoothNet
    fat_built: SawtoothNet
    fat_trained: SawtoothNet
    deep_trained: SawtoothNet
    fat_bound: float
    attempts: tuple[SawtoothNet, ...]
    seconds: float

    @property
    def teeth(self) -> int:
        return 2 ** (self.k - 1)

    @property
    def deep_pieces(self) -> int:
        return 2 ** self.k

    @property
    def fat_max_pieces(self) -> int:
        return self.fat_built.hidden[0] + 1

    @property
    def nets(self) -> tuple[SawtoothNet, ...]:
        return (self.deep_built, self.fat_built, self.fat_trained, self.deep_trained)


def start_text(start: str) -> str:
    """Where a training run started (SawtoothNet.start, kept in English), in the reader's language."""
    random = re.fullmatch(r"random \(seed (\d+)\)", start)
    if random:
        return _("random (seed {seed})").format(seed=random[1])
    return _(start) if start else start


def _sawtooth_net(model, label, x, target, curve=(), start="") -> SawtoothNet:
    X, Y = x[:, None], target[:, None]
    hidden = tuple(layer.n_out for layer in model.layers[:-1])
    trace = model.trace(X)
    constant = sum(1 for layer in trace[:-1] if np.ptp(layer.a, axis=0).max() < 1e-12)
    return SawtoothNet(label, "trained" if start else "built", hidden, model.count_params(),
                       model.evaluate(X, Y).mean_loss, trace[-1].a[:, 0],
                       np.asarray(curve, dtype=np.float64), start, constant)


def _train(model, x, target, steps, learning_rate, seed, reports=20) -> np.ndarray:
    """Full-batch Adam on the mean squared error; the mean loss at the start and at each report.

    The model ends at the best report's weights: Adam's steps can overshoot near a minimum,
    and "trained as well as it can be" should not be spoiled by the last step.
    """
    trainer = Trainer(model, x[:, None], target[:, None], optimizer="adam",
                      learning_rate=learning_rate, batch_size=None, seed=seed)
    curve = [trainer.history[0].loss]
    best = (curve[0], model.get_weights())
    every = max(1, steps // reports)
    # A blown-up loss ends the run; the model is back at its last good weights.
    with contextlib.suppress(TrainingDiverged):
        while trainer.step_count < steps:
            curve.append(trainer.run(min(every, steps - trainer.step_count)).loss)
            if curve[-1] < best[0]:
                best = (curve[-1], model.get_weights())
    model.set_weights(best[1])
    return np.array(curve)


def depth_wins_steps(k: int = 6, seed: int = 0, tries: int = 3, steps: int = 3000,
                     learning_rate: float = 0.01, n_points: int = SAWTOOTH_POINTS):
    """:func:`depth_wins` one training run at a time: a generator for a page's progress bar.

    It yields ``(fraction done, what runs next)`` before each training run and returns the
    :class:`DepthWins`; ``seconds`` counts only the time spent inside it.
    """
    check_int("tries", tries)
    check_int("steps", steps)
    clock = time.perf_counter()
    x, target = sawtooth_points(k, n_points)
    deep_spec = limits.check_spec(NetworkSpec(1, (2,) * k, 1, "relu", "linear", "mse"))
    fat_spec = limits.check_spec(NetworkSpec(1, (2 * k,), 1, "relu", "linear", "mse"))  # also 6k + 1
    deep_built = _sawtooth_net(deep_sawtooth_network(k), "deep, built", x, target)
    fat_built = _sawtooth_net(fat_sawtooth_network(k, 2 * k), "fat, built", x, target)
    fat_bound = fat_error_bound(k, 2 * k, x)
    seeds = [seed + i for i in range(tries)]
    # (label, start, seed, model, learning rate factor): the fat construction trains at a tenth
    # of the rate, since it starts near a minimum.
    runs = [("fat, trained", f"random (seed {s})", s, fat_spec.build(seed=s, dtype="float64"), 1.0) for s in seeds]
    runs.append(("fat, trained", FAT_CONSTRUCTION, seed, fat_sawtooth_network(k, 2 * k), 0.1))
    runs += [("deep, trained", f"random (seed {s})", s, deep_spec.build(seed=s, dtype="float64"), 1.0) for s in seeds]
    seconds = time.perf_counter() - clock
    attempts = []
    for i, (label, start, run_seed, model, factor) in enumerate(runs):
        message = (_("Training {i} of {n}: the deep network from {start}") if label.startswith("deep") else
                   _("Training {i} of {n}: the fat network from {start}"))
        yield i / len(runs), message.format(i=i + 1, n=len(runs), start=start_text(start))
        clock = time.perf_counter()
        curve = _train(model, x, target, steps, learning_rate * factor, run_seed)
        attempts.append(_sawtooth_net(model, label, x, target, curve, start))
        seconds += time.perf_counter() - clock
    fat = [a for a in attempts if a.label == "fat, trained"]
    deep = [a for a in attempts if a.label == "deep, trained"]
    return DepthWins(k, seed, x, target, deep_built, fat_built, min(fat, key=lambda net: net.mse),
                     min(deep, key=lambda net: net.mse), fat_bound, tuple(attempts), seconds)


def depth_wins(k: int = 6, seed: int = 0, tries: int = 3, steps: int = 3000,
               learning_rate: float = 0.01, n_points: int = SAWTOOTH_POINTS) -> DepthWins:
    """Fit t^k with a deep (k × 2 ReLU) and a fat (1 × 2k ReLU) network, both of 6k + 1 parameters.

    * deep, built: :func:`deep_sawtooth_network`, error 0.
    * fat, built: :func:`fat_sawtooth_network`, the best fat construction we know.
    * fat, trained: the best of ``tries`` He-initialised starts (seeds seed, seed + 1, …) and of the
      fat construction, each trained by full-batch Adam for ``steps`` steps (the construction at
      learning_rate / 10, since it starts near a minimum).
    * deep, trained: the best of ``tries`` He-initialised starts, trained the same way. Gradient
      descent rarely finds the folds from a random start: with 2 neurons a layer, one layer whose
      ReLUs are off for every x (or pass on a constant) cuts x off from the output, and the
      network settles on the best constant, the mean ½ (see ``constant_layers``).
    """
    steps = depth_wins_steps(k, seed, tries, steps, learning_rate, n_points)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
