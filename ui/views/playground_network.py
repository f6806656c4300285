"""Step 3's network, drawn as TensorFlow Playground draws it: a picture on every neuron, links
coloured by the sign of their weight and as wide as its size.

One Vega-Lite chart (see ui/views/live_charts.py for why Vega-Lite redraws without flicker): the
spec depends only on the network's shape, so while training runs only the datasets change.

Layout: column c is layer c (0 = the inputs, last = the output layer). The x axis runs over
[−0.5, C − 0.5] across the whole width, so c's centre sits under the c-th of C equal Streamlit
columns: the page puts each hidden layer's + and − buttons there, right above its neurons.
"""

from __future__ import annotations

import numpy as np

from i18n import _
from ui.views.live_charts import CANVAS, COLOR_RANGE, Chart, diverging_rgb, png_data_uri

POSITIVE, NEGATIVE = "#0877bd", "#f59322"  # blue +, orange − (Playground's colours)
TILE_PX = 30      # a neuron's picture, in pixels
ROW_PX = 40       # vertical distance between two neurons' centres
MAX_SHOWN = 8     # neurons drawn per layer; wider layers say "+ n more" under their column
COARSE = 6        # each picture is also drawn as COARSE × COARSE cells under it (see _coarse)
TILE_X = 0.36     # a picture's width in columns: TILE_PX at the 80-90 px per column of a laptop or phone
TILE_Y = TILE_PX / ROW_PX  # its height in rows (the chart is ROW_PX per row high)


def shown_neurons(n: int, max_shown: int = MAX_SHOWN) -> int:
    """How many of a layer's n neurons are drawn."""
    return min(n, max_shown)


def _tile(values: np.ndarray) -> str:
    """A (R, R) map with row 0 = lowest x2 as a PNG, scaled to its own ±max|value| (its shape shows)."""
    return png_data_uri(diverging_rgb(0.5 + 0.5 * _scaled(values)[::-1]))


def _scaled(values: np.ndarray) -> np.ndarray:
    """A map scaled to its own ±max|value|, in [−1, 1] (as its picture shows it)."""
    m = float(np.max(np.abs(values))) if values.size else 0.0
    return values / m if np.isfinite(m) and m > 0 else np.zeros_like(values, dtype=np.float64)


def _coarse(values: np.ndarray) -> np.ndarray:
    """The picture at COARSE × COARSE (nearest samples), row 0 at the top: drawn as squares under the
    picture, so that while the browser decodes a new picture the neuron shows this instead of nothing."""
    rows = np.linspace(0, values.shape[0] - 1, COARSE).round().astype(int)
    cols = np.linspace(0, values.shape[1] - 1, COARSE).round().astype(int)
    return _scaled(values)[::-1][np.ix_(rows, cols)]


def _y(k: int, n: int) -> float:
    """The centre of neuron k of n drawn neurons, in rows, the column centred on 0."""
    return (n - 1) / 2 - k


