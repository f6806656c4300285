"""Step 3's live training: one student's run, advanced in short slices, and its charts.

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
import plotly.graph_objects as go

import nnlib
from ui.figures import CLASS_COLORS, DIVERGING

DATASETS = (*nnlib.datasets.TOY_SETS, "digits")
OPTIMIZERS = {"gd": "gradient descent", "sgd": "SGD", "momentum": "momentum", "adam": "Adam"}
TOY_POINTS = 400          # half train, half test
CURVE_POINTS = 300        # about this many reports over a whole run
TICKS_PER_RUN = 60        # a whole run is spread over at least this many ticks, so it can be watched
TRAIN_COLOR, TEST_COLOR = "#0877bd", "#f59322"


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
        n_in, n_out = (nnlib.datasets.DIGIT_SIDE ** 2, 10) if self.dataset == "digits" else (2, 2)
        return nnlib.NetworkSpec(n_in=n_in, hidden=self.hidden, n_out=n_out, activation=self.activation)

    def network_key(self) -> tuple:
        return (self.dataset, self.noise, self.seed, self.hidden, self.activation)

    def optimizer_key(self) -> tuple:
        return (self.optimizer, self.learning_rate, self.batch_size)


class TrainingRun:
    """A resumable training run: ``step_once``, ``run_slice``, ``retune``; ``running`` is the Start/Pause flag.

    history: Progress reports (step and epoch counted from the start of the run, across retunes).
    error: the plain-words message of the last divergence, else None.
    """

    def __init__(self, settings: RunSettings, data: Data):
        nnlib.limits.check_epochs(settings.epochs)
        self.settings = settings
        self.data = data
        self.model = settings.spec().build(seed=settings.seed)
        self.history: list[nnlib.Progress] = []
        self.running = False
        self.error: str | None = None
        self.last_slice = (0, 0.0)           # (steps, seconds) of the latest slice
        self._sec_per_step: float | None = None
        self._new_trainer()

    def _new_trainer(self) -> None:
        s, d = self.settings, self.data
        last = self.history[-1] if self.history else None
        self._offset = (last.step, last.epoch) if last else (0, 0.0)
        self.trainer = nnlib.Trainer(
            self.model, d.X, d.y, optimizer=s.optimizer, learning_rate=s.learning_rate,
            batch_size=s.batch_size, X_test=d.X_test, y_test=d.y_test, seed=s.seed + len(self.history))
        if not self.history:  # a retune's starting report repeats the last point
            self.history.append(self.trainer.history[0])

    # --- where the run stands ------------------------------------------------
    @property
    def progress(self) -> nnlib.Progress:
        return self.history[-1]

    @property
    def steps_per_epoch(self) -> int:
        return self.trainer.steps_per_epoch

    @property
    def done(self) -> bool:
        return self.progress.epoch >= self.settings.epochs - 1e-9

    def _steps_left(self) -> int:
        return max(0, math.ceil((self.settings.epochs - self.progress.epoch) * self.steps_per_epoch - 1e-9))

    def _report_every(self) -> int:
        return max(1, self.settings.epochs * self.steps_per_epoch // CURVE_POINTS)

    # --- changing it ---------------------------------------------------------
    def retune(self, settings: RunSettings) -> None:
        """New optimizer settings or epochs for the same data and network: keep the weights, go on."""
        if settings.network_key() != self.settings.network_key():
            raise ValueError("a new data set or network needs a new TrainingRun")
        nnlib.limits.check_epochs(settings.epochs)
        old, self.settings = self.settings, settings
        if settings.optimizer_key() != old.optimizer_key():
            self._new_trainer()
            self._sec_per_step = None
            self.error = None

    # --- training ----------------------------------------------------------------
    def _advance(self, steps: int) -> bool:
        """Take ``steps`` optimizer steps; False (and training stops) when the loss blew up."""
        try:
            p = self.trainer.run(steps)
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
        """One optimizer step: θ ← θ − η∇L on one minibatch (the whole set for gradient descent)."""
        t0 = time.perf_counter()
        self._advance(1)
        self.last_slice = (1, time.perf_counter() - t0)
        return self.progress

    def run_slice(self, budget_s: float = 0.12) -> nnlib.Progress:
        """While running: optimizer steps for at most about ``budget_s`` seconds, reporting every few steps.

        A slice also takes at most 1/TICKS_PER_RUN of the run, so a quick toy run is still
        spread over enough ticks to watch. At the last epoch, ``running`` turns off.
        """
        t0 = time.perf_counter()
        taken = 0
        quota = max(self._report_every(), self.settings.epochs * self.steps_per_epoch // TICKS_PER_RUN)
        while self.running and taken < quota and not self.done:
            elapsed = time.perf_counter() - t0
            n = min(self._report_every(), quota - taken, self._steps_left())
            if self._sec_per_step is None:  # no timing yet: a small first chunk measures the speed
                n = min(n, 8)
            else:  # time box: shrink the chunk to what fits in the budget left
                n = min(n, max(1, int((budget_s - elapsed) / self._sec_per_step)))
            c0 = time.perf_counter()
            if not self._advance(n):
                break
            per_step = (time.perf_counter() - c0) / n
            self._sec_per_step = per_step if self._sec_per_step is None else 0.5 * (self._sec_per_step + per_step)
            taken += n
            if time.perf_counter() - t0 >= budget_s:
                break
        if self.done:
            self.running = False
        self.last_slice = (taken, time.perf_counter() - t0)
        return self.progress


# --- charts ---------------------------------------------------------------------------------
# Built from plain dicts of NumPy arrays: these redraw several times a second, and
# plotly's per-object validation would cost more than the training itself.
def curves_figure(history, height: int = 520) -> go.Figure:
    """Loss (mean cross-entropy, top) and accuracy (%, bottom) over epochs, train and test.

    One figure with two stacked plots sharing the epoch axis: one redraw per tick, not two.
    """
    epochs = np.array([p.epoch for p in history], dtype=float)

    def series(get):
        return np.array([np.nan if get(p) is None else get(p) for p in history], dtype=float)

    mode = "lines+markers" if len(history) < 3 else "lines"
    data = []
    for axis, scale, train, test in (
            ("y", 1.0, series(lambda p: p.loss), series(lambda p: p.test_loss)),
            ("y2", 100.0, series(lambda p: p.train_accuracy), series(lambda p: p.test_accuracy))):
        what = "loss" if axis == "y" else "accuracy %"
        for name, values, color, dash in (("train", train, TRAIN_COLOR, "solid"), ("test", test, TEST_COLOR, "dot")):
            data.append({"type": "scatter", "x": epochs, "y": scale * values, "mode": mode, "name": name,
                         "xaxis": "x" if axis == "y" else "x2", "yaxis": axis, "legendgroup": name,
                         "showlegend": axis == "y", "line": {"color": color, "width": 2, "dash": dash},
                         "hovertemplate": f"epoch %{{x:.2f}}<br>{name} {what} %{{y:.4g}}<extra></extra>"})
    return go.Figure({"data": data, "layout": {
        "height": height, "uirevision": "curves", "margin": {"l": 55, "r": 10, "t": 30, "b": 40},
        "xaxis": {"anchor": "y", "domain": [0, 1], "matches": "x2", "showticklabels": False, "rangemode": "tozero"},
        "yaxis": {"domain": [0.56, 1.0], "title": {"text": "mean cross-entropy L/N"}, "rangemode": "tozero"},
        "xaxis2": {"anchor": "y2", "domain": [0, 1], "title": {"text": "epoch"}, "rangemode": "tozero"},
        "yaxis2": {"domain": [0.0, 0.44], "title": {"text": "accuracy (%)"}, "range": [0, 101]},
        "annotations": [{"text": "<b>Loss</b>", "xref": "paper", "yref": "paper", "x": 0, "y": 1.0, "yanchor": "bottom",
                         "showarrow": False, "font": {"size": 13}},
                        {"text": "<b>Accuracy</b>", "xref": "paper", "yref": "paper", "x": 0, "y": 0.44,
                         "yanchor": "bottom", "showarrow": False, "font": {"size": 13}}],
        "legend": {"orientation": "h", "y": 1.07, "x": 1, "xanchor": "right"}}})


def boundary_figure(grid, X, y, height: int = 400) -> go.Figure:
    """P(class 1) over the plane (grid: nnlib PlaneGrid) with the labelled points X (N, 2), y (N,) on top."""
    data = [{"type": "heatmap", "z": grid.class_probability(1), "x": grid.xs, "y": grid.ys, "zmin": 0, "zmax": 1,
             "colorscale": DIVERGING, "opacity": 0.8,
             "colorbar": {"title": {"text": "P(class 1)"}, "thickness": 12},
             "hovertemplate": "x1=%{x:.2f}<br>x2=%{y:.2f}<br>P(class 1)=%{z:.3f}<extra></extra>"}]
    for k in (0, 1):
        sel = y == k
        data.append({"type": "scatter", "x": X[sel, 0], "y": X[sel, 1], "mode": "markers", "name": f"class {k}",
                     "marker": {"color": CLASS_COLORS[k], "size": 7, "line": {"color": "white", "width": 1.2}},
                     "hovertemplate": f"class {k}<br>x1=%{{x:.2f}}, x2=%{{y:.2f}}<extra></extra>"})
    lo, hi = float(grid.xs[0]), float(grid.xs[-1])
    return go.Figure({"data": data, "layout": {
        "height": height, "margin": {"l": 40, "r": 10, "t": 10, "b": 40}, "uirevision": "boundary",
        "xaxis": {"title": {"text": "x1"}, "range": [lo, hi], "constrain": "domain"},
        "yaxis": {"title": {"text": "x2"}, "range": [lo, hi], "scaleanchor": "x", "constrain": "domain"},
        "legend": {"orientation": "h", "y": -0.16}}})


def tiles_figure(columns, column_titles, tile_px: int = 84, row_titles=None) -> go.Figure:
    """Small heatmaps packed into ONE heatmap trace: columns[c][r] is a 2-D array (row = y).

    Each tile is scaled to its own ±max|value| so its shape shows (orange −, blue +, as in
    TensorFlow Playground); hovering gives the real value. One trace keeps a redraw cheap.
    """
    side = max(img.shape[0] for col in columns for img in col)
    gap = max(2, side // 8)
    n_rows = max(len(col) for col in columns)
    step = side + gap
    shape = (n_rows * step - gap, len(columns) * step - gap)
    shown, real = np.full(shape, np.nan), np.full(shape, np.nan)
    for c, col in enumerate(columns):
        for r, img in enumerate(col):
            top = (n_rows - 1 - r) * step  # heatmap row 0 is at the bottom: tile 0 goes on top
            block = (slice(top, top + img.shape[0]), slice(c * step, c * step + img.shape[1]))
            m = float(np.max(np.abs(img))) if img.size else 0.0
            shown[block] = img / m if math.isfinite(m) and m > 0 else 0.0
            real[block] = img
    annotations = [{"x": c * step + (side - 1) / 2, "y": shape[0] + gap / 2, "yanchor": "bottom", "showarrow": False,
                    "text": t, "font": {"size": 11}} for c, t in enumerate(column_titles)]
    for r, t in enumerate(row_titles or []):
        annotations.append({"x": -gap, "y": (n_rows - 1 - r) * step + (side - 1) / 2, "xanchor": "right",
                            "showarrow": False, "text": t, "font": {"size": 10}})
    return go.Figure({
        "data": [{"type": "heatmap", "z": shown, "customdata": real, "zmin": -1, "zmax": 1, "colorscale": DIVERGING,
                  "showscale": False, "hoverongaps": False, "hovertemplate": "%{customdata:.3f}<extra></extra>"}],
        "layout": {"height": int(34 + tile_px * n_rows), "margin": {"l": 60 if row_titles else 2, "r": 2, "t": 26,
                                                                    "b": 2},
                   "annotations": annotations, "plot_bgcolor": "white",
                   "xaxis": {"visible": False, "constrain": "domain", "fixedrange": True},
                   "yaxis": {"visible": False, "scaleanchor": "x", "constrain": "domain", "fixedrange": True}}})


def neuron_tiles_figure(grid, max_per_layer: int = 8) -> go.Figure:
    """What every neuron computes over the input plane: one column per layer, output last."""
    last = len(grid.layers) - 1
    columns = [[layer[k] for k in range(min(layer.shape[0], max_per_layer))] for layer in grid.layers]
    titles = ["output" if l == last else f"layer {l + 1}" + (f" (first {max_per_layer} of {layer.shape[0]})"
                                                              if layer.shape[0] > max_per_layer else "")
              for l, layer in enumerate(grid.layers)]
    return tiles_figure(columns, titles, row_titles=[f"neuron {k + 1}" for k in range(max(map(len, columns)))])


def first_layer_figure(model, n: int = 8) -> go.Figure:
    """Digits: each first-layer neuron's 256 weights drawn as the 16×16 picture it responds to."""
    W = model.layers[0].get_weights()[0]
    side = nnlib.datasets.DIGIT_SIDE
    k = min(n, W.shape[0])
    # Flip rows: heatmap row 0 is drawn at the bottom, an image's row 0 is its top.
    columns = [[W[j].reshape(side, side)[::-1]] for j in range(k)]
    return tiles_figure(columns, [f"neuron {j + 1}" for j in range(k)], tile_px=110)
