"""Step 3's views of the gradient: descent's path on a loss contour, and backprop step by step.

Every number comes from nnlib (``lessons.descent`` for the path, ``model.backprop`` and
``nnlib.gradient_check`` for the lecture network); this module only arranges and draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

import nnlib
from lessons.descent import DescentPath, LossSurface, OneNeuron
from nnlib import backend
from ui.views.figures import CLASS_COLORS

PATH_COLOR, START_COLOR, BEST_COLOR = "#d62728", "#2ca02c", "#111111"
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


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
        {"type": "scatter", "x": w, "y": b, "mode": "lines+markers", "name": "θ after each step",
         "line": {"color": PATH_COLOR, "width": 2}, "marker": {"size": 6, "color": PATH_COLOR},
         "customdata": np.stack([np.arange(len(w)), path.losses], axis=1),
         "hovertemplate": "step %{customdata[0]}<br>w=%{x:.3f}, b=%{y:.3f}<br>L=%{customdata[1]:.3f}<extra></extra>"},
        {"type": "scatter", "x": w[:1], "y": b[:1], "mode": "markers", "name": "start θ⁰",
         "marker": {"size": 13, "color": START_COLOR, "line": {"color": "white", "width": 2}}},
        {"type": "scatter", "x": [minimum[0]], "y": [minimum[1]], "mode": "markers", "name": "minimum of L",
         "marker": {"size": 15, "symbol": "star", "color": BEST_COLOR, "line": {"color": "white", "width": 1}}}]
    return go.Figure({"data": data, "layout": {
        "height": height, "margin": {"l": 50, "r": 10, "t": 10, "b": 40}, "uirevision": "descent",
        "xaxis": {"title": {"text": "w (weight)"}, "range": [surface.ws[0], surface.ws[-1]]},
        "yaxis": {"title": {"text": "b (bias)"}, "range": [surface.bs[0], surface.bs[-1]]},
        "legend": {"orientation": "h", "y": -0.16, "x": 0}}})


def path_loss_figure(path: DescentPath, best_loss: float, height: int = 250) -> go.Figure:
    """L(θᵏ) against the step k, with the lowest possible L as a dotted line."""
    steps = np.arange(len(path.losses))
    return go.Figure({
        "data": [{"type": "scatter", "x": steps, "y": path.losses, "mode": "lines+markers", "name": "L(θᵏ)",
                  "line": {"color": PATH_COLOR}, "marker": {"size": 5},
                  "hovertemplate": "step %{x}<br>L=%{y:.4f}<extra></extra>"}],
        "layout": {"height": height, "margin": {"l": 50, "r": 10, "t": 10, "b": 40}, "showlegend": False,
                   "xaxis": {"title": {"text": "step k"}},
                   "yaxis": {"title": {"text": "total loss L = Σ Cⁿ"}, "rangemode": "tozero"},
                   "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": best_loss, "y1": best_loss,
                               "line": {"dash": "dot", "color": BEST_COLOR}}],
                   "annotations": [{"xref": "paper", "x": 1, "y": best_loss, "xanchor": "right",
                                    "yanchor": "bottom", "showarrow": False,
                                    "text": f"lowest possible L = {best_loss:.3f}"}]}})


def neuron_fit_figure(problem: OneNeuron, theta, height: int = 250) -> go.Figure:
    """The data (ŷ = 0 or 1) and the neuron's output y = σ(w·x + b) for the θ where the path ended."""
    x, t = np.array(problem.x), np.array(problem.t)
    xs = np.linspace(x.min() - 1.0, x.max() + 1.0, 121)
    return go.Figure({
        "data": [{"type": "scatter", "x": xs, "y": problem.predict(theta[0], theta[1], xs), "mode": "lines",
                  "name": "y = σ(w·x + b) at the last θ", "line": {"color": PATH_COLOR}},
                 {"type": "scatter", "x": x, "y": t, "mode": "markers", "name": "data (target ŷ)",
                  "marker": {"size": 10, "color": [CLASS_COLORS[int(v)] for v in t],
                             "line": {"color": "white", "width": 1}}}],
        "layout": {"height": height, "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
                   "xaxis": {"title": {"text": "input x"}},
                   "yaxis": {"title": {"text": "output y"}, "range": [-0.08, 1.08]},
                   "legend": {"orientation": "h", "y": 1.18, "x": 0}}})


