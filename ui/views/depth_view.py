"""Charts, tables and plain-words findings for "where depth wins" and "where depth hurts".

Everything is computed from the :mod:`lessons.depth_wins` and :mod:`lessons.depth_hurts` results
handed in; nothing here trains a network or calls Streamlit, so it is tested without a browser.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from i18n import N_, _, ngettext, pgettext
from lessons import depth_hurts, depth_wins
from ui.views.deep_fat_view import DEEP_COLOR, FAMILY_NAMES, FAT_COLOR, TARGET_COLOR, layout, sentences

FAILED_COLOR = "#dc2626"
# The first k at which the sawtooth's 2^(k−1) teeth outnumber the 2k ReLUs of the same-size fat network.
FLOOR_FROM_K = next(k for k in range(1, 64) if 2 ** (k - 1) > 2 * k)
DEPTH_COLORS = ("#94a3b8", "#f59322", "#4f46e5", "#059669")   # shallow to deep
FAMILY_TITLES = {"sigmoid": N_("sigmoid, usual start"), "sigmoid_x4": N_("sigmoid, weights ×4 at the start"),
                 "relu": N_("ReLU, usual start")}   # translated where they are shown


# --- where depth wins: the sawtooth -----------------------------------------------------------
def _shape(net: depth_wins.SawtoothNet) -> str:
    return f"{len(net.hidden)} × {net.hidden[0]}"


def _mse(value: float) -> str:
    return f"{value:.3g}"


def wins_panels(result: depth_wins.DepthWins) -> list[tuple[depth_wins.SawtoothNet, str, str]]:
    """The three networks drawn side by side: (network, title, colour)."""
    k, n = result.k, result.fat_trained.hidden[0]
    return [(result.deep_built, _("Deep, built by hand: {k} layers × 2 ReLUs").format(k=k), DEEP_COLOR),
            (result.fat_trained, _("Fat, best found: 1 layer × {n} ReLUs").format(n=n), FAT_COLOR),
            (result.deep_trained, _("Deep, trained from random starts: {k} × 2").format(k=k), FAILED_COLOR)]


def sawtooth_figure(result: depth_wins.DepthWins, net: depth_wins.SawtoothNet, title: str, color: str) -> go.Figure:
    """The target t^k (light grey) and one network's output on [0, 1]."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=result.x, y=result.target, mode="lines", name=_("target t^{k}(x)").format(k=result.k),
                             line=dict(color="#c4c8cf", width=1.5)))   # solid: dashes blur on steep teeth
    fig.add_trace(go.Scatter(x=result.x, y=net.y, mode="lines", name=_("network"), line=dict(color=color, width=2.5)))
    fig.update_yaxes(range=[-0.15, 1.2])
    fig = layout(fig, _("input x"), _("output"), height=280)
    subtitle = _("mean squared error {mse} · {params} parameters").format(mse=_mse(net.mse), params=net.params)
    fig.update_layout(title=dict(text=f"{title}<br><sup>{subtitle}</sup>", font=dict(size=14)),
                      showlegend=False, margin=dict(l=10, r=10, t=60, b=10))
    return fig


def wins_rows(result: depth_wins.DepthWins) -> list[dict]:
    """One row per network, then the floor no fat network of that size can beat."""
    pieces = {"deep": result.deep_pieces, "fat": result.fat_max_pieces}
    names = {"deep, built": _("deep, built by hand"), "fat, built": _("fat, built by hand"),
             "fat, trained": _("fat, trained (best run)"), "deep, trained": _("deep, trained (best run)")}
    rows = [{_("Network"): names[net.label], _("Layers × ReLUs"): _shape(net), _("Parameters"): net.params,
             _("Mean squared error"): _mse(net.mse), _("Linear pieces, at most"): pieces[net.label.split(",")[0]],
             _("Started from"): depth_wins.start_text(net.start) or "—"} for net in result.nets]
    fat = result.fat_built
    rows.append({_("Network"): _("any fat network this size (proved floor)"), _("Layers × ReLUs"): _shape(fat),
                 _("Parameters"): fat.params, _("Mean squared error"): f"≥ {_mse(result.fat_bound)}",
                 _("Linear pieces, at most"): result.fat_max_pieces, _("Started from"): "—"})
    return rows


