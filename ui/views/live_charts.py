"""Step 3's live training charts as Vega-Lite specs: loss and accuracy curves and the decision
boundary (the network with a picture in every neuron is ui/views/playground_network.py).

Why Vega-Lite here when the other pages use Plotly: these charts redraw several times a
second. Streamlit 1.67 gives a Plotly chart a new identity whenever its data changes, so the
browser builds it again from nothing on every redraw. That cost about 150 ms of browser time
for these three charts, which capped training at about 4 redraws a second. A Vega-Lite chart
without selections keeps its place on the page. Streamlit swaps only the datasets whose bytes
changed, and the spec stays the same from one redraw to the next.

Pictures (the boundary's background, each neuron's tile) travel as small PNG images, a few
hundred bytes each: Vega draws one image where it would have to lay out thousands of cells,
and that layout (through Streamlit's expression interpreter) cost more than the drawing.
Everything is drawn on a canvas. Each builder returns a :class:`Chart`: a fixed ``spec`` plus
``datasets`` (name -> columns).
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


def png_data_uri(rgb: np.ndarray) -> str:
    """RGB bytes (H, W, 3), row 0 at the top, as a data: URI that an image mark can show."""
    buffer = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def grid_cells(xs: np.ndarray, ys: np.ndarray, values: np.ndarray) -> dict:
    """Rect cells centred on the grid points: columns x_lo, x_hi, y_lo, y_hi, x1, x2, value.

    xs (R,), ys (R,) evenly spaced; values (R, R) with row = y, column = x.
    """
    hx, hy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    return {"x1": gx, "x2": gy, "x_lo": gx - hx, "x_hi": gx + hx, "y_lo": gy - hy, "y_hi": gy + hy,
            "value": np.asarray(values, dtype=np.float64).ravel()}


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


def boundary_chart(grid, probe, X: np.ndarray, y: np.ndarray, size: int = 320, *, X_test=None, y_test=None,
                   discretize: bool = False, regression: bool = False, legends: bool = True,
                   axis_titles: bool = True) -> Chart:
    """The network's output over the plane as a picture, with the points X (N, 2), y (N,) on top.

    Classification: P(class 1) from orange (0) to blue (1), the points coloured by class.
    Regression: the output value from orange (−1) to blue (+1), the points by their target.
    grid: a fine nnlib PlaneGrid for the picture; probe: a coarse one whose cells carry the colour
    legend and the values shown on hover, and are drawn under the picture: the browser decodes each
    new picture before it can draw it, and in that moment the coarse cells show the same output
    instead of an empty plane (no blank frames while training runs). X_test, y_test: also drawn
    (diamonds) when given. legends: False leaves out the colour keys (the page says them in a caption,
    where room is short); axis_titles: False leaves out "x1" and "x2" for the same reason.
    discretize: the picture shows the decided class (P ≥ 0.5), or for regression the output rounded
    to −1, 0 or 1.
    """
    half = (grid.xs[-1] - grid.xs[0]) / (2 * (grid.xs.shape[0] - 1))  # pixels are centred on grid points
    lo, hi = float(grid.xs[0] - half), float(grid.xs[-1] + half)
    axis = {"scale": {"domain": [lo, hi], "nice": False, "zero": False}}
    if regression:
        value, probe_value, title, domain = grid.output[0], probe.output[0], _("output ŷ"), [-1, 1]
    else:
        value, probe_value, title, domain = (grid.class_probability(1), probe.class_probability(1), _("P(class 1)"),
                                             [0, 1])
    shade = _shade(value, discretize, regression).reshape(value.shape)
    # The texts a student reads, in the session's language: the sets' and classes' names are the data's values.
    training, test = pgettext("data set", "training"), pgettext("data set", "test")
    class_name = _("class {k}")
    class_names = [class_name.format(k=k) for k in range(2)]
    if regression:
        point_color = {"field": "target", "type": "quantitative", "title": _("target y"),
                       "scale": {"domain": [-1, 1], "range": COLOR_RANGE, "interpolate": "rgb"}, "legend": None}
    else:
        point_color = {"field": "class", "type": "nominal", "title": None,
                       "scale": {"domain": class_names, "range": CLASS_COLORS},
                       "legend": {"orient": "bottom", "direction": "horizontal"} if legends else None}
    tooltip = [{"field": "set", "title": pgettext("chart", "set")},
               {"field": "target", "title": _("target")} if regression else {"field": "class", "title": _("class")},
               {"field": "x1", "type": "quantitative", "format": ".2f"},
               {"field": "x2", "type": "quantitative", "format": ".2f"}]
    points_layer = {"data": {"name": "points"},
                    "mark": {"type": "point", "filled": True, "size": 42, "opacity": 1, "stroke": "white",
                             "strokeWidth": 1.2},
                    "encoding": {"x": {"field": "x1", "type": "quantitative"},
                                 "y": {"field": "x2", "type": "quantitative"},
                                 "fill": point_color, "tooltip": tooltip,
                                 "shape": {"field": "set", "type": "nominal", "legend": None,
                                           "scale": {"domain": [training, test],
                                                     "range": ["circle", "diamond"]}}}}
    spec = {
        "usermeta": {"chart": "boundary", **CANVAS}, "width": size, "height": size, "autosize": {"type": "pad"},
        "layer": [
            {"data": {"name": "probe"}, "mark": {"type": "rect", "opacity": 0.85, "aria": False, "clip": True},
             "encoding": {"x": {"field": "x_lo", "type": "quantitative"}, "x2": {"field": "x_hi"},
                          "y": {"field": "y_lo", "type": "quantitative"}, "y2": {"field": "y_hi"},
                          "color": {"field": "shade", "type": "quantitative", "legend": None,
                                    "scale": {"domain": [0, 1], "range": COLOR_RANGE, "interpolate": "rgb"}}}},
            {"data": {"name": "picture"}, "mark": {"type": "image", "aspect": False},
             "encoding": {"x": {"field": "left", "type": "quantitative", "title": "x1" if axis_titles else None,
                                **axis},
                          "x2": {"field": "right"},
                          "y": {"field": "bottom", "type": "quantitative", "title": "x2" if axis_titles else None,
                                **axis},
                          "y2": {"field": "top"}, "url": {"field": "url", "type": "nominal"}}},
            {"data": {"name": "probe"}, "mark": {"type": "rect", "opacity": 0, "aria": False},
             "encoding": {"x": {"field": "x_lo", "type": "quantitative"}, "x2": {"field": "x_hi"},
                          "y": {"field": "y_lo", "type": "quantitative"}, "y2": {"field": "y_hi"},
                          "color": {"field": "value", "type": "quantitative", "title": title,
                                    "scale": {"domain": domain, "range": COLOR_RANGE, "interpolate": "rgb"},
                                    "legend": {"orient": "bottom", "direction": "horizontal", "gradientLength": 110,
                                               "gradientThickness": 10} if legends else None},
                          "tooltip": [{"field": "x1", "type": "quantitative", "format": ".2f"},
                                      {"field": "x2", "type": "quantitative", "format": ".2f"},
                                      {"field": "value", "type": "quantitative", "title": title,
                                       "format": ".3f"}]}},
            points_layer,
        ],
        "resolve": {"scale": {"color": "independent"}},
    }
    sets = [(training, X, y)] + ([(test, X_test, y_test)] if X_test is not None else [])
    points = {"x1": np.concatenate([a[:, 0] for _name, a, _t in sets]).astype(np.float64),
              "x2": np.concatenate([a[:, 1] for _name, a, _t in sets]).astype(np.float64),
              "set": [name for name, a, _t in sets for _i in range(len(a))]}
    if regression:
        points["target"] = np.concatenate([np.asarray(t, dtype=np.float64).ravel() for _name, _a, t in sets])
    else:
        points["class"] = [class_name.format(k=int(k)) for _name, _a, t in sets for k in t]
    datasets = {
        # An image's row 0 is its top; the grid's row 0 is the lowest x2.
        # Opaque, with the 15 % of white that an opacity of 0.85 would let through baked in.
        "picture": {"url": [png_data_uri(_faded(diverging_rgb(shade[::-1])))],
                    "left": [lo], "right": [hi], "bottom": [lo], "top": [hi]},
        "probe": {**grid_cells(probe.xs, probe.ys, probe_value), "shade": _shade(probe_value, discretize, regression)},
        "points": points,
    }
    return Chart(spec, datasets)


def _faded(rgb: np.ndarray, opacity: float = 0.85) -> np.ndarray:
    """RGB bytes as they look at ``opacity`` over white."""
    return np.rint(opacity * rgb + (1 - opacity) * 255).astype(np.uint8)


def _shade(values: np.ndarray, discretize: bool, regression: bool) -> np.ndarray:
    """What the picture's colour scale shows (0 orange … 1 blue) for output values, flattened."""
    v = np.asarray(values, dtype=np.float64)
    if regression:
        return (0.5 + 0.5 * np.clip(np.rint(v) if discretize else v, -1, 1)).ravel()
    return ((v >= 0.5).astype(np.float64) if discretize else v).ravel()


