"""Inside the digit network as Vega-Lite specs: each hidden layer as a strip of neurons lighting up,
and the first layer's most active neurons as 16×16 pictures (drawing only; the numbers are
lessons.digit_insides').

Colours as everywhere in the app (ui.views.figures.DIVERGING): blue +, grey 0, orange −. A strip
of a layer whose activations are never negative (ReLU, sigmoid) runs from grey (off) to blue (lit).
Both charts are at most 370 pixels wide, so they fit a 420-pixel phone without scrolling sideways,
and sit side by side at 1280 pixels.
"""

from __future__ import annotations

import numpy as np

from i18n import _, ngettext
from lessons.digit_insides import STRIP_COLUMNS, LayerActivity, TopNeuron, strip_shape
from ui.views.live_charts import CANVAS, COLOR_RANGE, Chart, diverging_rgb, png_data_uri

CELL_PX = 11   # one neuron of a strip: 32 × 11 = 352 pixels
TILE_PX = 64   # one 16×16 picture (4 × 4 screen pixels per input pixel)
PER_ROW = 4    # neurons side by side in the pictures chart
TEXT = "#31333f"


def strip_title(layer: LayerActivity) -> str:
    """"Hidden layer 1: 281 of 512 relu neurons lit"."""
    return ngettext("Hidden layer {number}: {lit} of {n} {activation} neuron lit",
                    "Hidden layer {number}: {lit} of {n} {activation} neurons lit", layer.n).format(
        number=layer.number, lit=layer.n_lit, n=layer.n, activation=layer.activation)


def layer_strip_chart(layer: LayerActivity, marked=(), cell: int = CELL_PX, columns: int = STRIP_COLUMNS) -> Chart:
    """One hidden layer for one input: a grid of cells, neuron j at row j // columns, column j % columns.

    Colour = activation a (grey 0 → blue on a square-root scale for a ≥ 0 layers; orange − · grey ·
    blue + on ±max|a| otherwise); hover shows the neuron's number (from 1), a and z. marked: neuron indices (from 0),
    most active first, outlined and numbered by rank (the pictures beside the strip).
    """
    rows, cols = strip_shape(layer.n, columns)
    j = np.arange(layer.n)
    rank = np.zeros(layer.n, dtype=np.int64)
    for r, index in enumerate(marked, start=1):
        rank[int(index)] = r
    top = float(np.max(np.abs(layer.a)))
    top = top if np.isfinite(top) and top > 0 else 1.0
    if float(np.min(layer.a)) >= 0:
        # A square-root scale: most lit neurons fire at a fifth of the strongest or less, and would
        # barely differ from the silent grey on a linear one (the legend shows the spacing).
        scale = {"type": "sqrt", "domain": [0, top], "range": COLOR_RANGE[1:], "interpolate": "rgb"}
    else:
        scale = {"domain": [-top, 0, top], "range": COLOR_RANGE, "interpolate": "rgb"}
    cell_axis = {"axis": None, "scale": {"paddingInner": 0.12, "paddingOuter": 0}}
    x = {"field": "column", "type": "ordinal", **cell_axis}
    y = {"field": "row", "type": "ordinal", **cell_axis}
    spec = {
        "usermeta": {"chart": f"layer_{layer.number}", **CANVAS},
        "title": {"text": strip_title(layer), "anchor": "start", "fontSize": 13},
        "width": {"step": cell}, "height": {"step": cell}, "autosize": {"type": "pad"},
        "data": {"name": "neurons"},
        "layer": [
            {"mark": {"type": "rect"},
             "encoding": {"x": x, "y": y,
                          "color": {"field": "a", "type": "quantitative", "title": _("activation a"),
                                    "scale": scale,
                                    "legend": {"orient": "bottom", "direction": "horizontal", "gradientLength": 140,
                                               "gradientThickness": 9, "titleFontSize": 11, "labelFontSize": 10}},
                          "tooltip": [{"field": "neuron", "type": "quantitative", "title": _("neuron")},
                                      {"field": "a", "type": "quantitative", "title": "a = σ(z)", "format": ".3f"},
                                      {"field": "z", "type": "quantitative", "title": "z = w·x + b",
                                       "format": ".3f"}]}},
            {"transform": [{"filter": "datum.rank > 0"}],
             "mark": {"type": "rect", "filled": False, "stroke": TEXT, "strokeWidth": 1.5},
             "encoding": {"x": x, "y": y}},
        ],
    }
    data = {"neuron": j + 1, "row": j // cols, "column": j % cols, "a": layer.a.astype(np.float64),
            "z": layer.z.astype(np.float64), "rank": rank}
    return Chart(spec, {"neurons": data})


def weight_picture(values: np.ndarray) -> str:
    """A picture scaled to its own ±max|value| (blue +, grey 0, orange −) as a PNG data URI."""
    m = float(np.max(np.abs(values))) if values.size else 0.0
    scaled = values / m if np.isfinite(m) and m > 0 else np.zeros_like(values)
    return png_data_uri(diverging_rgb(0.5 + 0.5 * scaled))