def floor_explanation(result: depth_wins.DepthWins) -> str:
    """Why no fat network of this size can beat result.fat_bound (Markdown)."""
    n, teeth = result.fat_built.hidden[0], result.teeth
    text = _("Each of the {n} ReLUs bends the output at one x, so the fat network bends at most {n} times. A bend "
             "lies inside at most one tooth.").format(n=n)
    if teeth <= n:
        return sentences(text, _(
            "Here there are {teeth} teeth for {n} bends, so every tooth may get one and this argument gives no floor "
            "(0). With more folds it does: from k = {k} on the teeth outnumber the ReLUs of the same-size fat "
            "network.").format(teeth=teeth, n=n, k=FLOOR_FROM_K))
    return sentences(text, _(
        "So at least {free} of the {teeth} teeth contain no bend, and across each of those the network is a single "
        "straight line. The best straight line through a tooth's points still misses them (by about 1/12 in squared "
        "error: for a tent, the best line is the constant ½). Adding the {free} smallest of those misses and "
        "dividing by the number of points gives the floor: **{floor}**, whatever the weights.").format(
            free=teeth - n, teeth=teeth, floor=_mse(result.fat_bound)))


def attempt_rows(result: depth_wins.DepthWins) -> list[dict]:
    """Every training run, the failures included."""
    return [{_("Network"): _(FAMILY_NAMES[net.label.split(",")[0]]),
             _("Started from"): depth_wins.start_text(net.start), _("Mean squared error"): _mse(net.mse),
             _("Hidden layers with the same output for every x"): net.constant_layers} for net in result.attempts]


def attempts_figure(result: depth_wins.DepthWins, steps: int) -> go.Figure:
    """Each training run's mean squared error against the optimizer steps (log scale)."""
    fig = go.Figure()
    for net in result.attempts:
        color = FAT_COLOR if net.label.startswith("fat") else FAILED_COLOR
        x = np.linspace(0, steps, net.loss_curve.size) if net.loss_curve.size > 1 else [0]
        fig.add_trace(go.Scatter(x=x, y=net.loss_curve, mode="lines", line=dict(color=color, width=1.5),
                                 name=_("{network}, {start}").format(network=_(FAMILY_NAMES[net.label.split(",")[0]]),
                                                                     start=depth_wins.start_text(net.start))))
    fig.update_yaxes(type="log")
    return layout(fig, _("Adam steps (full batch)"), _("mean squared error (log scale)"), height=300)


