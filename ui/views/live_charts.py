"""Step 3's live training views: the loss and accuracy curves as Vega-Lite specs, and the data of the
network's output over the plane (:func:`plane_picture`, painted by ui/components/playground_canvas; the
network with a picture in every neuron is ui/views/playground_network.py).

Why Vega-Lite for the curves when the other pages use Plotly: they redraw several times a second.
Streamlit 1.67 gives a Plotly chart a new identity whenever its data changes, so the browser builds it
again from nothing on every redraw (about 150 ms of browser time for the playground's charts, which
capped training at about 4 redraws a second). A Vega-Lite chart without selections keeps its place on
the page: Streamlit swaps only the datasets whose bytes changed, and the spec stays the same.

The pictures (the plane's shade, each neuron's tile) are not Vega charts: Vega draws an image only
once the browser has decoded it, so each redraw was drawn twice, first with a coarse stand-in. The
playground's canvases paint raw RGB bytes in one pass instead (:func:`diverging_rgb` gives their
colours). The Vega-Lite builders return a :class:`Chart`: a fixed ``spec`` plus ``datasets`` (name ->
columns); Vega draws on a canvas.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from PIL import Image

from i18n import _, pgettext
from ui.views.figures import CLASS_COLORS, DIVERGING

TRAIN_COLOR, TEST_COLOR = "#0877bd", "#f59322"
COLOR_RANGE = [color for _, color in DIVERGING]  # orange, grey, blue
_STOPS = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in COLOR_RANGE], dtype=np.float32)
# A canvas redraws in one pass; SVG would rebuild DOM nodes for every changed item.
CANVAS = {"embedOptions": {"renderer": "canvas"}}


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite spec that stays the same between redraws, and the data that changes."""

    spec: dict
    datasets: dict

    def to_vega_lite(self) -> dict:
        """The spec with its named datasets, as ``st.vega_lite_chart`` takes it.

        Each dataset goes as an Arrow table: Streamlit sends a table's bytes as they are, where a dict of
        columns would first become a pandas DataFrame (about 3 ms a dataset, 35 ms of a training tick's
        56 ms on the server, against 0.1 ms).
        """
        return {**self.spec, "datasets": {name: pa.table(columns) for name, columns in self.datasets.items()}}