def path_table(path: DescentPath, rows: int = 5) -> pd.DataFrame:
    """The first steps as numbers: θᵏ, ∇L(θᵏ) and L(θᵏ)."""
    k = min(rows, len(path.thetas))
    return pd.DataFrame({
        "step k": np.arange(k), "w": path.thetas[:k, 0], "b": path.thetas[:k, 1],
        "∂L/∂w": path.gradients[:k, 0], "∂L/∂b": path.gradients[:k, 1], "L(θᵏ)": path.losses[:k]})


# --- backprop, neuron by neuron ------------------------------------------------------------
@dataclass(frozen=True)
class BackpropStep:
    """One neuron's moment in the walkthrough. layer is 1-based (the first hidden layer is 1)."""

    phase: str          # 'forward' or 'backward'
    layer: int
    neuron: int         # 0-based
    title: str
    latex: tuple[str, ...]


def _n(v: float) -> str:
    """A number for a formula: 4 significant digits, negatives in brackets so products read right."""
    s = f"{float(v):.4g}"
    return f"({s})" if s.startswith("-") else s


def _input_symbol(layer: int, i: int) -> str:
    return f"x_{{{i + 1}}}" if layer == 1 else f"a^{{{layer - 1}}}_{{{i + 1}}}"


def _aligned(*rows: str) -> str:
    """Several lines under one another, lined up at their '&' (KaTeX's aligned block)."""
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def _activation_symbol(name: str) -> str:
    return r"\sigma" if name == "sigmoid" else rf"\text{{{name}}}"


def _output_gradient_rows(loss, y: float, t: float, k: int, j: int, dc_dy: float) -> tuple[str, str]:
    """∂C/∂yⱼ for the loss in use, as formula and numbers (j is 1-based; k outputs)."""
    yj, tj, d = f"y_{{{j}}}", rf"\hat y_{{{j}}}", rf"\frac{{\partial C}}{{\partial y_{{{j}}}}}"
    if isinstance(loss, nnlib.losses.CrossEntropy):
        return rf"{d} &= -\frac{{{tj}}}{{{yj}}}", rf"&= -\frac{{{_n(t)}}}{{{_n(y)}}} = {_n(dc_dy)}"
    return (rf"{d} &= \frac{{2}}{{{k}}}({yj} - {tj})", rf"&= \frac{{2}}{{{k}}}({_n(y)} - {_n(t)}) = {_n(dc_dy)}")


def _forward_step(model, lb, l: int, j: int) -> BackpropStep:
    W, b = model.layers[l - 1].get_weights()
    n_in = W.shape[1]
    terms = " + ".join(rf"w^{{{l}}}_{{{j + 1}{i + 1}}} {_input_symbol(l, i)}" for i in range(n_in))
    nums = " + ".join(rf"{_n(W[j, i])} \cdot {_n(lb.x[0, i])}" for i in range(n_in))
    z, act = rf"z^{{{l}}}_{{{j + 1}}}", _activation_symbol(model.layers[l - 1].activation.name)
    dz_dw = [rf"\frac{{\partial {z}}}{{\partial w^{{{l}}}_{{{j + 1}{i + 1}}}}} &= {_input_symbol(l, i)} "
             rf"= {_n(lb.x[0, i])}" for i in range(n_in)]
    return BackpropStep("forward", l, j, f"Forward pass · layer {l}, neuron {j + 1}", (
        _aligned(rf"{z} &= {terms} + b^{{{l}}}_{{{j + 1}}}", rf"&= {nums} + {_n(b[j])} = {_n(lb.z[0, j])}"),
        rf"a^{{{l}}}_{{{j + 1}}} = {act}({z}) = {act}({_n(lb.z[0, j])}) = {_n(lb.a[0, j])}",
        _aligned(*dz_dw)))