def network_chart(model, pictures, input_labels, height_rows: int | None = None) -> Chart:
    """The whole network with live pictures and links.

    model: an nnlib Sequential (its sizes and weight matrices give the columns and the links);
    pictures: lessons.neuron_pictures' [inputs, hidden layer 1, …, output], each a list of 2-D
    maps (row 0 at the bottom); the inputs' list may be empty (the digits: no input pictures);
    input_labels: a name per input (what a link from it is called; the first ones are drawn).
    ``height_rows``: the rows to reserve (the default fits the widest layer drawn).
    """
    sizes = model.sizes()
    C = len(sizes)
    shown = [shown_neurons(n) for n in sizes]
    rows = height_rows or max(shown)
    # The texts, in the session's language: translated once here, not once per neuron or link.
    inputs, output, layer = _("inputs"), _("output"), _("layer {c}")
    neuron_name, more_text = _("{layer}, neuron {k}"), _("+ {n} more")
    titles = [inputs if c == 0 else output if c == C - 1 else layer.format(c=c) for c in range(C)]
    # Pictures and cells are placed in data units (x: columns, y: rows), so the two always coincide.
    neurons = {"x": [], "y": [], "x0": [], "x1": [], "y0": [], "y1": [], "url": [], "name": [], "low": [],
               "high": []}
    cells = {"x0": [], "x1": [], "y0": [], "y1": [], "v": []}
    edges_x = np.linspace(-TILE_X / 2, TILE_X / 2, COARSE + 1)
    edges_y = np.linspace(TILE_Y / 2, -TILE_Y / 2, COARSE + 1)  # row 0 of a coarse picture is its top
    gx0, gy0 = (a.ravel() for a in np.meshgrid(edges_x[:-1], edges_y[1:]))   # left, bottom of each cell
    gx1, gy1 = (a.ravel() for a in np.meshgrid(edges_x[1:], edges_y[:-1]))   # right, top
    for c, column in enumerate(pictures):
        for k, values in enumerate(column[:shown[c]]):
            y = _y(k, shown[c])
            cells["x0"].append(c + gx0)
            cells["x1"].append(c + gx1)
            cells["y0"].append(y + gy0)
            cells["y1"].append(y + gy1)
            cells["v"].append(_coarse(values).ravel())
            neurons["x"].append(float(c))
            neurons["y"].append(y)
            neurons["x0"].append(c - TILE_X / 2)
            neurons["x1"].append(c + TILE_X / 2)
            neurons["y0"].append(y - TILE_Y / 2)
            neurons["y1"].append(y + TILE_Y / 2)
            neurons["url"].append(_tile(values))
            label = input_labels[k] if c == 0 else neuron_name.format(layer=titles[c], k=k + 1)
            neurons["name"].append(label)
            neurons["low"].append(float(np.min(values)))
            neurons["high"].append(float(np.max(values)))
    links = {"x": [], "y": [], "x2": [], "y2": [], "w": [], "width": [], "sign": [], "name": []}
    for c, layer in enumerate(model.layers):
        if c == 0 and not pictures[0]:  # inputs without pictures (the digits' pixels): no links to draw from
            continue
        # nnlib keeps W as (n_out, n_in) (z = W a + b); here row j is the link's source neuron.
        W = np.asarray(layer.get_weights()[0], dtype=np.float64).T[:shown[c], :shown[c + 1]]
        scale = float(np.max(np.abs(W))) if W.size else 0.0
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                w = W[j, k]
                links["x"].append(float(c))
                links["y"].append(_y(j, shown[c]))
                links["x2"].append(float(c + 1))
                links["y2"].append(_y(k, shown[c + 1]))
                links["w"].append(float(w))
                links["width"].append(0.4 + 5.6 * abs(w) / scale if scale > 0 and np.isfinite(scale) else 0.4)
                links["sign"].append("+" if w >= 0 else "−")
                from_name = input_labels[j] if c == 0 else f"{titles[c]}·{j + 1}"
                links["name"].append(f"{from_name} → {titles[c + 1]}·{k + 1}")
    for key in cells:
        cells[key] = np.concatenate(cells[key]) if cells[key] else np.zeros(0)
    more = {"x": [], "y": [], "text": []}
    for c, n in enumerate(sizes):
        if n > shown[c] and (c > 0 or pictures[0]):
            more["x"].append(float(c))
            more["y"].append(-rows / 2 - 0.05)
            more["text"].append(more_text.format(n=n - shown[c]))
    heads = {"x": [float(c) for c in range(C)], "y": [rows / 2 + 0.05] * C,
             "text": [f"{t} ({n})" if 0 < c < C - 1 or (c == 0 and not pictures[0]) else t
                      for c, (t, n) in enumerate(zip(titles, sizes))]}
    x_axis = {"type": "quantitative", "axis": None, "scale": {"domain": [-0.5, C - 0.5], "nice": False}}
    y_axis = {"type": "quantitative", "axis": None,
              "scale": {"domain": [-rows / 2 - 0.5, rows / 2 + 0.5], "nice": False}}
    tile = {"type": "image", "aspect": False, "smooth": True}
    spec = {
        "usermeta": {"chart": "network", **CANVAS}, "height": (rows + 1) * ROW_PX, "autosize": {"type": "fit-x"},
        "layer": [
            {"data": {"name": "links"}, "mark": {"type": "rule", "opacity": 0.75},
             "encoding": {"x": {"field": "x", **x_axis}, "y": {"field": "y", **y_axis},
                          "x2": {"field": "x2"}, "y2": {"field": "y2"},
                          "strokeWidth": {"field": "width", "type": "quantitative", "scale": None},
                          "color": {"field": "sign", "type": "nominal", "legend": None,
                                    "scale": {"domain": ["+", "−"], "range": [POSITIVE, NEGATIVE]}},
                          "tooltip": [{"field": "name", "title": _("weight")},
                                      {"field": "w", "type": "quantitative", "title": "w", "format": ".3f"}]}},
            {"data": {"name": "cells"}, "mark": {"type": "rect", "aria": False},
             "encoding": {"x": {"field": "x0", **x_axis}, "x2": {"field": "x1"},
                          "y": {"field": "y0", **y_axis}, "y2": {"field": "y1"},
                          "color": {"field": "v", "type": "quantitative", "legend": None,
                                    "scale": {"domain": [-1, 1], "range": COLOR_RANGE, "interpolate": "rgb"}}}},
            {"data": {"name": "neurons"}, "mark": tile,
             "encoding": {"x": {"field": "x0", **x_axis}, "x2": {"field": "x1"},
                          "y": {"field": "y0", **y_axis}, "y2": {"field": "y1"},
                          "url": {"field": "url", "type": "nominal"},
                          "tooltip": [{"field": "name", "title": _("neuron")},
                                      {"field": "low", "type": "quantitative", "title": _("lowest"), "format": ".3f"},
                                      {"field": "high", "type": "quantitative", "title": _("highest"),
                                       "format": ".3f"}]}},
            *({"data": {"name": name}, "mark": {"type": "text", "fontSize": 11, "baseline": baseline,
                                                "color": "#555"},
               "encoding": {"x": {"field": "x", **x_axis}, "y": {"field": "y", **y_axis}, "text": {"field": "text"}}}
              for name, baseline in (("heads", "bottom"), ("more", "top"))),
        ],
    }
    return Chart(spec, {"links": links, "cells": cells, "neurons": neurons, "heads": heads, "more": more})