def diverging_rgb(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (H, W) -> RGB bytes (H, W, 3): orange at 0, grey at 0.5, blue at 1.

    The colour scale of the Plotly heatmaps (ui.figures.DIVERGING). NaN draws grey.
    """
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float32), nan=0.5), 0.0, 1.0)[..., None]
    low = _STOPS[0] + (_STOPS[1] - _STOPS[0]) * np.minimum(2 * v, 1)
    high = _STOPS[1] + (_STOPS[2] - _STOPS[1]) * np.maximum(2 * v - 1, 0)
    return np.rint(np.where(v < 0.5, low, high)).astype(np.uint8)


def rgb_bytes(rgb: np.ndarray) -> dict:
    """RGB bytes (H, W, 3), row 0 at the top, as the playground's canvases take a picture (JSON):
    {"rgb": the raw bytes in base64, "w": W, "h": H}."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    return {"rgb": base64.b64encode(rgb.tobytes()).decode("ascii"), "w": int(rgb.shape[1]), "h": int(rgb.shape[0])}


def png_data_uri(rgb: np.ndarray) -> str:
    """RGB bytes (H, W, 3), row 0 at the top, as a data: URI that an image mark can show."""
    buffer = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# --- loss and accuracy over epochs ----------------------------------------------------------
def blowup_point(history, blowup) -> dict:
    """The report that blew up as a point for the loss panel: epoch, value, label (empty lists if none).

    Its loss may be NaN, infinite or huge; it is drawn at min(loss, 3 × the largest good loss) so
    the good part of the curve stays readable, and the label gives the real value.
    """
    if blowup is None:
        return {"epoch": [], "value": [], "label": []}
    good = [p.loss for p in history if math.isfinite(p.loss)]
    ceiling = 3.0 * max(good) if good else 1.0
    loss = blowup.loss
    shown = min(loss, ceiling) if math.isfinite(loss) else ceiling
    text = f"{loss:.3g}" if math.isfinite(loss) else ("NaN" if math.isnan(loss) else "∞")
    return {"epoch": [float(blowup.epoch)], "value": [float(shown)],
            "label": [_("blew up at step {step}: L/N = {loss}").format(step=f"{blowup.step:,}", loss=text)]}


def curves_chart(history, compact: bool = False, loss_title: str | None = None, blowup=None) -> Chart:
    """Loss (top) and accuracy (%, bottom) over epochs, train and test.

    history: nnlib.Progress reports. One dataset in long form: epoch, value, set, panel.
    compact: the loss alone, small (Step 3's playground); also when no report has an accuracy
    (a regression network). loss_title: what the loss is (the y axis title; default: mean cross-entropy L/N).
    The texts (titles, the legend's "train" and "test") are in the session's language.
    blowup: the report that blew up (services.training.TrainingRun.blowup), drawn as a red cross on
    the loss panel with its real value (see :func:`blowup_point`), or None.
    """
    loss_title = loss_title or _("mean cross-entropy L/N")
    train, test, epoch_title = pgettext("data set", "train"), pgettext("data set", "test"), _("epoch")
    epochs = np.array([p.epoch for p in history], dtype=np.float64)
    crash = blowup_point(history, blowup)
    columns = {"epoch": [], "value": [], "set": [], "panel": []}
    for panel, scale, getters in (("loss", 1.0, ((train, lambda p: p.loss), (test, lambda p: p.test_loss))),
                                  ("accuracy", 100.0, ((train, lambda p: p.train_accuracy),
                                                       (test, lambda p: p.test_accuracy)))):
        for name, get in getters:
            values = np.array([np.nan if get(p) is None else get(p) for p in history], dtype=np.float64)
            columns["epoch"].append(epochs)
            columns["value"].append(scale * values)
            columns["set"] += [name] * len(history)
            columns["panel"] += [panel] * len(history)
    data = {"epoch": np.concatenate(columns["epoch"]), "value": np.concatenate(columns["value"]),
            "set": columns["set"], "panel": columns["panel"]}
    # A line needs two points; until then the reports show as dots. (The spec changes once.)
    few = len(history) < 3
    mark = {"type": "line", "strokeWidth": 2, "point": few, "clip": True}
    # From one or two dots Vega would make an axis of a single tick; give the first epoch room.
    last = max([float(epochs.max())] + crash["epoch"])
    x_scale = {"domain": [0, max(1.0, last)]} if few else {"domainMin": 0, "nice": False}
    color = {"field": "set", "type": "nominal", "title": None,
             "scale": {"domain": [train, test], "range": [TRAIN_COLOR, TEST_COLOR]},
             "legend": {"orient": "top", "direction": "horizontal", "symbolType": "stroke"}}
    dash = {"field": "set", "type": "nominal", "legend": None,
            "scale": {"domain": [train, test], "range": [[1, 0], [4, 3]]}}

    def panel(name: str, title: str, y_title: str, y_scale: dict, height: int, x_title: str | None) -> dict:
        curve = panel_curve(name, y_title, y_scale, x_title)
        if name != "loss":
            return {"title": {"text": title, "anchor": "start", "fontSize": 13}, "height": height,
                    "width": "container", **curve}
        red = "#c62828"
        at = {"x": {"field": "epoch", "type": "quantitative"}, "y": {"field": "value", "type": "quantitative"}}
        return {"title": {"text": title, "anchor": "start", "fontSize": 13}, "height": height, "width": "container",
                "layer": [curve,
                          {"data": {"name": "blowup"}, "mark": {"type": "point", "shape": "cross", "size": 140,
                                                                "filled": True, "color": red},
                           "encoding": {**at, "tooltip": [{"field": "label", "title": _("the loss")}]}},
                          {"data": {"name": "blowup"}, "mark": {"type": "text", "align": "right", "dx": -9,
                                                                "dy": 8, "color": red, "fontSize": 11},
                           "encoding": {**at, "text": {"field": "label"}}}]}

    def panel_curve(name: str, y_title: str, y_scale: dict, x_title: str | None) -> dict:
        return {"transform": [{"filter": {"field": "panel", "equal": name}}], "mark": mark,
                "encoding": {
                    "x": {"field": "epoch", "type": "quantitative", "title": x_title,
                          "scale": x_scale},
                    "y": {"field": "value", "type": "quantitative", "title": y_title, "scale": y_scale},
                    "color": color, "strokeDash": dash,
                    "tooltip": [{"field": "set", "title": pgettext("chart", "set")},
                                {"field": "epoch", "type": "quantitative", "title": epoch_title, "format": ".2f"},
                                {"field": "value", "type": "quantitative", "title": y_title, "format": ".4g"}]}}

    if compact or all(p.train_accuracy is None for p in history):
        loss = panel("loss", _("Loss"), _("loss") if compact else loss_title, {"zero": True}, 56 if compact else 190,
                     None if compact else epoch_title)
        if compact:  # a small panel: no title, the legend inside its top right corner
            del loss["title"]
            color["legend"] = {"orient": "top-right", "direction": "horizontal", "symbolType": "stroke"}
        spec = {"usermeta": {"chart": "curves"}, "data": {"name": "history"}, **loss}
        return Chart(spec, {"history": data, "blowup": crash})
    spec = {"usermeta": {"chart": "curves"}, "data": {"name": "history"}, "spacing": 18,
            "vconcat": [panel("loss", _("Loss"), loss_title, {"zero": True}, 190, None),
                        panel("accuracy", _("Accuracy"), _("accuracy (%)"), {"domain": [0, 101], "nice": False}, 150,
                              epoch_title)]}
    return Chart(spec, {"history": data, "blowup": crash})


# --- the decision boundary --------------------------------------------------------------------
def plane_resolution(n_params: int, finest: int = 50, coarsest: int = 20,
                     multiply_adds: float = 2e8) -> int:
    """How many grid points per side to evaluate a network over the plane at every redraw.

    The finest grid while the forward pass stays under ``multiply_adds`` (about 10 ms on one
    core), coarser for large networks so they still redraw several times a second; the picture
    is smoothed in the browser either way.
    """
    side = int((multiply_adds / max(n_params, 1)) ** 0.5)
    return max(coarsest, min(finest, side))


PLANE_TICKS = (-1.0, -0.5, 0.0, 0.5, 1.0)
PLANE_MARGIN = {"left": 34, "right": 8, "top": 8, "bottom": 22}  # pixels around the plane: the axes' numbers
POINT_RADIUS = 3.7  # a data point's radius in pixels (a disc of about 42 px²)


def plane_picture(grid, probe, X: np.ndarray, y: np.ndarray, size: int = 210, *, X_test=None, y_test=None,
                  discretize: bool = False, regression: bool = False) -> dict:
    """The network's output over the plane as a picture, with the points X (N, 2), y (N,) on top: the data of
    ui/components/playground_canvas's plane (JSON).

    Classification: P(class 1) from orange (0) to blue (1), the points coloured by class.
    Regression: the output value from orange (−1) to blue (+1), the points by their target.
    grid: a fine nnlib PlaneGrid for the picture (``shade``: RGB bytes, row 0 = the highest x₂, each pixel
    centred on its grid point, so the plane spans [lo, hi] a half pixel beyond the grid); probe: a coarse
    one whose values are shown on hover (the network's own, at its points). ``points``: x1, x2, test (1:
    a test point, drawn as a diamond; X_test, y_test are drawn when given) and value (the class, coloured
    by ``class_colors``; for regression the target, with its colour in ``fill``). discretize: the picture
    shows the decided class (P ≥ 0.5), or for regression the output rounded to −1, 0 or 1. The texts are in
    the session's language.
    """
    half = (grid.xs[-1] - grid.xs[0]) / (2 * (grid.xs.shape[0] - 1))  # pixels are centred on grid points
    lo, hi = float(grid.xs[0] - half), float(grid.xs[-1] + half)
    if regression:
        value, probe_value, title = grid.output[0], probe.output[0], _("output ŷ")
    else:
        value, probe_value, title = grid.class_probability(1), probe.class_probability(1), _("P(class 1)")
    shade = _shade(value, discretize, regression).reshape(value.shape)
    # An image's row 0 is its top; the grid's row 0 is the lowest x2. Opaque, with the 15 % of white that
    # an opacity of 0.85 would let through baked in (the points stand out on a lighter plane).
    rgb = _faded(diverging_rgb(shade[::-1]))
    sets = [(0, X, y)] + ([(1, X_test, y_test)] if X_test is not None else [])
    xy = np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1, 2) for _t, a, _v in sets])
    values = np.concatenate([np.asarray(v).ravel() for _t, _a, v in sets])
    points = {"x1": np.round(xy[:, 0], 4).tolist(), "x2": np.round(xy[:, 1], 4).tolist(),
              "test": [t for t, a, _v in sets for _i in range(len(a))]}
    if regression:  # each target on the shade's scale, −1 orange … +1 blue
        points["value"] = np.round(values.astype(np.float64), 3).tolist()
        colours = diverging_rgb(0.5 + 0.5 * np.clip(values.astype(np.float64), -1, 1))
        points["fill"] = ["#{:02x}{:02x}{:02x}".format(*c) for c in colours]
    else:  # the class, coloured by CLASS_COLORS (sent once, not once a point)
        points["value"] = values.astype(int).tolist()
    texts = {"value": title, "set": pgettext("chart", "set"),
             "sets": [pgettext("data set", "training"), pgettext("data set", "test")],
             "class": _("class"), "classes": [_("class {k}").format(k=k) for k in range(len(CLASS_COLORS))],
             "target": _("target")}
    return {
        "size": size, "lo": lo, "hi": hi, "margin": PLANE_MARGIN, "point_radius": POINT_RADIUS,
        "shade": rgb_bytes(rgb),
        "ticks": list(PLANE_TICKS), "tick_labels": [f"{t:.1f}".replace("-", "−") for t in PLANE_TICKS],
        "points": points, "class_colors": CLASS_COLORS,
        "probe": {"xs": np.round(probe.xs, 4).tolist(), "ys": np.round(probe.ys, 4).tolist(),
                  "values": np.round(np.asarray(probe_value, dtype=np.float64), 4).tolist()},
        "texts": texts,
    }


def _faded(rgb: np.ndarray, opacity: float = 0.85) -> np.ndarray:
    """RGB bytes as they look at ``opacity`` over white."""
    return np.rint(opacity * rgb + (1 - opacity) * 255).astype(np.uint8)


def _shade(values: np.ndarray, discretize: bool, regression: bool) -> np.ndarray:
    """What the picture's colour scale shows (0 orange … 1 blue) for output values, flattened."""
    v = np.asarray(values, dtype=np.float64)
    if regression:
        return (0.5 + 0.5 * np.clip(np.rint(v) if discretize else v, -1, 1)).ravel()
    return ((v >= 0.5).astype(np.float64) if discretize else v).ravel()


