"""Charts, tables and plain-words findings for "where depth wins" and "where depth hurts".

Everything is computed from the :mod:`lessons.depth_wins` and :mod:`lessons.depth_hurts` results
handed in; nothing here trains a network or calls Streamlit, so it is tested without a browser.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from lessons import depth_hurts, depth_wins
from ui.views.deep_fat_view import DEEP_COLOR, FAT_COLOR, TARGET_COLOR, layout

FAILED_COLOR = "#dc2626"
# The first k at which the sawtooth's 2^(k−1) teeth outnumber the 2k ReLUs of the same-size fat network.
FLOOR_FROM_K = next(k for k in range(1, 64) if 2 ** (k - 1) > 2 * k)
DEPTH_COLORS = ("#94a3b8", "#f59322", "#4f46e5", "#059669")   # shallow to deep
FAMILY_TITLES = {"sigmoid": "sigmoid, usual start", "sigmoid_x4": "sigmoid, weights ×4 at the start",
                 "relu": "ReLU, usual start"}


# --- where depth wins: the sawtooth -----------------------------------------------------------
def _shape(net: depth_wins.SawtoothNet) -> str:
    return f"{len(net.hidden)} × {net.hidden[0]}"


def _mse(value: float) -> str:
    return f"{value:.3g}"


def wins_panels(result: depth_wins.DepthWins) -> list[tuple[depth_wins.SawtoothNet, str, str]]:
    """The three networks drawn side by side: (network, title, colour)."""
    k, n = result.k, result.fat_trained.hidden[0]
    return [(result.deep_built, f"Deep, built by hand: {k} layers × 2 ReLUs", DEEP_COLOR),
            (result.fat_trained, f"Fat, best found: 1 layer × {n} ReLUs", FAT_COLOR),
            (result.deep_trained, f"Deep, trained from random starts: {k} × 2", FAILED_COLOR)]


def sawtooth_figure(result: depth_wins.DepthWins, net: depth_wins.SawtoothNet, title: str, color: str) -> go.Figure:
    """The target t^k (light grey) and one network's output on [0, 1]."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=result.x, y=result.target, mode="lines", name=f"target t^{result.k}(x)",
                             line=dict(color="#c4c8cf", width=1.5)))   # solid: dashes blur on steep teeth
    fig.add_trace(go.Scatter(x=result.x, y=net.y, mode="lines", name="network", line=dict(color=color, width=2.5)))
    fig.update_yaxes(range=[-0.15, 1.2])
    fig = layout(fig, "input x", "output", height=280)
    fig.update_layout(title=dict(text=f"{title}<br><sup>mean squared error {_mse(net.mse)} · "
                                      f"{net.params} parameters</sup>", font=dict(size=14)),
                      showlegend=False, margin=dict(l=10, r=10, t=60, b=10))
    return fig


def wins_rows(result: depth_wins.DepthWins) -> list[dict]:
    """One row per network, then the floor no fat network of that size can beat."""
    pieces = {"deep": result.deep_pieces, "fat": result.fat_max_pieces}
    names = {"deep, built": "deep, built by hand", "fat, built": "fat, built by hand",
             "fat, trained": "fat, trained (best run)", "deep, trained": "deep, trained (best run)"}
    rows = [{"Network": names[net.label], "Layers × ReLUs": _shape(net), "Parameters": net.params,
             "Mean squared error": _mse(net.mse), "Linear pieces, at most": pieces[net.label.split(",")[0]],
             "Started from": net.start or "—"} for net in result.nets]
    fat = result.fat_built
    rows.append({"Network": "any fat network this size (proved floor)", "Layers × ReLUs": _shape(fat),
                 "Parameters": fat.params, "Mean squared error": f"≥ {_mse(result.fat_bound)}",
                 "Linear pieces, at most": result.fat_max_pieces, "Started from": "—"})
    return rows


def floor_explanation(result: depth_wins.DepthWins) -> str:
    """Why no fat network of this size can beat result.fat_bound (Markdown)."""
    n, teeth = result.fat_built.hidden[0], result.teeth
    text = (f"Each of the {n} ReLUs bends the output at one x, so the fat network bends at most {n} times. A bend "
            "lies inside at most one tooth. ")
    if teeth <= n:
        return text + (f"Here there are {teeth} teeth for {n} bends, so every tooth may get one and this argument "
                       f"gives no floor (0). With more folds it does: from k = {FLOOR_FROM_K} on the teeth outnumber "
                       "the ReLUs of the same-size fat network.")
    return text + (f"So at least {teeth - n} of the {teeth} teeth contain no bend, and across each of those the "
                   "network is a single straight line. The best straight line through a tooth's points still misses "
                   "them (by about 1/12 in squared error: for a tent, the best line is the constant ½). Adding the "
                   f"{teeth - n} smallest of those misses and dividing by the number of points gives the floor: "
                   f"**{_mse(result.fat_bound)}**, whatever the weights.")


