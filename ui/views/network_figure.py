"""A plotly drawing of a feed-forward network, TensorFlow-Playground style, with numbers.

Neurons are nodes (left to right: input → hidden → output). Each link is coloured by
the sign of its weight (blue +, orange −) and drawn thicker and darker the larger |w|
is. Biases are written above their neuron. When values are given, every neuron shows
its output a = σ(z) inside and its z underneath, so a student can follow the numbers.

Only drawing lives here; every number comes from the caller (normally ``model.trace``).
Stable entry points: :func:`network_figure` (plain arrays) and :func:`model_figure`.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from i18n import _, ngettext

POSITIVE = (8, 119, 189)     # Playground blue
NEGATIVE = (245, 147, 34)    # Playground orange
HIGHLIGHT = "#d62728"
_WIDTH_BINS = 6              # links are grouped into a few traces: fast even for wide layers


def _rgba(rgb, alpha: float) -> str:
    return f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha:.2f})"


def _shown(n: int, max_neurons: int) -> list[int]:
    """Which neurons of a layer to draw: all of them, or the first max_neurons."""
    return list(range(min(n, max_neurons)))


def _fmt(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.3g}"


def _default_labels(sizes) -> list[list[str]]:
    last = len(sizes) - 1
    out = []
    for l, n in enumerate(sizes):
        if l == 0:
            out.append([f"x{i + 1}" for i in range(n)])
        elif l == last:
            out.append([f"y{i + 1}" for i in range(n)])
        else:
            out.append([_("layer {layer}, neuron {neuron}").format(layer=l, neuron=i + 1) for i in range(n)])
    return out


def _node_fill(v) -> str:
    """An opaque light tint that follows the value's sign and size (links stay behind, text readable)."""
    if v is None or not np.isfinite(v):
        return "white"
    t = 0.08 + 0.45 * min(abs(float(v)), 1.0)
    rgb = POSITIVE if v >= 0 else NEGATIVE
    r, g, b = (round(255 + (c - 255) * t) for c in rgb)  # blend with white
    return f"rgb({r},{g},{b})"


def layer_caption(l: int, n: int, last: int) -> str:
    """The lecture's name for column ``l`` of ``last + 1``: the inputs are values, not neurons."""
    if l == 0:
        return "<b>" + _("input layer") + "</b><br>" + ngettext("{n} input", "{n} inputs", n).format(n=n)
    name = _("output layer") if l == last else _("hidden layer {layer}").format(layer=l)
    return f"<b>{name}</b><br>" + ngettext("{n} neuron", "{n} neurons", n).format(n=n)