def _backward_step(model, layers, l: int, j: int, target, dc_dy) -> BackpropStep:
    lb, last = layers[l - 1], len(layers)
    sp, delta, a = lb.sigma_prime[0, j], lb.delta[0, j], lb.a[0, j]
    z, dcdz = rf"z^{{{l}}}_{{{j + 1}}}", rf"\frac{{\partial C}}{{\partial z^{{{l}}}_{{{j + 1}}}}}"
    if model.layers[l - 1].activation.name == "sigmoid":
        sp_line = rf"\sigma'({z}) = a(1 - a) = {_n(a)}\,(1 - {_n(a)}) = {_n(sp)}"
    else:
        sp_line = rf"\sigma'({z}) = {_n(sp)}"
    if l == last:
        chain = (_aligned(*_output_gradient_rows(model.loss, a, target[j], lb.a.shape[1], j + 1, dc_dy[j])),
                 sp_line,
                 rf"{dcdz} = \sigma'({z})\,\frac{{\partial C}}{{\partial y_{j + 1}}} = {_n(sp)} \cdot "
                 rf"{_n(dc_dy[j])} = {_n(delta)}")
    else:
        above, W_up = layers[l], model.layers[l].get_weights()[0]
        terms = " + ".join(
            rf"w^{{{l + 1}}}_{{{k + 1}{j + 1}}} \frac{{\partial C}}{{\partial z^{{{l + 1}}}_{{{k + 1}}}}}"
            for k in range(W_up.shape[0]))
        nums = " + ".join(rf"{_n(W_up[k, j])} \cdot {_n(above.delta[0, k])}" for k in range(W_up.shape[0]))
        chain = (sp_line, _aligned(rf"{dcdz} &= \sigma'({z})\,\Big[{terms}\Big]",
                                   rf"&= {_n(sp)}\,\big[{nums}\big] = {_n(delta)}"))
    grads = _aligned(*(rf"\frac{{\partial C}}{{\partial w^{{{l}}}_{{{j + 1}{i + 1}}}}} &= "
                       rf"\frac{{\partial {z}}}{{\partial w^{{{l}}}_{{{j + 1}{i + 1}}}}}\,{dcdz} = "
                       rf"{_n(lb.x[0, i])} \cdot {_n(delta)} = {_n(lb.grad_W[j, i])}" for i in range(lb.x.shape[1])))
    where = "output layer" if l == last else f"layer {l}"
    return BackpropStep("backward", l, j, f"Backward pass · {where}, neuron {j + 1}", (*chain, grads))


def backprop_steps(model, x, target) -> list[BackpropStep]:
    """The forward pass neuron by neuron, then the backward pass from the output back, for one example."""
    x, target = np.asarray(x, dtype=float), np.asarray(target, dtype=float)
    layers = model.backprop(x[None, :], target[None, :], reduction="sum")
    # ∂C/∂y at the output, from the loss itself: where the backward pass starts.
    a_out = backend.asarray(layers[-1].a, model.dtype)
    dc_dy = backend.to_numpy(model.loss.grad(a_out, backend.asarray(target[None, :], model.dtype)))[0]
    steps = [_forward_step(model, lb, l, j) for l, lb in enumerate(layers, start=1) for j in range(lb.z.shape[1])]
    steps += [_backward_step(model, layers, l, j, target, dc_dy)
              for l in range(len(layers), 0, -1) for j in range(layers[l - 1].z.shape[1])]
    return steps


def gradient_table(model, x, target) -> pd.DataFrame:
    """Backprop's ∂C/∂w = ∂z/∂w · ∂C/∂z for every parameter, next to a central-difference estimate."""
    x, target = np.asarray(x, dtype=float)[None, :], np.asarray(target, dtype=float)[None, :]
    layers = model.backprop(x, target, reduction="sum")
    check = nnlib.gradient_check(model, x, target, reduction="sum")
    owner = [(l, kind) for l, layer in enumerate(model.layers)
             for kind in (("W", "b") if layer.use_bias else ("W",))]
    rows = []
    for k, idx, g, fd, err in zip(check.param, check.index, check.backprop, check.numeric, check.relative_error):
        l, kind = owner[k]
        j = idx[0]
        if kind == "W":
            i = idx[1]
            name = f"w{str(l + 1).translate(_SUP)}{str(j + 1).translate(_SUB)}{str(i + 1).translate(_SUB)}"
            dz_dw = layers[l].x[0, i]
            source = f"x{str(i + 1).translate(_SUB)}" if l == 0 else \
                f"a{str(l).translate(_SUP)}{str(i + 1).translate(_SUB)}"
            link = f"{source} → layer {l + 1} neuron {j + 1}"
        else:
            name = f"b{str(l + 1).translate(_SUP)}{str(j + 1).translate(_SUB)}"
            dz_dw, link = 1.0, f"bias of layer {l + 1} neuron {j + 1}"
        rows.append({"parameter": name, "link": link, "∂z/∂w": dz_dw, "∂C/∂z": layers[l].delta[0, j],
                     "backprop ∂C/∂w": g, "finite difference": fd, "relative error": err})
    return pd.DataFrame(rows)
