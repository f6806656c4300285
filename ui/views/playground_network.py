"""Step 3's network, drawn as TensorFlow Playground draws it: a picture on every neuron, links
coloured by the sign of their weight and as wide as its size.

:func:`network_picture` gives what ui/components/playground_canvas draws: the layers' titles, every drawn
neuron with its picture as raw RGB bytes, and every drawn link with its weight. The browser paints them
on one canvas in one pass (no image to decode, so no frame without pictures), and a click on a link
edits its weight.

Layout: column c is layer c (0 = the inputs, last = the output layer). Column c's centre sits at
(c + ½)/C of the width, under the c-th of C equal Streamlit columns: the page puts each hidden
layer's + and − buttons there, right above its neurons. Neuron k of a column's n drawn neurons is
centred ``(n − 1)/2 − k`` rows above the middle, rows ROW_PX apart.
"""

from __future__ import annotations

import numpy as np

from i18n import _
from ui.views.live_charts import diverging_rgb, rgb_bytes

POSITIVE, NEGATIVE = "#0877bd", "#f59322"  # blue +, orange − (Playground's colours)
TILE_PX = 30      # a neuron's picture, in pixels
ROW_PX = 40       # vertical distance between two neurons' centres
MAX_SHOWN = 8     # neurons drawn per layer; wider layers say "+ n more" under their column
LINK_WIDTH = (0.4, 6.0)  # a link's width in pixels: its layer's smallest and largest |w|


def shown_neurons(n: int, max_shown: int = MAX_SHOWN) -> int:
    """How many of a layer's n neurons are drawn."""
    return min(n, max_shown)


def tile_rgb(values: np.ndarray) -> np.ndarray:
    """A (H, W) map with row 0 = lowest x₂ as RGB bytes (H, W, 3), row 0 at the top, scaled to its own
    ±max|value| (its shape shows): orange −, grey 0, blue + (the boundary's colours)."""
    return diverging_rgb(0.5 + 0.5 * _scaled(values)[::-1])


def _scaled(values: np.ndarray) -> np.ndarray:
    """A map scaled to its own ±max|value|, in [−1, 1] (as its picture shows it)."""
    m = float(np.max(np.abs(values))) if values.size else 0.0
    return values / m if np.isfinite(m) and m > 0 else np.zeros_like(values, dtype=np.float64)


def _y(k: int, n: int) -> float:
    """The centre of neuron k of n drawn neurons, in rows, the column centred on 0."""
    return (n - 1) / 2 - k


def network_picture(model, pictures, input_labels, height_rows: int | None = None) -> dict:
    """The whole network with live pictures and links, as the canvas component takes it (JSON).

    model: an nnlib Sequential (its sizes and weight matrices give the columns and the links);
    pictures: lessons.neuron_pictures' [inputs, hidden layer 1, …, output], each a list of 2-D
    maps (row 0 at the bottom); the inputs' list may be empty (the digits: no input pictures, and
    no links drawn from them);
    input_labels: a name per input (what a link from it is called; the first ones are drawn).
    ``height_rows``: the rows to reserve (the default fits the widest layer drawn).

    Returns columns of plain lists: ``neurons`` (c, row, name, low, high, and the picture as base64
    RGB bytes ``rgb`` of ``h`` × ``w``, row 0 at the top), ``links`` (c, j → k, the rows of both ends,
    w, width in pixels, name; link j → k of layer c carries nnlib's ``W[k, j]``), the column
    ``heads`` and ``more`` ("+ n more" under a wider layer), and the sizes of the drawing.
    """
    sizes = model.sizes()
    C = len(sizes)
    shown = [shown_neurons(n) for n in sizes]
    rows = height_rows or max(shown)
    # The texts, in the session's language: translated once here, not once per neuron or link.
    inputs, output, layer = _("inputs"), _("output"), _("layer {c}")
    neuron_name, more_text = _("{layer}, neuron {k}"), _("+ {n} more")
    titles = [inputs if c == 0 else output if c == C - 1 else layer.format(c=c) for c in range(C)]
    neurons = {"c": [], "row": [], "name": [], "low": [], "high": [], "h": [], "w": [], "rgb": []}
    for c, column in enumerate(pictures):
        for k, values in enumerate(column[:shown[c]]):
            tile = rgb_bytes(tile_rgb(np.asarray(values, dtype=np.float64)))
            neurons["c"].append(c)
            neurons["row"].append(_y(k, shown[c]))
            neurons["name"].append(input_labels[k] if c == 0 else neuron_name.format(layer=titles[c], k=k + 1))
            neurons["low"].append(float(np.min(values)))
            neurons["high"].append(float(np.max(values)))
            for field in ("h", "w", "rgb"):
                neurons[field].append(tile[field])
    links = {"c": [], "j": [], "k": [], "y1": [], "y2": [], "w": [], "width": [], "name": []}
    low, high = LINK_WIDTH
    for c, dense in enumerate(model.layers):
        if c == 0 and not pictures[0]:  # inputs without pictures (the digits' pixels): no links to draw from
            continue
        # nnlib keeps W as (n_out, n_in) (z = W a + b); here row j is the link's source neuron.
        W = np.asarray(dense.get_weights()[0], dtype=np.float64).T[:shown[c], :shown[c + 1]]
        scale = float(np.max(np.abs(W))) if W.size else 0.0
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                w = float(W[j, k])
                links["c"].append(c)
                links["j"].append(j)
                links["k"].append(k)
                links["y1"].append(_y(j, shown[c]))
                links["y2"].append(_y(k, shown[c + 1]))
                links["w"].append(w)
                links["width"].append(low + (high - low) * abs(w) / scale if scale > 0 and np.isfinite(scale)
                                      else low)
                from_name = input_labels[j] if c == 0 else f"{titles[c]}·{j + 1}"
                links["name"].append(f"{from_name} → {titles[c + 1]}·{k + 1}")
    heads = [f"{t} ({n})" if 0 < c < C - 1 or (c == 0 and not pictures[0]) else t
             for c, (t, n) in enumerate(zip(titles, sizes))]
    more = [more_text.format(n=n - shown[c]) if n > shown[c] and (c > 0 or pictures[0]) else ""
            for c, n in enumerate(sizes)]
    return {"columns": C, "rows": rows, "row_px": ROW_PX, "tile_px": TILE_PX, "heads": heads, "more": more,
            "neurons": neurons, "links": links, "colors": {"positive": POSITIVE, "negative": NEGATIVE}}
