"""Step 3's view of gradient descent: its path on a loss contour, the loss per step, the fitted neuron.

Every number comes from ``lessons.descent``; this module only arranges and draws them. Backprop
step by step and the total gradient are ``ui.views.backprop_views``'.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from i18n import _
from lessons.descent import DescentPath, LossSurface, OneNeuron
from ui.views.figures import CLASS_COLORS

PATH_COLOR, START_COLOR, BEST_COLOR = "#d62728", "#2ca02c", "#111111"


# --- gradient descent's path ---------------------------------------------------------
# Figures are built from plain dicts of NumPy arrays: plotly's per-object validation would
# cost more than the math, and a slider move should redraw at once.
def descent_figure(surface: LossSurface, path: DescentPath, minimum, height: int = 430) -> go.Figure:
    """Contours of L(w, b) with the path θ⁰ → θᴷ drawn on top, the start and the minimum marked."""
    w, b = path.thetas[:, 0], path.thetas[:, 1]
    ticks = [3, 5, 10, 20, 40]
    data = [
        # Contour ln L: L spans 2.7 to 60 here, and even steps in ln L show the valley floor.
        {"type": "contour", "z": np.log(surface.loss), "x": surface.ws, "y": surface.bs, "colorscale": "Blues",
         "reversescale": True, "ncontours": 28, "line": {"width": 0.5, "color": "rgba(255,255,255,0.6)"},
         "colorbar": {"title": {"text": "L(w, b)", "side": "right"}, "thickness": 12,
                      "tickvals": np.log(ticks), "ticktext": [str(t) for t in ticks]},
         "customdata": surface.loss,
         "hovertemplate": "w=%{x:.2f}, b=%{y:.2f}<br>L=%{customdata:.3f}<extra></extra>"},
        {"type": "scatter", "x": w, "y": b, "mode": "lines+markers", "name": _("θ after each step"),
         "line": {"color": PATH_COLOR, "width": 2}, "marker": {"size": 6, "color": PATH_COLOR},
         "customdata": np.stack([np.arange(len(w)), path.losses], axis=1),
         "hovertemplate": _("step {k}").format(k="%{customdata[0]}")
                          + "<br>w=%{x:.3f}, b=%{y:.3f}<br>L=%{customdata[1]:.3f}<extra></extra>"},
        {"type": "scatter", "x": w[:1], "y": b[:1], "mode": "markers", "name": _("start θ⁰"),
         "marker": {"size": 13, "color": START_COLOR, "line": {"color": "white", "width": 2}}},
        {"type": "scatter", "x": [minimum[0]], "y": [minimum[1]], "mode": "markers", "name": _("minimum of L"),
         "marker": {"size": 15, "symbol": "star", "color": BEST_COLOR, "line": {"color": "white", "width": 1}}}]
    return go.Figure({"data": data, "layout": {
        "height": height, "margin": {"l": 50, "r": 10, "t": 10, "b": 40}, "uirevision": "descent",
        "xaxis": {"title": {"text": _("w (weight)")}, "range": [surface.ws[0], surface.ws[-1]]},
        "yaxis": {"title": {"text": _("b (bias)")}, "range": [surface.bs[0], surface.bs[-1]]},
        "legend": {"orientation": "h", "y": -0.16, "x": 0}}})


def path_loss_figure(path: DescentPath, best_loss: float, height: int = 250) -> go.Figure:
    """L(θᵏ) against the step k, with the lowest possible L as a dotted line."""
    steps = np.arange(len(path.losses))
    return go.Figure({
        "data": [{"type": "scatter", "x": steps, "y": path.losses, "mode": "lines+markers", "name": "L(θᵏ)",
                  "line": {"color": PATH_COLOR}, "marker": {"size": 5},
                  "hovertemplate": _("step {k}").format(k="%{x}") + "<br>L=%{y:.4f}<extra></extra>"}],
        "layout": {"height": height, "margin": {"l": 50, "r": 10, "t": 10, "b": 40}, "showlegend": False,
                   "xaxis": {"title": {"text": _("step k")}},
                   "yaxis": {"title": {"text": _("total loss L = Σ Cⁿ")}, "rangemode": "tozero"},
                   "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": best_loss, "y1": best_loss,
                               "line": {"dash": "dot", "color": BEST_COLOR}}],
                   "annotations": [{"xref": "paper", "x": 1, "y": best_loss, "xanchor": "right",
                                    "yanchor": "bottom", "showarrow": False,
                                    "text": _("lowest possible L = {loss:.3f}").format(loss=best_loss)}]}})


def neuron_fit_figure(problem: OneNeuron, theta, height: int = 250) -> go.Figure:
    """The data (ŷ = 0 or 1) and the neuron's output y = σ(w·x + b) for the θ where the path ended."""
    x, t = np.array(problem.x), np.array(problem.t)
    xs = np.linspace(x.min() - 1.0, x.max() + 1.0, 121)
    return go.Figure({
        "data": [{"type": "scatter", "x": xs, "y": problem.predict(theta[0], theta[1], xs), "mode": "lines",
                  "name": _("y = σ(w·x + b) at the last θ"), "line": {"color": PATH_COLOR}},
                 {"type": "scatter", "x": x, "y": t, "mode": "markers", "name": _("data (target ŷ)"),
                  "marker": {"size": 10, "color": [CLASS_COLORS[int(v)] for v in t],
                             "line": {"color": "white", "width": 1}}}],
        "layout": {"height": height, "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
                   "xaxis": {"title": {"text": _("input x")}},
                   "yaxis": {"title": {"text": _("output y")}, "range": [-0.08, 1.08]},
                   "legend": {"orientation": "h", "y": 1.18, "x": 0}}})


def path_table(path: DescentPath, rows: int = 5) -> pd.DataFrame:
    """The first steps as numbers: θᵏ, ∇L(θᵏ) and L(θᵏ)."""
    k = min(rows, len(path.thetas))
    return pd.DataFrame({
        "step k": np.arange(k), "w": path.thetas[:k, 0], "b": path.thetas[:k, 1],
        "∂L/∂w": path.gradients[:k, 0], "∂L/∂b": path.gradients[:k, 1], "L(θᵏ)": path.losses[:k]})


def path_table_labels() -> dict[str, str]:
    """``column_config`` for :func:`path_table`: its worded header in the session's language."""
    return {"step k": _("step k")}