def attempt_rows(result: depth_wins.DepthWins) -> list[dict]:
    """Every training run, the failures included."""
    return [{"Network": net.label.split(",")[0], "Started from": net.start, "Mean squared error": _mse(net.mse),
             "Hidden layers with the same output for every x": net.constant_layers} for net in result.attempts]


def attempts_figure(result: depth_wins.DepthWins, steps: int) -> go.Figure:
    """Each training run's mean squared error against the optimizer steps (log scale)."""
    fig = go.Figure()
    for net in result.attempts:
        color = FAT_COLOR if net.label.startswith("fat") else FAILED_COLOR
        x = np.linspace(0, steps, net.loss_curve.size) if net.loss_curve.size > 1 else [0]
        fig.add_trace(go.Scatter(x=x, y=net.loss_curve, mode="lines", line=dict(color=color, width=1.5),
                                 name=f"{net.label.split(',')[0]}, {net.start}"))
    fig.update_yaxes(type="log")
    return layout(fig, "Adam steps (full batch)", "mean squared error (log scale)", height=300)


def wins_findings(result: depth_wins.DepthWins, tries: int) -> list[str]:
    """What this run showed, in plain words (Markdown), from its numbers."""
    k, deep, fat, failed = result.k, result.deep_built, result.fat_trained, result.deep_trained
    n = fat.hidden[0]
    lines = [f"**Depth wins in what a network of this size can represent.** With {k} hidden layers of 2 ReLUs "
             f"({deep.params} parameters) the deep network draws all {result.teeth} teeth: mean squared error "
             f"{_mse(deep.mse)}. One hidden layer of {n} ReLUs has the same {fat.params} parameters but makes at most "
             f"{result.fat_max_pieces} straight pieces, against the sawtooth's {result.deep_pieces}; the best fat "
             f"network found ends at {_mse(fat.mse)}."]
    if result.fat_bound > 0:
        lines[0] += f" No fat network of this size can get below **{_mse(result.fat_bound)}** on these points."
    else:
        lines[0] += (f" (At k = {k} the sawtooth has no more teeth, {result.teeth}, than the fat network has "
                     f"ReLUs, {n}, so the simple floor below is 0; from k = {FLOOR_FROM_K} on it is above 0.)")
    starts = f"{tries} random start{'s' if tries > 1 else ''} (seed {result.seed}" + (
        f" to {result.seed + tries - 1})" if tries > 1 else ")")
    if failed.mse > fat.mse:
        flat = np.ptp(failed.y) < 1e-9
        what = (f"its output is the same number, {failed.y[0]:.3f}, for every x: the best a flat line can do is "
                f"the sawtooth's mean, with error {np.var(result.target):.3g}" if flat else
                "it is worse than the fat network")
        layers = (f" In {failed.constant_layers} of its {k} hidden layers both ReLUs give the same output for every "
                  "x, so nothing after them can depend on x." if failed.constant_layers else "")
        lines.append(f"**Gradient descent does not find the deep construction here.** From {starts}, the best "
                     f"trained deep network ends at mean squared error **{_mse(failed.mse)}**: {what}.{layers} The "
                     "deep weights exist, but training from a random start does not reach them. That is one reason "
                     "training deep networks needs special techniques (ReLU, a careful start, …); section 4 "
                     "shows what goes wrong with sigmoids and how those techniques help.")
    else:
        lines.append(f"**This time gradient descent found a good deep network:** from {starts}, the best trained deep "
                     f"network ends at {_mse(failed.mse)}, below the best fat one. Other seeds often end flat.")
    return lines


# --- where depth hurts: gradients per layer ------------------------------------------------
def gradient_range(result: depth_hurts.DepthHurts) -> list[float]:
    """One log10 y-range for every family's gradient chart, so their heights compare."""
    values = np.concatenate([g.mean_abs_grad for g in result.gradients])
    return [math.floor(np.log10(values.min())) - 0.2, math.ceil(np.log10(values.max())) + 0.2]


def gradient_figure(result: depth_hurts.DepthHurts, family: str, y_range) -> go.Figure:
    """Mean |∂(L/N)/∂w| of each layer, input side first, one line per depth (log scale)."""
    fig = go.Figure()
    for depth, color in zip(result.depths, DEPTH_COLORS):
        g = result.gradient(family, depth).mean_abs_grad
        layers = list(range(1, depth + 2))
        fig.add_trace(go.Scatter(x=layers, y=g, mode="lines+markers", name=f"{depth} hidden layers",
                                 line=dict(color=color, width=2.5), marker=dict(size=7),
                                 text=[str(i) for i in layers[:-1]] + ["output"],
                                 hovertemplate="layer %{text}: %{y:.2e}<extra></extra>"))
    fig.update_yaxes(type="log", range=y_range, exponentformat="power")
    fig.update_xaxes(dtick=1)
    return layout(fig, "layer (last point: output)", "mean |∂(L/N)/∂w| in the layer (log)",
                  height=320)


