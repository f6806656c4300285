"""The matrix form a = σ(W·x + b) written as LaTeX, with the numbers nnlib computed.

Only formatting lives here: every number comes from ``model.trace``.
"""

from __future__ import annotations

import numpy as np

from nnlib import activations

# How each activation is written in the matrix form a = σ(W·x + b).
_SYMBOLS = {"sigmoid": r"\sigma", "relu": r"\mathrm{relu}", "tanh": r"\tanh",
            "linear": r"\mathrm{id}", "softmax": r"\mathrm{softmax}"}


def latex_number(v: float, digits: int = 2) -> str:
    """One number for LaTeX, rounded to ``digits`` decimals as on the slides: 4, −2, 0.98 (no '-0', no '4.00')."""
    s = f"{float(v):.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")  # short numbers keep the matrices narrow enough for a phone
    if float(s) == 0.0:
        s = "0"
    return s.replace("-", "{-}")


def matrix_latex(M, digits: int = 2) -> str:
    """A matrix (rows, cols) or a column vector (n,) as a LaTeX bmatrix."""
    M = np.asarray(M, dtype=float)
    rows = M.reshape(-1, 1) if M.ndim == 1 else M
    body = r" \\ ".join(" & ".join(latex_number(v, digits) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def activation_symbol(name: str) -> str:
    return _SYMBOLS.get(activations.get(name).name, r"\sigma")


def layer_latex(index: int, W, x, b, z, a, activation: str = "sigmoid", input_name: str = "x",
                digits: int = 2) -> str:
    """One layer in matrix form with its numbers: aˡ = σ(Wˡ·x + bˡ) = σ(z) = a.

    W: (n_out, n_in), x: (n_in,), b: (n_out,), z and a: (n_out,).
    """
    s = activation_symbol(activation)
    out = f"a^{{{index}}}"
    # Three short lines rather than one long one, so each layer fits a phone screen or a third of a laptop's.
    return (
        r"\begin{aligned}"
        f"{out} &= {s}\\left(W^{{{index}}} {input_name} + b^{{{index}}}\\right) \\\\"
        f"&= {s}\\left({matrix_latex(W, digits)}{matrix_latex(x, digits)} + {matrix_latex(b, digits)}\\right) \\\\"
        f"&= {s}\\left({matrix_latex(z, digits)}\\right) = {matrix_latex(a, digits)}"
        r"\end{aligned}"
    )


def matrix_form_latex(model, x, digits: int = 2) -> list[str]:
    """Every layer of ``model`` for one input x (n_in,), as LaTeX strings whose numbers come from model.trace."""
    trace = model.trace(np.asarray(x, dtype=float)[None, :])
    out = []
    for l, (layer, t) in enumerate(zip(model.layers, trace), start=1):
        W, b = layer.get_weights()
        b = np.zeros(layer.n_out) if b is None else b
        name = "x" if l == 1 else f"a^{{{l - 1}}}"
        out.append(layer_latex(l, W, t.x[0], b, t.z[0], t.a[0], layer.activation.name, name, digits))
    return out