def network_figure(sizes, weights, biases=None, values=None, *, pre_activations=None,
                   node_labels=None, node_text=None, link_labels: bool | None = None, link_text=None,
                   highlight=None, max_neurons: int = 10, height: int | None = None,
                   title: str = "") -> go.Figure:
    """Draw a fully connected network.

    Args:
        sizes: neurons per layer, input first, e.g. [2, 2, 2, 2].
        weights: one array per layer above the input, shape (n_out, n_in); row j = neuron j's weights.
        biases: one array (n_out,) per layer, or None (no bias labels).
        values: optional, one 1-D array per layer *including the input*: x, a¹, …, y. Shown in the nodes.
        pre_activations: optional, one 1-D array z per layer above the input. Shown under the nodes.
        node_labels: optional names per layer (hover text); default x1…, "layer l, neuron j", y1….
        node_text: optional extra line per node (list per layer of strings, '' for none), e.g. "δ=0.12".
        link_labels: write each link's number next to it (default: only when there are ≤ 6 links per layer).
        link_text: optional strings per layer, shape (n_out, n_in), written on links instead of the weights.
        highlight: optional (layer, neuron, source) to emphasise one parameter: layer indexes ``weights``
            (0 = first layer above the input), source is the input index, or None for the bias.
        max_neurons: draw at most this many neurons per layer; the rest are summarised as "+k more".
        height: figure height in px (default grows with the widest drawn layer).
    """
    sizes = [int(s) for s in sizes]
    n_layers = len(sizes)
    weights = [np.asarray(W, dtype=float) for W in weights]
    if len(weights) != n_layers - 1:
        raise ValueError(f"expected {n_layers - 1} weight matrices for sizes {sizes}. Received {len(weights)}.")
    for l, W in enumerate(weights):
        if W.shape != (sizes[l + 1], sizes[l]):
            raise ValueError(f"weights[{l}] must have shape {(sizes[l + 1], sizes[l])}. Received {W.shape}.")
    labels = node_labels or _default_labels(sizes)
    shown = [_shown(n, max_neurons) for n in sizes]
    widest = max(len(s) for s in shown)
    # Wide layers get small nodes with the numbers in the hover text only, so the drawing stays legible.
    compact = widest > 5

    def pos(l, i):  # layer l at x = l, neurons centred vertically, top to bottom
        return float(l), (len(shown[l]) - 1) / 2.0 - i

    # Links, bucketed by sign and |w| so a wide network is still a handful of traces.
    wmax = max((float(np.max(np.abs(W))) for W in weights if W.size), default=1.0) or 1.0
    buckets: dict[tuple[bool, int], tuple[list, list]] = {}
    mid_x, mid_y, mid_hover = [], [], []
    label_x, label_y, label_s, label_c = [], [], [], []
    for l, W in enumerate(weights):
        n_links = len(shown[l]) * len(shown[l + 1])
        write = link_labels if link_labels is not None else n_links <= 6
        for j in shown[l + 1]:
            for i in shown[l]:
                w = float(W[j, i])
                (x0, y0), (x1, y1) = pos(l, i), pos(l + 1, j)
                key = (w >= 0, min(int(abs(w) / wmax * _WIDTH_BINS), _WIDTH_BINS - 1))
                xs, ys = buckets.setdefault(key, ([], []))
                xs += [x0, x1, None]
                ys += [y0, y1, None]
                mid_x.append(x0 + 0.5 * (x1 - x0))
                mid_y.append(y0 + 0.5 * (y1 - y0))
                mid_hover.append(f"w = {w:.4g}<br>{labels[l][i]} → {labels[l + 1][j]}")
                if write:
                    # Near the receiving neuron, as on the slides: the weights a neuron multiplies by.
                    t = 0.72
                    label_x.append(x0 + t * (x1 - x0))
                    label_y.append(y0 + t * (y1 - y0))
                    label_s.append(str(link_text[l][j][i]) if link_text is not None else _fmt(w))
                    hl = highlight is not None and tuple(highlight) == (l, j, i)
                    label_c.append(HIGHLIGHT if hl else _rgba(POSITIVE if w >= 0 else NEGATIVE, 1.0))
    fig = go.Figure()
    # Annotations are collected and set once: plotly re-validates all of them on every add_annotation.
    notes = []
    for (positive, b), (xs, ys) in sorted(buckets.items()):
        strength = (b + 1) / _WIDTH_BINS
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
            line={"width": 0.8 + 5.5 * strength, "color": _rgba(POSITIVE if positive else NEGATIVE,
                                                                  0.25 + 0.6 * strength)}))
    if highlight is not None and highlight[2] is not None:
        l, j, i = highlight
        if i in shown[l] and j in shown[l + 1]:
            (x0, y0), (x1, y1) = pos(l, i), pos(l + 1, j)
            fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip", showlegend=False,
                                     line={"width": 3, "color": HIGHLIGHT, "dash": "dot"}))
    fig.add_trace(go.Scatter(x=mid_x, y=mid_y, mode="markers", hovertext=mid_hover, hoverinfo="text", name="weights",
                             marker={"size": 10, "opacity": 0}, showlegend=False))
    # Annotations (not a text trace) so each number sits on a white tag, readable over the lines.
    for x, y, s, c in zip(label_x, label_y, label_s, label_c):
        notes.append({"x": x, "y": y, "text": s, "showarrow": False, "bgcolor": "rgba(255,255,255,0.85)",
                      "font": {"size": 11, "color": c}, "borderpad": 1})

    # Nodes: a = σ(z) inside, z (and any extra text) underneath, bias above.
    nx, ny, fill, inside, hover, line_col = [], [], [], [], [], []
    below_x, below_y, below = [], [], []
    bias_x, bias_y, bias_s, bias_c = [], [], [], []
    for l in range(n_layers):
        for i in shown[l]:
            x, y = pos(l, i)
            v = float(values[l][i]) if values is not None else None
            nx.append(x)
            ny.append(y)
            fill.append(_node_fill(v))
            inside.append(_fmt(v) if v is not None else "")
            is_hl = highlight is not None and l == highlight[0] + 1 and i == highlight[1]
            line_col.append(HIGHLIGHT if is_hl else "#555")
            h = [f"<b>{labels[l][i]}</b>"]
            extra = []
            if l > 0 and pre_activations is not None:
                z = float(pre_activations[l - 1][i])
                h.append(f"z = {z:.4g}")
                extra.append(f"z={_fmt(z)}")
            if v is not None:
                h.append(("x" if l == 0 else "a = σ(z)") + f" = {v:.4g}")
            if node_text is not None and node_text[l][i]:
                extra.append(str(node_text[l][i]))
                h.append(str(node_text[l][i]))
            if l > 0 and biases is not None and biases[l - 1] is not None:
                b = float(biases[l - 1][i])
                h.append(f"b = {b:.4g}")
                if not compact:
                    bias_x.append(x)
                    bias_y.append(y + 0.3)
                    bias_s.append(f"b={_fmt(b)}")
                    bias_c.append(HIGHLIGHT if is_hl and highlight[2] is None else
                                  _rgba(POSITIVE if b >= 0 else NEGATIVE, 1.0))
            hover.append("<br>".join(h))
            if extra and not compact:
                below_x.append(x)
                below_y.append(y - 0.3)
                below.append("<br>".join(extra))
    fig.add_trace(go.Scatter(
        x=nx, y=ny, mode="markers" if compact else "markers+text", text=inside, name="neurons",
        textposition="middle center",
        textfont={"size": 12, "color": "#111"}, hovertext=hover, hoverinfo="text", showlegend=False,
        marker={"size": 22 if compact else 44, "color": fill, "line": {"width": 2, "color": line_col}}))
    if below:
        fig.add_trace(go.Scatter(x=below_x, y=below_y, mode="text", text=below, textposition="bottom center",
                                 name="details", hoverinfo="skip", showlegend=False,
                                 textfont={"size": 11, "color": "#333"}))
    if bias_x:
        fig.add_trace(go.Scatter(x=bias_x, y=bias_y, mode="text", text=bias_s, textposition="top center", name="biases",
                                 hoverinfo="skip", showlegend=False, textfont={"size": 11, "color": bias_c}))

    # Layer names under the columns, and "+k more" where a layer was cut short.
    bottom = -(widest - 1) / 2.0 - 0.85
    last = n_layers - 1
    for l, n in enumerate(sizes):
        notes.append({"x": l, "y": bottom, "text": layer_caption(l, n, last),
                      "showarrow": False, "font": {"size": 11, "color": "#444"}, "yanchor": "top"})
        if n > len(shown[l]):
            notes.append({"x": l, "y": pos(l, len(shown[l]) - 1)[1] - 0.55,
                          "text": _("+{n} more").format(n=n - len(shown[l])),
                          "showarrow": False, "font": {"size": 10, "color": "#777"}})
    top = (widest - 1) / 2.0 + 0.6
    fig.update_layout(
        annotations=notes,
        title={"text": title, "font": {"size": 14}} if title else None,
        height=height or int(120 + (45 if compact else 95) * widest),
        margin={"l": 10, "r": 10, "t": 36 if title else 8, "b": 8},
        xaxis={"visible": False, "range": [-0.45, last + 0.45], "fixedrange": True},
        yaxis={"visible": False, "range": [bottom - 0.5, top], "fixedrange": True},
        plot_bgcolor="white", paper_bgcolor="white", hoverlabel={"bgcolor": "white"},
        dragmode=False)
    return fig


def model_figure(model, x=None, **kwargs) -> go.Figure:
    """Draw an nnlib ``Sequential``; with an input ``x`` (n_in,), every neuron shows its z and a."""
    params = [layer.get_weights() for layer in model.layers]
    values = pre = None
    if x is not None:
        trace = model.trace(np.asarray(x, dtype=float)[None, :])
        values = [np.asarray(x, dtype=float)] + [t.a[0] for t in trace]
        pre = [t.z[0] for t in trace]
    return network_figure(model.sizes(), [W for W, b in params], [b for W, b in params], values,
                          pre_activations=pre, **kwargs)
