"""Figures for the digit page (drawing only; every number comes from nnlib.digits)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from i18n import _

INK = "#0877bd"        # the predicted / chosen digit
OTHER = "#b8c4ce"      # the other nine digits
BEFORE = "#b8c4ce"
AFTER = "#f59322"
DIGITS = [str(d) for d in range(10)]


def _layout(fig: go.Figure, height: int, title: str = "") -> go.Figure:
    fig.update_layout(height=height, margin={"l": 50, "r": 10, "t": 36 if title else 10, "b": 45},
                      title={"text": title, "font": {"size": 14}} if title else None)
    return fig


def probability_figure(probabilities, highlight: int | None = None, height: int = 260) -> go.Figure:
    """Bars of P(digit | drawing) for the ten digits, the most likely one coloured."""
    p = np.asarray(probabilities, dtype=float)
    colors = [INK if d == highlight else OTHER for d in range(10)]
    fig = go.Figure(go.Bar(x=DIGITS, y=p, marker_color=colors, text=[f"{v:.0%}" if v >= 0.01 else "" for v in p],
                           textposition="outside", cliponaxis=False,
                           hovertemplate=_("digit %{x}: %{y:.3f}") + "<extra></extra>"))
    fig.update_xaxes(title=_("digit"), type="category")
    fig.update_yaxes(title=_("probability"), range=[0, 1.1], tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1])
    return _layout(fig, height)


def before_after_figure(before, after, label: int, height: int = 260) -> go.Figure:
    """Grouped bars: the ten probabilities before and after one gradient step on this drawing."""
    hover = _("digit %{x}: %{y:.3f}")
    fig = go.Figure([
        go.Bar(x=DIGITS, y=np.asarray(before, float), name=_("before the step"), marker_color=BEFORE,
               hovertemplate=hover + "<extra>" + _("before") + "</extra>"),
        go.Bar(x=DIGITS, y=np.asarray(after, float), name=_("after the step"), marker_color=AFTER,
               hovertemplate=hover + "<extra>" + _("after") + "</extra>"),
    ])
    fig.update_xaxes(title=_("digit (the correct one is {label})").format(label=label), type="category")
    fig.update_yaxes(title=_("probability"), range=[0, 1.05], tickformat=".0%")
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.12, "x": 0})
    return _layout(fig, height)


def grid_figure(grid, height: int = 300) -> go.Figure:
    """The 16×16 input as a heatmap: hover shows each of the 256 values."""
    g = np.asarray(grid, dtype=float)
    fig = go.Figure(go.Heatmap(z=g, zmin=0, zmax=1, colorscale="gray", showscale=True,
                               colorbar={"title": {"text": _("ink")}, "thickness": 10},
                               hovertemplate=_("row %{y}, column %{x}<br>value %{z:.2f}") + "<extra></extra>"))
    fig.update_xaxes(title=_("column"), range=[-0.5, g.shape[1] - 0.5], dtick=4, constrain="domain")
    fig.update_yaxes(title=_("row"), range=[g.shape[0] - 0.5, -0.5], dtick=4, scaleanchor="x", constrain="domain")
    return _layout(fig, height)


def confusion_figure(confusion, height: int = 420) -> go.Figure:
    """Counts of (true digit, digit read); the diagonal is every digit read correctly."""
    cm = np.asarray(confusion)
    # A log-like colour scale: the diagonal (≈100) would otherwise wash out the few mistakes.
    z = np.log1p(cm)
    fig = go.Figure(go.Heatmap(
        z=z, x=DIGITS, y=DIGITS, text=cm, texttemplate="%{text}", colorscale="Blues", showscale=False,
        customdata=cm, hovertemplate=_("true %{y}, read as %{x}: %{customdata} digits") + "<extra></extra>"))
    fig.update_xaxes(title=_("digit the network read"), type="category", side="bottom", showgrid=False)
    fig.update_yaxes(title=_("true digit"), type="category", autorange="reversed", showgrid=False)
    fig = _layout(fig, height)
    fig.update_layout(width=height + 20)  # square cells; st.plotly_chart(width="content") keeps it
    return fig


def upscale(img, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement to uint8 (so st.image shows crisp pixels, not a blur)."""
    a = np.clip(np.asarray(img, dtype=float), 0, 1)
    return (np.kron(a, np.ones((factor, factor))) * 255 + 0.5).astype(np.uint8)


def fit_image(img, size: int = 140) -> np.ndarray:
    """An ink image (h, w) in [0, 1] scaled to fit ``size`` pixels, padded square, as uint8."""
    from PIL import Image

    a = (np.clip(np.asarray(img, dtype=float), 0, 1) * 255 + 0.5).astype(np.uint8)
    h, w = a.shape
    scale = size / max(h, w)
    resample = Image.Resampling.NEAREST if scale >= 1 else Image.Resampling.BOX
    small = np.asarray(Image.fromarray(a).resize((max(1, round(w * scale)), max(1, round(h * scale))), resample))
    out = np.zeros((size, size), dtype=np.uint8)
    top, left = (size - small.shape[0]) // 2, (size - small.shape[1]) // 2
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    return out
