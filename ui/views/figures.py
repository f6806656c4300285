"""Plotly figure builders shared by the pages (drawing only; the numbers come from nnlib)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from i18n import _

# Playground-like diverging colours: orange for one class / negative, blue for the other / positive.
DIVERGING = [[0.0, "#f59322"], [0.5, "#e8eaeb"], [1.0, "#0877bd"]]
CLASS_COLORS = ["#f59322", "#0877bd"]


# --- Step 1: neurons and the function set --------------------------------------------------------
def neuron_tiles_figure(grid, max_neurons: int = 8, tile_px: int = 92) -> go.Figure:
    """Every neuron over the input plane, one column per layer, as in TensorFlow Playground.

    ``grid`` is an nnlib PlaneGrid. The tiles are packed into one heatmap (fast to draw, even
    for wide networks). Each tile is scaled to its own ±max|a| so its shape shows; hovering
    gives the neuron's real output a. The last column is the output layer.
    """
    r = grid.xs.shape[0]
    gap = max(2, r // 8)
    n_cols = len(grid.layers)
    n_rows = min(max(g.shape[0] for g in grid.layers), max_neurons)
    side = r + gap
    shape = (n_rows * side - gap, n_cols * side - gap)
    # customdata: (real a, layer, neuron) as numbers; strings there would make the chart slow to send.
    shown, info = np.full(shape, np.nan), np.full(shape + (3,), np.nan)
    for c, g in enumerate(grid.layers):
        for k in range(min(g.shape[0], n_rows)):
            m = float(np.max(np.abs(g[k]))) or 1.0
            # Row 0 of a PlaneGrid is the lowest x2, so tile k is placed from the top down.
            top = (n_rows - 1 - k) * side
            block = (slice(top, top + r), slice(c * side, c * side + r))
            shown[block] = g[k] / m
            info[block] = np.stack([g[k], np.full_like(g[k], c + 1), np.full_like(g[k], k + 1)], axis=-1)
    fig = go.Figure(go.Heatmap(
        z=shown, customdata=info, zmin=-1, zmax=1, colorscale=DIVERGING, showscale=False, hoverongaps=False,
        hovertemplate=_("layer {layer} (layer {output} = output), neuron {neuron}").format(
            layer="%{customdata[1]}", output=n_cols, neuron="%{customdata[2]}")
        + "<br>a = %{customdata[0]:.3f}<extra></extra>"))
    headings = [{"x": c * side + (r - 1) / 2, "y": shape[0] + gap * 0.5, "yanchor": "bottom", "showarrow": False,
                 "text": _("output") if c == n_cols - 1 else _("layer {n}").format(n=c + 1), "font": {"size": 11}}
                for c in range(n_cols)]
    fig.update_layout(
        annotations=headings,
        height=int(30 + tile_px * n_rows), margin={"l": 2, "r": 2, "t": 24, "b": 2},
        xaxis={"visible": False, "constrain": "domain", "fixedrange": True},
        yaxis={"visible": False, "scaleanchor": "x", "constrain": "domain", "fixedrange": True},
        plot_bgcolor="white")
    return fig


def function_set_figure(grids, captions, cols: int = 3, height: int = 480) -> go.Figure:
    """P(class 1) over the input plane for several θ drawn from one function set; shared 0–1 colour scale.

    The tile grid is laid out by hand (axis domains) rather than with make_subplots, which costs
    tens of milliseconds per figure: this chart redraws on every widget change.
    """
    rows = -(-len(grids) // cols)
    p_class = _("P(class 1)")
    gap_x, gap_y = 0.05, 0.14
    width, tall = (1 - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    traces, layout, notes = [], {}, []
    for k, g in enumerate(grids):
        r, c = divmod(k, cols)
        suffix = "" if k == 0 else str(k + 1)
        x0, y1 = c * (width + gap_x), 1 - r * (tall + gap_y)
        traces.append(go.Heatmap(
            z=g.class_probability(1), x=g.xs, y=g.ys, zmin=0.0, zmax=1.0, colorscale=DIVERGING,
            xaxis=f"x{suffix}", yaxis=f"y{suffix}", showscale=k == 0,
            colorbar={"title": {"text": p_class}, "thickness": 10, "len": 0.9},
            hovertemplate="x1=%{x:.2f}, x2=%{y:.2f}<br>" + p_class + "=%{z:.3f}<extra></extra>"))
        # Axis titles and y tick labels on the outer tiles only, so nothing overlaps.
        layout[f"xaxis{suffix}"] = {"domain": [x0, min(1.0, x0 + width)], "anchor": f"y{suffix}", "constrain": "domain",
                                    "title": {"text": "x1", "standoff": 0} if r == rows - 1 else None}
        layout[f"yaxis{suffix}"] = {"domain": [max(0.0, y1 - tall), y1], "anchor": f"x{suffix}", "constrain": "domain",
                                    "scaleanchor": f"x{suffix}", "showticklabels": c == 0,
                                    "title": {"text": "x2", "standoff": 0} if c == 0 else None}
        notes.append({"text": captions[k], "x": x0 + width / 2, "y": y1, "xref": "paper", "yref": "paper",
                      "yanchor": "bottom", "showarrow": False, "font": {"size": 12}})
    return go.Figure(traces, layout={**layout, "annotations": notes, "height": height,
                                     "margin": {"l": 40, "r": 10, "t": 30, "b": 30}})


# --- Step 2: softmax, losses, landscape -------------------------------------------------------
def bar_figure(values, labels, y_title: str, title: str = "", y_range=None, height: int = 260,
               digits: int = 2, color=None) -> go.Figure:
    """Bars with their numbers written on them (e.g. z or y = softmax(z))."""
    values = np.asarray(values, dtype=float)
    colors = color or [CLASS_COLORS[1] if v >= 0 else CLASS_COLORS[0] for v in values]
    fig = go.Figure(go.Bar(x=list(labels), y=values, marker_color=colors,
                           text=[f"{v:.{digits}f}" for v in values], textposition="outside",
                           cliponaxis=False, hovertemplate="%{x}: %{y:.4f}<extra></extra>"))
    fig.update_layout(title=title or None, height=height, margin={"l": 50, "r": 10, "t": 36 if title else 16, "b": 40},
                      yaxis={"title": y_title, "range": y_range, "zeroline": True}, xaxis={"title": ""})
    return fig


def loss_points_figure(X, labels, per_example, top=None, grid=None, height: int = 380) -> go.Figure:
    """The data set on the plane, each point sized by its loss Cⁿ; the top contributors are ringed.

    With an nnlib PlaneGrid, the network's P(class 1) is drawn behind the points, so a costly
    point shows up as one sitting on the wrong colour.
    """
    X, labels, per_example = np.asarray(X), np.asarray(labels), np.asarray(per_example, dtype=float)
    size = 4 + 20 * np.sqrt(per_example / (per_example.max() or 1.0))
    fig = go.Figure()
    if grid is not None:
        p_class = _("P(class 1)")
        fig.add_trace(go.Heatmap(z=grid.class_probability(1), x=grid.xs, y=grid.ys, zmin=0, zmax=1, opacity=0.55,
                                 colorscale=DIVERGING, showscale=False, name=p_class,
                                 hovertemplate=p_class + "=%{z:.2f}<extra></extra>"))
    for k in np.unique(labels):
        sel = labels == k
        fig.add_trace(go.Scatter(
            x=X[sel, 0], y=X[sel, 1], mode="markers", name=_("class {k}").format(k=int(k)),
            customdata=per_example[sel],
            hovertemplate="x1=%{x:.2f}, x2=%{y:.2f}<br>Cⁿ=%{customdata:.3f}<extra></extra>",
            marker={"color": CLASS_COLORS[int(k) % 2], "size": size[sel], "opacity": 0.75,
                    "line": {"color": "white", "width": 1}}))
    if top is not None and len(top):
        fig.add_trace(go.Scatter(x=X[top, 0], y=X[top, 1], mode="markers+text", name=_("largest Cⁿ"),
                                 text=[f"#{i + 1}" for i in range(len(top))], textposition="top center",
                                 marker={"size": size[top] + 8, "color": "rgba(0,0,0,0)",
                                         "line": {"color": "#d62728", "width": 2}}, hoverinfo="skip"))
    fig.update_layout(height=height, margin={"l": 40, "r": 10, "t": 10, "b": 40},
                      xaxis={"title": "x1", "range": [-1.15, 1.15], "constrain": "domain"},
                      yaxis={"title": "x2", "range": [-1.15, 1.15], "scaleanchor": "x", "constrain": "domain"},
                      legend={"orientation": "h", "y": -0.18}, plot_bgcolor="white")
    return fig


def landscape_figure(landscape, p_title: str, q_title: str, height: int = 440) -> go.Figure:
    """Contour of L over two parameters (lessons.landscape.Landscape), with the current θ marked."""
    name = "L = Σₙ Cⁿ" if landscape.reduction == "sum" else "L / N"
    fig = go.Figure(go.Contour(
        z=landscape.loss, x=landscape.p_values, y=landscape.q_values, colorscale="Viridis", ncontours=24,
        colorbar={"title": {"text": name}, "thickness": 12}, contours={"showlabels": True,
                                                                      "labelfont": {"size": 9, "color": "white"}},
        hovertemplate="p=%{x:.3f}<br>q=%{y:.3f}<br>" + name + "=%{z:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[landscape.theta[0]], y=[landscape.theta[1]], mode="markers+text", name=_("current θ"),
        marker={"symbol": "x", "size": 14, "color": "#d62728", "line": {"width": 2, "color": "white"}},
        hovertemplate=_("current θ") + "<br>L=%{customdata:.3f}<extra></extra>", customdata=[landscape.loss_at_theta]))
    fig.add_annotation(x=landscape.theta[0], y=landscape.theta[1],
                       text=_("current θ, L = {loss:.2f}").format(loss=landscape.loss_at_theta),
                       yshift=18, showarrow=False, bgcolor="rgba(255,255,255,0.85)", font={"size": 12})
    fig.update_layout(height=height, margin={"l": 60, "r": 10, "t": 10, "b": 50}, showlegend=False,
                      xaxis={"title": p_title}, yaxis={"title": q_title})
    return fig
