"""Step 3's live training charts as Vega-Lite specs: loss and accuracy curves, the decision
boundary, and small pictures (what each neuron computes, or a digit neuron's weights).

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
from PIL import Image

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
        """The spec with its named datasets, as ``st.vega_lite_chart`` takes it."""
        return {**self.spec, "datasets": self.datasets}


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
def curves_chart(history) -> Chart:
    """Loss (mean cross-entropy, top) and accuracy (%, bottom) over epochs, train and test.

    history: nnlib.Progress reports. One dataset in long form: epoch, value, set, panel.
    """
    epochs = np.array([p.epoch for p in history], dtype=np.float64)
    columns = {"epoch": [], "value": [], "set": [], "panel": []}
    for panel, scale, getters in (("loss", 1.0, (("train", lambda p: p.loss), ("test", lambda p: p.test_loss))),
                                  ("accuracy", 100.0, (("train", lambda p: p.train_accuracy),
                                                       ("test", lambda p: p.test_accuracy)))):
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
    x_scale = {"domain": [0, max(1.0, float(epochs.max()))]} if few else {"domainMin": 0, "nice": False}
    color = {"field": "set", "type": "nominal", "title": None,
             "scale": {"domain": ["train", "test"], "range": [TRAIN_COLOR, TEST_COLOR]},
             "legend": {"orient": "top", "direction": "horizontal", "symbolType": "stroke"}}
    dash = {"field": "set", "type": "nominal", "legend": None,
            "scale": {"domain": ["train", "test"], "range": [[1, 0], [4, 3]]}}

    def panel(name: str, title: str, y_title: str, y_scale: dict, height: int, x_title: str | None) -> dict:
        return {"title": {"text": title, "anchor": "start", "fontSize": 13}, "height": height, "width": "container",
                "transform": [{"filter": {"field": "panel", "equal": name}}], "mark": mark,
                "encoding": {
                    "x": {"field": "epoch", "type": "quantitative", "title": x_title,
                          "scale": x_scale},
                    "y": {"field": "value", "type": "quantitative", "title": y_title, "scale": y_scale},
                    "color": color, "strokeDash": dash,
                    "tooltip": [{"field": "set", "title": "set"},
                                {"field": "epoch", "type": "quantitative", "format": ".2f"},
                                {"field": "value", "type": "quantitative", "title": y_title, "format": ".4g"}]}}

    spec = {"usermeta": {"chart": "curves"}, "data": {"name": "history"}, "spacing": 18,
            "vconcat": [panel("loss", "Loss", "mean cross-entropy L/N", {"zero": True}, 190, None),
                        panel("accuracy", "Accuracy", "accuracy (%)", {"domain": [0, 101], "nice": False}, 150,
                              "epoch")]}
    return Chart(spec, {"history": data})


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


def boundary_chart(grid, probe, X: np.ndarray, y: np.ndarray, size: int = 320) -> Chart:
    """P(class 1) over the plane as a picture, with the labelled points X (N, 2), y (N,) on top.

    grid: a fine nnlib PlaneGrid for the picture; probe: a coarse one whose invisible cells
    carry the colour legend and the values shown on hover.
    """
    half = (grid.xs[-1] - grid.xs[0]) / (2 * (grid.xs.shape[0] - 1))  # pixels are centred on grid points
    lo, hi = float(grid.xs[0] - half), float(grid.xs[-1] + half)
    axis = {"scale": {"domain": [lo, hi], "nice": False, "zero": False}}
    spec = {
        "usermeta": {"chart": "boundary", **CANVAS}, "width": size, "height": size, "autosize": {"type": "pad"},
        "layer": [
            {"data": {"name": "picture"}, "mark": {"type": "image", "aspect": False, "opacity": 0.85},
             "encoding": {"x": {"field": "left", "type": "quantitative", "title": "x1", **axis},
                          "x2": {"field": "right"},
                          "y": {"field": "bottom", "type": "quantitative", "title": "x2", **axis},
                          "y2": {"field": "top"}, "url": {"field": "url", "type": "nominal"}}},
            {"data": {"name": "probe"}, "mark": {"type": "rect", "opacity": 0, "aria": False},
             "encoding": {"x": {"field": "x_lo", "type": "quantitative"}, "x2": {"field": "x_hi"},
                          "y": {"field": "y_lo", "type": "quantitative"}, "y2": {"field": "y_hi"},
                          "color": {"field": "value", "type": "quantitative", "title": "P(class 1)",
                                    "scale": {"domain": [0, 1], "range": COLOR_RANGE, "interpolate": "rgb"},
                                    "legend": {"orient": "bottom", "direction": "horizontal", "gradientLength": 110,
                                               "gradientThickness": 10}},
                          "tooltip": [{"field": "x1", "type": "quantitative", "format": ".2f"},
                                      {"field": "x2", "type": "quantitative", "format": ".2f"},
                                      {"field": "value", "type": "quantitative", "title": "P(class 1)",
                                       "format": ".3f"}]}},
            {"data": {"name": "points"},
             "mark": {"type": "circle", "size": 42, "opacity": 1, "stroke": "white", "strokeWidth": 1.2},
             "encoding": {"x": {"field": "x1", "type": "quantitative"}, "y": {"field": "x2", "type": "quantitative"},
                          "fill": {"field": "class", "type": "nominal", "title": None,
                                   "scale": {"domain": ["class 0", "class 1"], "range": CLASS_COLORS},
                                   "legend": {"orient": "bottom", "direction": "horizontal"}},
                          "tooltip": [{"field": "class"},
                                      {"field": "x1", "type": "quantitative", "format": ".2f"},
                                      {"field": "x2", "type": "quantitative", "format": ".2f"}]}},
        ],
        "resolve": {"scale": {"color": "independent"}},
    }
    datasets = {
        # An image's row 0 is its top; the grid's row 0 is the lowest x2.
        "picture": {"url": [png_data_uri(diverging_rgb(grid.class_probability(1)[::-1]))],
                    "left": [lo], "right": [hi], "bottom": [lo], "top": [hi]},
        "probe": grid_cells(probe.xs, probe.ys, probe.class_probability(1)),
        "points": {"x1": X[:, 0].astype(np.float64), "x2": X[:, 1].astype(np.float64),
                   "class": [f"class {int(k)}" for k in y]},
    }
    return Chart(spec, datasets)


# --- small pictures in a grid -----------------------------------------------------------------
def pictures_chart(name: str, columns, column_titles, row_titles=(), names=None, tile_px: int = 64,
                   smooth: bool = True, max_width: int = 380) -> Chart:
    """Small pictures in a grid, each scaled to its own ±max|value| (orange −, blue +).

    columns[c][r]: a 2-D array with row 0 at the top. names[c][r]: its hover label (with its
    lowest and highest value). Tiles shrink so the grid fits ``max_width`` pixels (a phone).
    """
    n_cols, n_rows = len(columns), max(len(col) for col in columns)
    left = 62 if row_titles else 0
    gap = 8
    tile = int(max(24, min(tile_px, (max_width - left) / n_cols - gap)))
    width, height = left + n_cols * (tile + gap), n_rows * (tile + gap)
    rows = {"url": [], "name": [], "low": [], "high": [], "x0": [], "x1": [], "y0": [], "y1": []}
    for c, col in enumerate(columns):
        for r, img in enumerate(col):
            m = float(np.max(np.abs(img))) if img.size else 0.0
            scaled = img / m if np.isfinite(m) and m > 0 else np.zeros_like(img)
            rows["url"].append(png_data_uri(diverging_rgb(0.5 + 0.5 * scaled)))
            rows["name"].append(names[c][r] if names else f"{column_titles[c]}, {r + 1}")
            rows["low"].append(float(np.min(img)) if img.size else 0.0)
            rows["high"].append(float(np.max(img)) if img.size else 0.0)
            x0, top = left + c * (tile + gap), height - r * (tile + gap)  # y grows upwards
            rows["x0"].append(x0)
            rows["x1"].append(x0 + tile)
            rows["y0"].append(top - tile)
            rows["y1"].append(top)
    titles = {"text": list(column_titles), "x": [left + c * (tile + gap) + tile / 2 for c in range(n_cols)],
              "y": [height + 4] * n_cols}
    side_titles = {"text": list(row_titles[:n_rows]), "x": [left - 6] * min(n_rows, len(row_titles)),
                   "y": [height - r * (tile + gap) - tile / 2 - 5 for r in range(min(n_rows, len(row_titles)))]}
    pixel = {"type": "quantitative", "axis": None}
    spec = {
        "usermeta": {"chart": name, **CANVAS}, "width": width, "height": height + 16, "autosize": {"type": "pad"},
        "layer": [
            {"data": {"name": "pictures"}, "mark": {"type": "image", "aspect": False, "smooth": smooth},
             "encoding": {"x": {"field": "x0", **pixel, "scale": {"domain": [0, width], "nice": False}},
                          "x2": {"field": "x1"},
                          "y": {"field": "y0", **pixel, "scale": {"domain": [0, height + 16], "nice": False}},
                          "y2": {"field": "y1"}, "url": {"field": "url", "type": "nominal"},
                          "tooltip": [{"field": "name", "title": "neuron"},
                                      {"field": "low", "type": "quantitative", "title": "lowest", "format": ".3f"},
                                      {"field": "high", "type": "quantitative", "title": "highest",
                                       "format": ".3f"}]}},
            *({"data": {"name": name}, "mark": {"type": "text", "fontSize": 11, "baseline": "bottom", "align": align},
               "encoding": {"x": {"field": "x", **pixel}, "y": {"field": "y", **pixel}, "text": {"field": "text"}}}
              for name, align in (("titles", "center"), ("side_titles", "right"))),
        ],
    }
    return Chart(spec, {"pictures": rows, "titles": titles, "side_titles": side_titles})


def neuron_pictures_chart(grid, max_per_layer: int = 8) -> Chart:
    """What every neuron computes over the input plane (nnlib PlaneGrid): one column per layer, output last."""
    last = len(grid.layers) - 1
    columns = [[layer[k][::-1] for k in range(min(layer.shape[0], max_per_layer))] for layer in grid.layers]
    titles = ["output" if i == last else f"layer {i + 1}" for i in range(len(grid.layers))]
    names = [[f"{titles[c]}, neuron {r + 1}" for r in range(len(col))] for c, col in enumerate(columns)]
    n_rows = max(map(len, columns))
    chart = pictures_chart("neurons", columns, titles, row_titles=[f"neuron {k + 1}" for k in range(n_rows)],
                           names=names)
    if any(layer.shape[0] > max_per_layer for layer in grid.layers):
        chart.spec["title"] = {"text": f"The first {max_per_layer} neurons of each layer", "anchor": "start",
                               "fontSize": 11, "fontWeight": "normal"}
    return chart


def first_layer_chart(model, n: int = 8) -> Chart:
    """Digits: each first-layer neuron's weights, drawn as the square picture it responds to."""
    W = model.layers[0].get_weights()[0]
    side = math.isqrt(W.shape[1])
    if side * side != W.shape[1]:
        raise ValueError(f"first-layer pictures need a square input. Received {W.shape[1]} inputs.")
    k = min(n, W.shape[0])
    columns = [[W[j].reshape(side, side)] for j in range(k)]
    titles = [f"neuron {j + 1}" for j in range(k)]
    return pictures_chart("first_layer", columns, titles, names=[[t] for t in titles], tile_px=96, smooth=False)
