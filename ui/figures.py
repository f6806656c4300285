"""Plotly figure builders shared by the pages (drawing only; the numbers come from nnlib)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

# Playground-like diverging colours: orange for one class / negative, blue for the other / positive.
DIVERGING = [[0.0, "#f59322"], [0.5, "#e8eaeb"], [1.0, "#0877bd"]]
CLASS_COLORS = ["#f59322", "#0877bd"]


def heatmap_figure(grid_values, xs, ys, title: str = "", points=None, labels=None, zmin=0.0, zmax=1.0,
                   height: int = 360, colorbar_title: str = "", show_scale: bool = True) -> go.Figure:
    """A heatmap of values over the input plane, optionally with labelled data points on top."""
    fig = go.Figure(go.Heatmap(
        z=grid_values, x=xs, y=ys, zmin=zmin, zmax=zmax, colorscale=DIVERGING, showscale=show_scale,
        colorbar={"title": {"text": colorbar_title}, "thickness": 12} if show_scale else None,
        hovertemplate="x1=%{x:.2f}<br>x2=%{y:.2f}<br>value=%{z:.3f}<extra></extra>"))
    if points is not None and labels is not None:
        for k in np.unique(labels):
            sel = labels == k
            fig.add_trace(go.Scatter(
                x=points[sel, 0], y=points[sel, 1], mode="markers", name=f"class {int(k)}",
                marker={"color": CLASS_COLORS[int(k) % 2], "size": 6, "line": {"color": "white", "width": 1}}))
    fig.update_layout(
        title=title, height=height, margin={"l": 40, "r": 10, "t": 40 if title else 10, "b": 40},
        xaxis={"title": "x1", "range": [xs[0], xs[-1]], "constrain": "domain"},
        yaxis={"title": "x2", "range": [ys[0], ys[-1]], "scaleanchor": "x", "constrain": "domain"},
        legend={"orientation": "h", "y": -0.2})
    return fig


def small_heatmap(grid_values, xs, ys, title: str = "", zmin=None, zmax=None, size: int = 130) -> go.Figure:
    """A small, axis-free tile for one neuron (as in TensorFlow Playground)."""
    fig = go.Figure(go.Heatmap(z=grid_values, x=xs, y=ys, zmin=zmin, zmax=zmax, colorscale=DIVERGING,
                               showscale=False, hovertemplate="%{z:.2f}<extra></extra>"))
    fig.update_layout(title={"text": title, "font": {"size": 12}}, height=size, width=None,
                      margin={"l": 2, "r": 2, "t": 22 if title else 2, "b": 2},
                      xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x"})
    return fig