def wins_findings(result: depth_wins.DepthWins, tries: int) -> list[str]:
    """What this run showed, in plain words (Markdown), from its numbers."""
    k, deep, fat, failed = result.k, result.deep_built, result.fat_trained, result.deep_trained
    n = fat.hidden[0]
    lines = [_("**Depth wins in what a network of this size can represent.** With {k} hidden layers of 2 ReLUs "
               "({deep_params} parameters) the deep network draws all {teeth} teeth: mean squared error {deep_mse}. "
               "One hidden layer of {n} ReLUs has the same {fat_params} parameters but makes at most {fat_pieces} "
               "straight pieces, against the sawtooth's {deep_pieces}; the best fat network found ends at "
               "{fat_mse}.").format(k=k, deep_params=deep.params, teeth=result.teeth, deep_mse=_mse(deep.mse), n=n,
                                    fat_params=fat.params, fat_pieces=result.fat_max_pieces,
                                    deep_pieces=result.deep_pieces, fat_mse=_mse(fat.mse))]
    if result.fat_bound > 0:
        lines[0] = sentences(lines[0], _("No fat network of this size can get below **{floor}** on these "
                                         "points.").format(floor=_mse(result.fat_bound)))
    else:
        lines[0] = sentences(lines[0], _("(At k = {k} the sawtooth has no more teeth, {teeth}, than the fat network "
                                         "has ReLUs, {n}, so the simple floor below is 0; from k = {from_k} on it is "
                                         "above 0.)").format(k=k, teeth=result.teeth, n=n, from_k=FLOOR_FROM_K))
    starts = (_("{tries} random starts (seed {first} to {last})") if tries > 1 else
              _("1 random start (seed {first})")).format(tries=tries, first=result.seed, last=result.seed + tries - 1)
    if failed.mse > fat.mse:
        flat = np.ptp(failed.y) < 1e-9
        what = (_("its output is the same number, {value:.3f}, for every x: the best a flat line can do is the "
                  "sawtooth's mean, with error {error:.3g}").format(value=failed.y[0], error=np.var(result.target))
                if flat else _("it is worse than the fat network"))
        layers = (ngettext("In {n} of its {k} hidden layers both ReLUs give the same output for every x, so nothing "
                           "after them can depend on x.",
                           "In {n} of its {k} hidden layers both ReLUs give the same output for every x, so nothing "
                           "after them can depend on x.", failed.constant_layers).format(n=failed.constant_layers, k=k)
                  if failed.constant_layers else "")
        lines.append(sentences(
            _("**Gradient descent does not find the deep construction here.** From {starts}, the best trained deep "
              "network ends at mean squared error **{mse}**: {what}.").format(starts=starts, mse=_mse(failed.mse),
                                                                               what=what),
            layers,
            _("The deep weights exist, but training from a random start does not reach them. That is one reason "
              "training deep networks needs special techniques (ReLU, a careful start, …); section 4 shows what goes "
              "wrong with sigmoids and how those techniques help.")))
    else:
        lines.append(_("**This time gradient descent found a good deep network:** from {starts}, the best trained "
                       "deep network ends at {mse}, below the best fat one. Other seeds often end flat.").format(
                           starts=starts, mse=_mse(failed.mse)))
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
        fig.add_trace(go.Scatter(x=layers, y=g, mode="lines+markers", name=_hidden_layers(depth),
                                 line=dict(color=color, width=2.5), marker=dict(size=7),
                                 text=[_("layer {i}").format(i=i) for i in layers[:-1]] + [_("output layer")],
                                 hovertemplate="%{text}: %{y:.2e}<extra></extra>"))
    fig.update_yaxes(type="log", range=y_range, exponentformat="power")
    fig.update_xaxes(dtick=1)
    return layout(fig, _("layer (last point: output)"), _("mean |∂(L/N)/∂w| in the layer (log)"),
                  height=320)


def _hidden_layers(depth: int) -> str:
    return ngettext("{n} hidden layer", "{n} hidden layers", depth).format(n=depth)


def curve_figure(result: depth_hurts.DepthHurts, family: str, y_max: float) -> go.Figure:
    """Training loss L/N against epochs, one line per depth, and the chance level ln 10."""
    fig = go.Figure()
    for depth, color in zip(result.depths, DEPTH_COLORS):
        c = result.curve(family, depth)
        fig.add_trace(go.Scatter(x=c.epoch, y=c.loss, mode="lines", name=_hidden_layers(depth),
                                 line=dict(color=color, width=2.5)))
    chance = math.log(10)
    fig.add_hline(y=chance, line=dict(color=TARGET_COLOR, dash="dot"),
                  annotation_text=_("guessing: ln 10 = {chance:.2f}").format(chance=chance),
                  annotation_position="top right")
    fig.update_yaxes(range=[0, y_max])
    return layout(fig, _("epoch"), _("training loss L/N (cross-entropy)"), height=300)


def curve_top(result: depth_hurts.DepthHurts) -> float:
    return 1.1 * max(float(np.max(c.loss)) for c in result.curves)


