"""Step 3's views of backpropagation: the lecture network neuron by neuron, and the total gradient.

Every number comes from nnlib (``model.backprop`` and ``nnlib.gradient_check`` on the lecture
network) or ``lessons.total_gradient`` (∂L/∂w = Σₙ ∂Cⁿ/∂w); the output layer's ∂C/∂z formula is
``ui.views.update_rules.output_delta``'s. This module only arranges them as LaTeX and tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import nnlib
from i18n import N_, _
from lessons.total_gradient import TotalGradient
from nnlib import backend
from ui.views.update_rules import output_delta

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


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
    """A number for a formula: 4 significant digits, negatives in brackets so products read right.

    A value that rounds to zero is written 0, never −0; a tiny or huge one as m × 10^k, not 1e-05.
    """
    s = f"{float(v):.4g}"
    if float(s) == 0.0:
        return "0"
    if "e" in s:
        mantissa, exponent = s.split("e")
        s = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"({s})" if s.startswith("-") else s


def _input_symbol(layer: int, i: int) -> str:
    return f"x_{{{i + 1}}}" if layer == 1 else f"a^{{{layer - 1}}}_{{{i + 1}}}"


def _aligned(*rows: str) -> str:
    """Several lines under one another, lined up at their '&' (KaTeX's aligned block)."""
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def _activation_symbol(name: str) -> str:
    return r"\sigma" if name == "sigmoid" else rf"\text{{{name}}}"


def _fused(model) -> bool:
    """Softmax output with cross-entropy: nnlib computes the output δ as y − ŷ straight from the logits."""
    return model.loss.name == "cross_entropy" and model.layers[-1].activation.name == "softmax"


def _output_gradient_rows(loss, y: float, t: float, k: int, j: int, dc_dy: float) -> tuple[str, str]:
    """∂C/∂yⱼ for the loss in use, as formula and numbers (j is 1-based; k outputs)."""
    yj, tj, d = f"y_{{{j}}}", rf"\hat y_{{{j}}}", rf"\frac{{\partial C}}{{\partial y_{{{j}}}}}"
    if isinstance(loss, nnlib.losses.CrossEntropy):
        return rf"{d} &= -\frac{{{tj}}}{{{yj}}}", rf"&= -\frac{{{_n(t)}}}{{{_n(y)}}} = {_n(dc_dy)}"
    return (rf"{d} &= \frac{{2}}{{{k}}}({yj} - {tj})", rf"&= \frac{{2}}{{{k}}}({_n(y)} - {_n(t)}) = {_n(dc_dy)}")


def _softmax_row(l: int, j: int, z) -> str:
    """yⱼ = e^{zⱼ} / Σₖ e^{zₖ} with the layer's numbers: softmax needs every z of its layer."""
    zs = [rf"z^{{{l}}}_{{{k + 1}}}" for k in range(len(z))]
    sym = rf"\frac{{e^{{{zs[j]}}}}}{{{' + '.join(f'e^{{{s}}}' for s in zs)}}}"
    num = rf"\frac{{e^{{{_n(z[j])}}}}}{{{' + '.join(f'e^{{{_n(v)}}}' for v in z)}}}"
    return rf"y_{{{j + 1}}} = a^{{{l}}}_{{{j + 1}}} &= \text{{softmax}}(z^{{{l}}})_{{{j + 1}}} = {sym}", rf"&= {num}"


def _forward_step(model, lb, l: int, j: int) -> BackpropStep:
    W, b = model.layers[l - 1].get_weights()
    n_in = W.shape[1]
    terms = " + ".join(rf"w^{{{l}}}_{{{j + 1}{i + 1}}} {_input_symbol(l, i)}" for i in range(n_in))
    nums = " + ".join(rf"{_n(W[j, i])} \cdot {_n(lb.x[0, i])}" for i in range(n_in))
    z, name = rf"z^{{{l}}}_{{{j + 1}}}", model.layers[l - 1].activation.name
    dz_dw = [rf"\frac{{\partial {z}}}{{\partial w^{{{l}}}_{{{j + 1}{i + 1}}}}} &= {_input_symbol(l, i)} "
             rf"= {_n(lb.x[0, i])}" for i in range(n_in)]
    if name == "softmax":
        out = _aligned(*_softmax_row(l, j, lb.z[0]), rf"&= {_n(lb.a[0, j])}")
    else:
        act = _activation_symbol(name)
        out = rf"a^{{{l}}}_{{{j + 1}}} = {act}({z}) = {act}({_n(lb.z[0, j])}) = {_n(lb.a[0, j])}"
    title = _("Forward pass · layer {layer}, neuron {neuron}").format(layer=l, neuron=j + 1)
    return BackpropStep("forward", l, j, title, (
        _aligned(rf"{z} &= {terms} + b^{{{l}}}_{{{j + 1}}}", rf"&= {nums} + {_n(b[j])}", rf"&= {_n(lb.z[0, j])}"),
        out, _aligned(*dz_dw)))


def _output_delta_rows(model, lb, l: int, j: int, target, dc_dy: float) -> tuple[str, ...]:
    """The output layer's ∂C/∂zⱼ: the loss's formula (update_rules.output_delta), then this neuron's numbers."""
    formula = output_delta(model.loss, model.layers[-1].activation).latex
    dcdz, delta, y = rf"\frac{{\partial C}}{{\partial z^{{{l}}}_{{{j + 1}}}}}", lb.delta[0, j], lb.a[0, j]
    if _fused(model):
        return formula, rf"{dcdz} = y_{{{j + 1}}} - \hat y_{{{j + 1}}} = {_n(y)} - {_n(target[j])} = {_n(delta)}"
    if lb.sigma_prime is None:  # another loss after softmax: the full Jacobian, numbers only
        return formula, rf"{dcdz} = {_n(delta)}"
    z, sp = rf"z^{{{l}}}_{{{j + 1}}}", lb.sigma_prime[0, j]
    if model.layers[l - 1].activation.name == "sigmoid":
        sp_line = _aligned(rf"\sigma'({z}) &= y_{{{j + 1}}}(1 - y_{{{j + 1}}})",
                           rf"&= {_n(y)}\,(1 - {_n(y)}) = {_n(sp)}")
    else:
        sp_line = rf"\sigma'({z}) = {_n(sp)}"
    # Short rows, one result per row, so every line fits a phone's width.
    return (formula, _aligned(*_output_gradient_rows(model.loss, y, target[j], lb.a.shape[1], j + 1, dc_dy)),
            sp_line, _aligned(rf"{dcdz} &= \sigma'({z})\,\frac{{\partial C}}{{\partial y_{j + 1}}}",
                              rf"&= {_n(sp)} \cdot {_n(dc_dy)} = {_n(delta)}"))


def _backward_step(model, layers, l: int, j: int, target, dc_dy) -> BackpropStep:
    lb, last = layers[l - 1], len(layers)
    z, dcdz = rf"z^{{{l}}}_{{{j + 1}}}", rf"\frac{{\partial C}}{{\partial z^{{{l}}}_{{{j + 1}}}}}"
    if l == last:
        chain = _output_delta_rows(model, lb, l, j, target, dc_dy[j])
    else:
        sp, a, delta = lb.sigma_prime[0, j], lb.a[0, j], lb.delta[0, j]
        if model.layers[l - 1].activation.name == "sigmoid":
            sp_line = _aligned(rf"\sigma'({z}) &= a(1 - a)", rf"&= {_n(a)}\,(1 - {_n(a)}) = {_n(sp)}")
        else:
            sp_line = rf"\sigma'({z}) = {_n(sp)}"
        above, W_up = layers[l], model.layers[l].get_weights()[0]
        terms = " + ".join(
            rf"w^{{{l + 1}}}_{{{k + 1}{j + 1}}} \frac{{\partial C}}{{\partial z^{{{l + 1}}}_{{{k + 1}}}}}"
            for k in range(W_up.shape[0]))
        nums = " + ".join(rf"{_n(W_up[k, j])} \cdot {_n(above.delta[0, k])}" for k in range(W_up.shape[0]))
        chain = (sp_line, _aligned(rf"{dcdz} &= \sigma'({z})\,\Big[{terms}\Big]",
                                   rf"&= {_n(sp)}\,\big[{nums}\big]", rf"&= {_n(delta)}"))
    grads = _aligned(*(row for i in range(lb.x.shape[1]) for row in (
        rf"\frac{{\partial C}}{{\partial w^{{{l}}}_{{{j + 1}{i + 1}}}}} &= "
        rf"\frac{{\partial {z}}}{{\partial w^{{{l}}}_{{{j + 1}{i + 1}}}}}\,{dcdz}",
        rf"&= {_n(lb.x[0, i])} \cdot {_n(lb.delta[0, j])} = {_n(lb.grad_W[j, i])}")))
    title = (_("Backward pass · output layer, neuron {neuron}").format(neuron=j + 1) if l == last else
             _("Backward pass · layer {layer}, neuron {neuron}").format(layer=l, neuron=j + 1))
    return BackpropStep("backward", l, j, title, (*chain, grads))


def _one_example(model, x, target):
    """model.backprop on one example (sum reduction: the gradient of C itself), and ∂C/∂y at the output."""
    x, target = np.asarray(x, dtype=float), np.asarray(target, dtype=float)
    layers = model.backprop(x[None, :], target[None, :], reduction="sum")
    # ∂C/∂y at the output, from the loss itself: where the backward pass starts (unused when fused).
    a_out = backend.asarray(layers[-1].a, model.dtype)
    dc_dy = backend.to_numpy(model.loss.grad(a_out, backend.asarray(target[None, :], model.dtype)))[0]
    return layers, target, dc_dy


def backprop_steps(model, x, target) -> list[BackpropStep]:
    """The forward pass neuron by neuron, then the backward pass from the output back, for one example."""
    layers, target, dc_dy = _one_example(model, x, target)
    steps = [_forward_step(model, lb, l, j) for l, lb in enumerate(layers, start=1) for j in range(lb.z.shape[1])]
    steps += [_backward_step(model, layers, l, j, target, dc_dy)
              for l in range(len(layers), 0, -1) for j in range(layers[l - 1].z.shape[1])]
    return steps


def output_layer_latex(model, x, target) -> tuple[str, str]:
    """Where the backward pass starts: the loss's output ∂C/∂zᵢ formula, and its numbers for every output i."""
    layers, target, dc_dy = _one_example(model, x, target)
    l, lb = len(layers), layers[-1]
    rows = [_output_delta_rows(model, lb, l, j, target, dc_dy[j]) for j in range(lb.z.shape[1])]
    if _fused(model):
        numbers = [row[1].replace(" = ", " &= ", 1) for row in rows]
    else:
        k = lb.a.shape[1]
        numbers = [rf"\frac{{\partial C}}{{\partial z^{{{l}}}_{{{j + 1}}}}} &= \frac{{2}}{{{k}}}({_n(lb.a[0, j])} - "
                   rf"{_n(target[j])})\cdot {_n(lb.sigma_prime[0, j])} = {_n(lb.delta[0, j])}"
                   if model.loss.name == "mse" and lb.sigma_prime is not None else
                   rf"\frac{{\partial C}}{{\partial z^{{{l}}}_{{{j + 1}}}}} &= {_n(lb.delta[0, j])}"
                   for j in range(lb.z.shape[1])]
    return rows[0][0], _aligned(*numbers)


def _param_name(l: int, kind: str, j: int, i: int = 0) -> str:
    """w¹₁₂ (layer 1, neuron 1, input 2) or b¹₁, as the slides write them; all 0-based in."""
    sup, sub = str(l + 1).translate(_SUP), str(j + 1).translate(_SUB)
    return f"w{sup}{sub}{str(i + 1).translate(_SUB)}" if kind == "W" else f"b{sup}{sub}"


def parameter_labels(model) -> list[str]:
    """One label per parameter, in ``model.params`` order (w¹₁₁, w¹₁₂, …, b¹₁, …)."""
    out = []
    for l, layer in enumerate(model.layers):
        out += [_param_name(l, "W", j, i) for j in range(layer.n_out) for i in range(layer.n_in)]
        out += [_param_name(l, "b", j) for j in range(layer.n_out)] if layer.use_bias else []
    return out


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
            dz_dw = layers[l].x[0, i]
            source = f"x{str(i + 1).translate(_SUB)}" if l == 0 else \
                f"a{str(l).translate(_SUP)}{str(i + 1).translate(_SUB)}"
            name = _param_name(l, kind, j, i)
            link = _("{source} → layer {layer} neuron {neuron}").format(source=source, layer=l + 1, neuron=j + 1)
        else:
            name, dz_dw = _param_name(l, kind, j), 1.0
            link = _("bias of layer {layer} neuron {neuron}").format(layer=l + 1, neuron=j + 1)
        rows.append({"parameter": name, "link": link, "∂z/∂w": dz_dw + 0.0, "∂C/∂z": layers[l].delta[0, j] + 0.0,
                     "backprop ∂C/∂w": g + 0.0, "finite difference": fd + 0.0, "relative error": err})  # no −0.0
    return pd.DataFrame(rows)


# --- the total gradient ∂L/∂w = Σₙ ∂Cⁿ/∂w ----------------------------------------------------------
SUM_COLUMN, NUMERIC_COLUMN = "Σₙ ∂Cⁿ/∂w", "finite difference ∂L/∂w"

# The worded columns' headers as a student reads them (the tables keep these stable names; tests read them).
COLUMN_LABELS = {
    "parameter": N_("parameter"), "link": N_("link"), "backprop ∂C/∂w": N_("backprop ∂C/∂w"),
    "finite difference": N_("finite difference"), "relative error": N_("relative error"),
    NUMERIC_COLUMN: N_("finite difference ∂L/∂w"), "difference": N_("difference"),
}


def column_labels(table: pd.DataFrame) -> dict[str, str]:
    """``column_config`` for st.dataframe: each worded column's header in the session's language."""
    return {c: _(COLUMN_LABELS[c]) for c in table.columns if c in COLUMN_LABELS}


def example_column(n: int) -> str:
    """The column of example n (1-based): ∂C¹/∂w, ∂C²/∂w, …"""
    return f"∂C{str(n).translate(_SUP)}/∂w"


def total_loss_latex(result: TotalGradient) -> str:
    """L = C¹ + C² + … with each example's loss: the sum the table's gradients belong to."""
    terms = " + ".join(f"C^{{{n + 1}}}" for n in range(len(result.example_losses)))
    values = " + ".join(_n(c) for c in result.example_losses)
    return rf"L = {terms} = {values} = {_n(result.total_loss)}"


def total_gradient_table(model, result: TotalGradient) -> pd.DataFrame:
    """One row per parameter: each example's ∂Cⁿ/∂w, their sum, the finite difference of L, and the gap."""
    labels = parameter_labels(model)
    if len(labels) != len(result.names):
        raise ValueError(f"the result has {len(result.names)} parameters; this model has {len(labels)}.")
    columns = {"parameter": labels}
    # + 0.0 turns −0.0 (an input of 0 times a negative δ) into 0, so no cell reads "-0.000000".
    columns |= {example_column(n + 1): result.per_example[n] + 0.0 for n in range(result.per_example.shape[0])}
    columns |= {SUM_COLUMN: result.summed + 0.0, NUMERIC_COLUMN: result.numeric + 0.0,
                "difference": result.summed - result.numeric}
    return pd.DataFrame(columns)