def curve_figure(result: depth_hurts.DepthHurts, family: str, y_max: float) -> go.Figure:
    """Training loss L/N against epochs, one line per depth, and the chance level ln 10."""
    fig = go.Figure()
    for depth, color in zip(result.depths, DEPTH_COLORS):
        c = result.curve(family, depth)
        fig.add_trace(go.Scatter(x=c.epoch, y=c.loss, mode="lines", name=f"{depth} hidden layers",
                                 line=dict(color=color, width=2.5)))
    chance = math.log(10)
    fig.add_hline(y=chance, line=dict(color=TARGET_COLOR, dash="dot"),
                  annotation_text=f"guessing: ln 10 = {chance:.2f}", annotation_position="top right")
    fig.update_yaxes(range=[0, y_max])
    return layout(fig, "epoch", "training loss L/N (cross-entropy)", height=300)


def curve_top(result: depth_hurts.DepthHurts) -> float:
    return 1.1 * max(float(np.max(c.loss)) for c in result.curves)


def hurts_rows(result: depth_hurts.DepthHurts) -> list[dict]:
    """One row per network: its gradient at both ends at the start, and where training took it."""
    rows = []
    for g in result.gradients:
        c = result.curve(g.family, g.depth)
        rows.append({"Network": FAMILY_TITLES[g.family], "Layers": g.depth,
                     "|∂(L/N)/∂w|, layer 1": f"{g.mean_abs_grad[0]:.2e}",
                     "output layer": f"{g.mean_abs_grad[-1]:.2e}",
                     "layer 1 ÷ output": f"{g.mean_abs_grad[0] / g.mean_abs_grad[-1]:.1e}",
                     f"Loss, epoch {c.epoch[-1]:g}": f"{c.loss[-1]:.3g}",
                     "Test right": f"{100 * c.test_accuracy[-1]:.1f}%"})
    return rows


def shrink_per_layer(g: depth_hurts.GradientSizes) -> float:
    """The mean factor by which mean |∂(L/N)/∂w| changes going one hidden layer down (geometric mean)."""
    hidden = g.mean_abs_grad[:-1]
    return float((hidden[0] / hidden[-1]) ** (1 / (len(hidden) - 1))) if len(hidden) > 1 else 1.0


def hurts_findings(result: depth_hurts.DepthHurts) -> list[str]:
    """What this run showed, in plain words (Markdown), from its numbers."""
    deepest, shallowest = max(result.depths), min(result.depths)
    families = {g.family for g in result.gradients}
    chance = math.log(10)
    lines = []
    if "sigmoid" in families:
        g, c = result.gradient("sigmoid", deepest), result.curve("sigmoid", deepest)
        shallow = result.curve("sigmoid", shallowest)
        lines.append(f"**With {deepest} sigmoid layers the gradient vanishes towards the input.** At the start, "
                     f"mean |∂(L/N)/∂w| is {g.mean_abs_grad[0]:.1e} in layer 1 and {g.mean_abs_grad[-1]:.1e} in the "
                     f"output layer. Each step down through a hidden layer multiplies it by about "
                     f"{shrink_per_layer(g):.2f}: backpropagation multiplies by σ′(z) at every layer, and σ′(z) ≤ ¼.")
        stalled = abs(c.loss[-1] - chance) < 0.05
        lines.append(f"{'So it does not learn' if stalled else 'So it learns slowly'}: after {c.epoch[-1]:g} epochs "
                     f"its loss is {c.loss[-1]:.3g} (guessing every digit equally likely gives ln 10 = {chance:.2f}) "
                     f"and it reads {100 * c.test_accuracy[-1]:.1f}% of the test digits right. The same sigmoids "
                     f"with {shallowest} hidden layers reach {100 * shallow.test_accuracy[-1]:.1f}%. "
                     "**More hidden layers is not automatically better.**")
    fixes = []
    if "relu" in families:
        g, c = result.gradient("relu", deepest), result.curve("relu", deepest)
        hidden = g.mean_abs_grad[:-1]
        fixes.append(f"ReLU (σ′ = 1 wherever a neuron is on) keeps every hidden layer's gradient between "
                     f"{hidden.min():.1e} and {hidden.max():.1e}, and {deepest} layers reach "
                     f"{100 * c.test_accuracy[-1]:.1f}%")
    if "sigmoid_x4" in families:
        g, c = result.gradient("sigmoid_x4", deepest), result.curve("sigmoid_x4", deepest)
        falling = c.loss[-1] < 0.95 * c.loss[max(0, len(c.loss) - 6)]
        more = ""
        if "sigmoid" in families:
            more = f", {g.mean_abs_grad[0] / result.gradient('sigmoid', deepest).mean_abs_grad[0]:,.0f} times more"
        fixes.append(f"sigmoids that start with weights about 4 times larger (undoing σ′(0) = ¼) give layer 1 "
                     f"{g.mean_abs_grad[0]:.1e}{more}, and {deepest} layers reach {100 * c.test_accuracy[-1]:.1f}% "
                     f"(loss {c.loss[-1]:.3g}{', still falling' if falling else ''})")
    if fixes:
        lines.append("**What helps:** " + "; ".join(fixes) + ". A deeper network can represent more (section 3), "
                     "but only if gradient descent can still train it.")
    return lines
