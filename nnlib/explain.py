"""Numbers a lesson shows next to the network: the matrix form as LaTeX, softmax, cross-entropy terms.

Everything here takes numbers computed by the rest of nnlib (``model.trace``,
``per_example_loss``) and arranges them for a reader; no new math is hidden here.
Results are NumPy or plain strings (the UI edge).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import activations, backend, losses

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


def multiply_adds(sizes) -> int:
    """Multiply-adds for one input through a fully connected network: Σ n_in·n_out over the layers."""
    sizes = list(sizes)
    return sum(a * b for a, b in zip(sizes, sizes[1:]))


def softmax_values(z) -> np.ndarray:
    """y = softmax(z) for one vector z (n,), computed by nnlib's softmax on the active backend."""
    z = np.asarray(z, dtype=np.float64)
    return backend.to_numpy(activations.softmax(backend.asarray(z[None, :], "float64")))[0]


def exponentials(z) -> np.ndarray:
    """e^{z_i} for one vector z (n,): the unnormalised scores softmax divides by their sum."""
    z = np.asarray(z, dtype=np.float64)
    return backend.to_numpy(backend.xp.exp(backend.asarray(z, "float64")))


def cross_entropy_terms(y, target: int) -> np.ndarray:
    """Each term −ŷᵢ ln yᵢ of C(y, ŷ) for a one-hot ŷ with the true class ``target``; their sum is C.

    y: probabilities (n,). Uses nnlib's cross-entropy on each one-hot coordinate, so the
    clipping that keeps ln(0) finite is the library's.
    """
    y = np.asarray(y, dtype=np.float64)
    if not 0 <= int(target) < y.shape[0]:
        raise ValueError(f"target must be a class from 0 to {y.shape[0] - 1}. Received: target={target!r}")
    t = np.zeros_like(y)
    t[int(target)] = 1.0
    # Row i holds only the i-th coordinate of y and ŷ, so per_example gives the i-th term alone.
    ce = losses.get("cross_entropy")
    eye = np.eye(y.shape[0])
    yy, tt = backend.asarray(eye * y + (1 - eye), "float64"), backend.asarray(eye * t, "float64")
    return backend.to_numpy(ce.per_example(yy, tt)) + 0.0  # + 0.0 turns −0.0 into 0.0 for display


@dataclass(frozen=True)
class Contributors:
    """The examples with the largest Cⁿ: their indices, losses and share of L = Σₙ Cⁿ."""

    index: np.ndarray
    loss: np.ndarray
    share: np.ndarray
    total: float


def top_contributors(per_example, k: int = 5) -> Contributors:
    """The k examples that add most to the total loss L = Σₙ Cⁿ (largest first)."""
    per_example = np.asarray(per_example, dtype=float)
    k = max(0, min(int(k), per_example.shape[0]))
    order = np.argsort(-per_example, kind="stable")[:k]
    total = float(per_example.sum())
    share = per_example[order] / total if total > 0 else np.zeros(k)
    return Contributors(order, per_example[order], share, total)


def random_function(spec, seed: int, scale: float = 3.0):
    """One member of the function set that ``spec`` defines, with a random θ.

    Each weight of a layer with n_in inputs is drawn from N(0, scale²/n_in) and each bias
    from N(0, (scale/6)²). Dividing by n_in keeps every z of about the same size whatever
    the width, so ``scale`` alone sets how wiggly the functions get. Training starts from a
    gentler initialisation (see nnlib.initializers); this draw is for *showing* the set.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive. Received: scale={scale!r}")
    model = spec.build(seed=seed, dtype="float32")
    rng = np.random.default_rng(seed)
    theta = [rng.normal(0.0, scale / np.sqrt(p.shape[1]), size=p.shape) if p.ndim == 2
             else rng.normal(0.0, scale / 6.0, size=p.shape) for p in model.get_weights()]
    model.set_weights(theta)
    return model


def time_batched_vs_one_by_one(model, X, loop_limit: int = 200) -> tuple[float, float]:
    """Seconds per input for X (N, n_in): all rows as one chain of matrix products vs one row at a time.

    The one-at-a-time loop runs on the first ``loop_limit`` rows only (it is slow: that is the point).
    ``predict`` returns NumPy, so a GPU is synchronised inside both timings.
    """
    X = np.asarray(X)
    model.predict(X[:2])  # warm up: first calls allocate
    t0 = time.perf_counter()
    model.predict(X)
    batched = (time.perf_counter() - t0) / X.shape[0]
    rows = X[:loop_limit]
    t0 = time.perf_counter()
    for row in rows:
        model.predict(row[None, :])
    return batched, (time.perf_counter() - t0) / rows.shape[0]