def hurts_rows(result: depth_hurts.DepthHurts) -> list[dict]:
    """One row per network: its gradient at both ends at the start, and where training took it."""
    rows = []
    for g in result.gradients:
        c = result.curve(g.family, g.depth)
        rows.append({_("Network"): _(FAMILY_TITLES[g.family]), _("Layers"): g.depth,
                     _("|∂(L/N)/∂w|, layer 1"): f"{g.mean_abs_grad[0]:.2e}",
                     _("output layer"): f"{g.mean_abs_grad[-1]:.2e}",
                     _("layer 1 ÷ output"): f"{g.mean_abs_grad[0] / g.mean_abs_grad[-1]:.1e}",
                     _("Loss, epoch {epoch:g}").format(epoch=c.epoch[-1]): f"{c.loss[-1]:.3g}",
                     _("Test right"): f"{100 * c.test_accuracy[-1]:.1f}%"})
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
        lines.append(_("**With {depth} sigmoid layers the gradient vanishes towards the input.** At the start, mean "
                       "|∂(L/N)/∂w| is {first:.1e} in layer 1 and {last:.1e} in the output layer. Each step down "
                       "through a hidden layer multiplies it by about {factor:.2f}: backpropagation multiplies by "
                       "σ′(z) at every layer, and σ′(z) ≤ ¼.").format(
                           depth=deepest, first=g.mean_abs_grad[0], last=g.mean_abs_grad[-1],
                           factor=shrink_per_layer(g)))
        stalled = abs(c.loss[-1] - chance) < 0.05
        outcome = (_("So it does not learn: after {epochs:g} epochs its loss is {loss:.3g} (guessing every digit "
                     "equally likely gives ln 10 = {chance:.2f}) and its test accuracy is {accuracy:.1f}%.")
                   if stalled else
                   _("So it learns slowly: after {epochs:g} epochs its loss is {loss:.3g} (guessing every digit "
                     "equally likely gives ln 10 = {chance:.2f}) and its test accuracy is {accuracy:.1f}%."))
        lines.append(sentences(
            outcome.format(epochs=c.epoch[-1], loss=c.loss[-1], chance=chance, accuracy=100 * c.test_accuracy[-1]),
            _("The same sigmoids with {depth} hidden layers reach {accuracy:.1f}%.").format(
                depth=shallowest, accuracy=100 * shallow.test_accuracy[-1]),
            _("**More hidden layers is not automatically better.**")))
    fixes = []
    if "relu" in families:
        g, c = result.gradient("relu", deepest), result.curve("relu", deepest)
        hidden = g.mean_abs_grad[:-1]
        fixes.append(_("ReLU (σ′ = 1 wherever a neuron is on) keeps every hidden layer's gradient between {low:.1e} "
                       "and {high:.1e}, and {depth} layers reach {accuracy:.1f}%").format(
                           low=hidden.min(), high=hidden.max(), depth=deepest, accuracy=100 * c.test_accuracy[-1]))
    if "sigmoid_x4" in families:
        g, c = result.gradient("sigmoid_x4", deepest), result.curve("sigmoid_x4", deepest)
        falling = c.loss[-1] < 0.95 * c.loss[max(0, len(c.loss) - 6)]
        if "sigmoid" in families:
            fix = _("sigmoids that start with weights about 4 times larger (undoing σ′(0) = ¼) give layer 1 "
                    "{first:.1e}, {times:,.0f} times more, and {depth} layers reach {accuracy:.1f}%")
        else:
            fix = _("sigmoids that start with weights about 4 times larger (undoing σ′(0) = ¼) give layer 1 "
                    "{first:.1e}, and {depth} layers reach {accuracy:.1f}%")
        loss = (_("(loss {loss:.3g}, still falling)") if falling else _("(loss {loss:.3g})")).format(loss=c.loss[-1])
        times = (g.mean_abs_grad[0] / result.gradient("sigmoid", deepest).mean_abs_grad[0]
                 if "sigmoid" in families else None)
        fixes.append(pgettext("a phrase and its bracket", "{phrase} {bracket}").format(
            phrase=fix.format(first=g.mean_abs_grad[0], times=times, depth=deepest,
                              accuracy=100 * c.test_accuracy[-1]), bracket=loss))
    if fixes:
        lines.append(_("**What helps:** {fixes}. A deeper network can represent more (section 3), but only if "
                       "gradient descent can still train it.").format(fixes=pgettext("list", "; ").join(fixes)))
    return lines