def top_title(top: list[TopNeuron]) -> str:
    """"What layer 1's 8 most active neurons look for"."""
    if len(top) == 1:
        return _("What layer 1's most active neuron looks for")
    return _("What layer 1's {n} most active neurons look for").format(n=len(top))


def top_neurons_chart(top: list[TopNeuron], per_row: int = PER_ROW, tile: int = TILE_PX) -> Chart:
    """The first layer's most active neurons, ``per_row`` to a row: each one's weights w (its 16×16
    picture) above w × x (what each pixel of the input adds to z), titled with its number and a.

    Each picture has its own scale (blue +, orange −); hover shows a, z and the sum that gives z.
    """
    left, gap, head, between, band_gap = 58, 12, 30, 4, 14
    per_row = max(1, min(per_row, len(top)))
    n_bands = -(-len(top) // per_row)
    band = head + 2 * tile + between + band_gap
    width, height = left + per_row * (tile + gap) - gap, n_bands * band - band_gap
    pics = {key: [] for key in ("url", "x0", "x1", "y0", "y1", "neuron", "what", "a", "z", "excitation",
                                 "inhibition", "bias")}
    names = {"text": [], "x": [], "y": []}
    values = {"text": [], "x": [], "y": []}
    labels = {"text": [], "x": [], "y": []}
    weights_w, w_times_x, neuron = _("weights w"), _("w × x"), _("neuron {number}")
    for i, n in enumerate(top):
        band_top, x0 = (i // per_row) * band, left + (i % per_row) * (tile + gap)
        for what, img, y0 in ((weights_w, n.weights, band_top + head),
                              (w_times_x, n.evidence, band_top + head + tile + between)):
            pics["url"].append(weight_picture(img))
            for key, v in (("x0", x0), ("x1", x0 + tile), ("y0", y0), ("y1", y0 + tile), ("neuron", n.index + 1),
                           ("what", what), ("a", n.a), ("z", n.z), ("excitation", n.excitation),
                           ("inhibition", n.inhibition), ("bias", n.bias)):
                pics[key].append(v)
        names["text"].append(neuron.format(number=n.index + 1))
        values["text"].append(f"a = {n.a:.2f}")
        for d, y in ((names, band_top + 12), (values, band_top + 25)):
            d["x"].append(x0 + tile / 2)
            d["y"].append(y)
    for b in range(n_bands):
        for text, y in ((weights_w, b * band + head + tile / 2), (w_times_x, b * band + head + 1.5 * tile + between)):
            labels["text"].append(text)
            labels["x"].append(left - 8)
            labels["y"].append(y + 4)
    px_x = {"type": "quantitative", "axis": None, "scale": {"domain": [0, width], "nice": False}}
    px_y = {"type": "quantitative", "axis": None, "scale": {"domain": [0, height], "nice": False, "reverse": True}}

    def text(name: str, align: str, weight: str, size: int = 11) -> dict:
        return {"data": {"name": name},
                "mark": {"type": "text", "fontSize": size, "fontWeight": weight, "align": align, "color": TEXT},
                "encoding": {"x": {"field": "x", **px_x}, "y": {"field": "y", **px_y}, "text": {"field": "text"}}}

    spec = {
        "usermeta": {"chart": "top_neurons", **CANVAS}, "title": {"text": top_title(top), "anchor": "start",
                                                                   "fontSize": 13},
        "width": width, "height": height, "autosize": {"type": "pad"},
        "layer": [
            {"data": {"name": "pictures"}, "mark": {"type": "image", "aspect": False, "smooth": False},
             "encoding": {"x": {"field": "x0", **px_x}, "x2": {"field": "x1"},
                          "y": {"field": "y0", **px_y}, "y2": {"field": "y1"},
                          "url": {"field": "url", "type": "nominal"},
                          "tooltip": [{"field": "neuron", "type": "quantitative", "title": _("neuron")},
                                      {"field": "what", "title": _("picture")},
                                      {"field": "a", "type": "quantitative", "title": "a = σ(z)", "format": ".3f"},
                                      {"field": "excitation", "type": "quantitative",
                                       "title": _("Σ w·x > 0 (ink on +)"), "format": "+.3f"},
                                      {"field": "inhibition", "type": "quantitative",
                                       "title": _("Σ w·x < 0 (ink on −)"), "format": "+.3f"},
                                      {"field": "bias", "type": "quantitative", "title": _("bias b"),
                                       "format": "+.3f"},
                                      {"field": "z", "type": "quantitative", "title": "z = w·x + b",
                                       "format": ".3f"}]}},
            text("names", "center", "bold"),
            text("values", "center", "normal"),
            text("labels", "right", "normal", 10),
        ],
    }
    return Chart(spec, {"pictures": pics, "names": names, "values": values, "labels": labels})
