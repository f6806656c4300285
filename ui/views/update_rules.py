"""Each optimizer's update rule, and each loss's ∂C/∂z at the output layer, written as LaTeX.

The formulas are what nnlib computes (``nnlib/optimizers.py``, ``nnlib/losses.py``,
``nnlib/activations.py``); ``tests/test_update_rules.py`` checks every one against the code.
Which loss the gradient is of: a training step (``nnlib.training.train_step``) calls
``model.backward(..., reduction='mean')``, so g is the gradient of the MEAN loss over the
examples of the step: L/N over the whole set for gradient descent, the batch mean for the
others. L/N has the same minimum and direction as the lecture's L = Σₙ Cⁿ, N times smaller,
so a learning rate η does not have to change with the size of the data set.

Symbols follow the lecture: y is the network's output, ŷ the (one-hot) target, η the learning rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from i18n import _
from nnlib import activations, losses, optimizers

_ARROW = r"\leftarrow"


def latex_constant(v: float) -> str:
    """A constant for LaTeX: 0.1, 0.999, 10^{-8}, 3 \\times 10^{-5}."""
    v = float(v)
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:g}"
    mantissa, exponent = f"{v:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \times {power}"


@dataclass(frozen=True)
class UpdateRule:
    """One optimizer's step, as LaTeX lines in the order the code applies them.

    gradient: what g is (which loss, over which examples). decay: the weight-decay line, or ''.
    lines: the update itself. constants: the values of η, μ, β₁, β₂, ε, λ in use. note: plain text.
    """

    name: str
    title: str
    gradient: str
    decay: str
    lines: tuple[str, ...]
    constants: str
    note: str

    def latex(self) -> str:
        """Everything in one aligned block: g, the decay (if any), then the update lines."""
        rows = [self.gradient] + ([self.decay] if self.decay else []) + list(self.lines)
        return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"

    def values_latex(self, size: str = "") -> str:
        """The constants in use: η and ``size`` (e.g. 'B = 16' or 'N = 200') on one line, the others below.

        Two short lines rather than one long one, so Adam's constants fit a phone's width.
        """
        eta, *others = self.constants.split(r",\ ")
        first = r",\ ".join([eta, size] if size else [eta])
        return first if not others else r"\begin{gathered}" + first + r" \\ " + r",\ ".join(others) + r"\end{gathered}"


def _gradient_line(full_batch: bool) -> str:
    if full_batch:
        return r"g &= \nabla_\theta \frac{L}{N} = \frac{1}{N}\sum_{n=1}^{N} \nabla_\theta C^n"
    return r"g &= \nabla_\theta \frac{1}{B}\sum_{n \in \text{" + _("batch") + r"}} C^n"


def update_rule(optimizer, batch_size: int | None = 32) -> UpdateRule:
    """The update rule of ``optimizer`` (a name, 'gd' 'sgd' 'momentum' 'adam', or an instance).

    batch_size: examples per step as the Trainer takes it; None (or 'gd') means the whole set.
    A name gets the optimizer's default constants.
    """
    opt = optimizers.get(optimizer)
    full = batch_size is None or getattr(opt, "full_batch", False)
    eta, lam, lam1 = opt.learning_rate, opt.weight_decay, getattr(opt, "l1", 0.0)
    constants = [rf"\eta = {latex_constant(eta)}"]
    # Regularisation acts through the gradient (nnlib.optimizers.Optimizer._decayed): L2 adds λ₂W, L1 λ₁ sign(W).
    terms = ([r"\lambda_2 W" if lam1 else r"\lambda W"] if lam else []) + ([r"\lambda_1 \operatorname{sign}(W)"]
                                                                          if lam1 else [])
    decay = ""
    if terms:
        decay = (rf"g_W &\leftarrow g_W + {' + '.join(terms)} \quad "
                 r"(\text{" + _("weight matrices only; biases keep") + r" } g)")
    which = (_("the gradient of L/N, the mean loss over all N training examples, every step: the lecture's "
               "L = Σₙ Cⁿ scaled by 1/N, so it has the same minimiser and the same downhill direction, and a "
               "good η does not depend on N")
             if full else
             _("the gradient of the mean loss over a batch of B = {b} examples (the last batch "
               "of an epoch holds what is left over when B does not divide N)").format(b=batch_size))
    if isinstance(opt, optimizers.Adam):
        title = "Adam"
        constants += [rf"\beta_1 = {latex_constant(opt.beta1)}", rf"\beta_2 = {latex_constant(opt.beta2)}",
                      rf"\epsilon = {latex_constant(opt.epsilon)}"]
        lines = (rf"m &{_ARROW} \beta_1 m + (1 - \beta_1)\, g",
                 rf"v &{_ARROW} \beta_2 v + (1 - \beta_2)\, g^2",
                 r"\hat m &= \frac{m}{1 - \beta_1^{\,t}}, \quad \hat v = \frac{v}{1 - \beta_2^{\,t}}",
                 rf"\theta &{_ARROW} \theta - \eta \, \frac{{\hat m}}{{\sqrt{{\hat v}} + \epsilon}}")
        note = _("g is {which}. m and v start at 0 and t counts the steps from 1; squares, roots and "
                 "the division act on each parameter separately, so every parameter gets its own step size.").format(
            which=which)
    elif isinstance(opt, optimizers.Momentum):
        title = _("Momentum")
        constants.append(rf"\mu = {latex_constant(opt.momentum)}")
        lines = (rf"v &{_ARROW} \mu v - \eta\, g", rf"\theta &{_ARROW} \theta + v")
        note = _("g is {which}. The velocity v starts at 0 and remembers earlier steps.").format(which=which)
    elif isinstance(opt, optimizers.SGD):
        title = _("Gradient descent") if full else _("Stochastic gradient descent (minibatch)")
        lines = (rf"\theta &{_ARROW} \theta - \eta\, g",)
        note = _("g is {which}.").format(which=which)
    else:
        raise ValueError(f"no update rule is written for optimizer {opt.name!r}.")
    if lam:
        constants.append(rf"\lambda{'_2' if lam1 else ''} = {latex_constant(lam)}")
    if lam1:
        constants.append(rf"\lambda_1 = {latex_constant(lam1)}")
    return UpdateRule(opt.name, title, _gradient_line(full), decay, lines, r",\ ".join(constants), note)


# --- the output layer's ∂C/∂z ------------------------------------------------------------
# σ′(z) of each elementwise activation, written with y = σ(z) where the code does so.
_SIGMA_PRIME = {"sigmoid": r"y_i(1 - y_i)", "tanh": r"1 - y_i^2", "relu": r"\mathbb{1}[z_i > 0]", "linear": "1"}


@dataclass(frozen=True)
class OutputDelta:
    """The output layer's ∂C/∂z for one loss after one output activation (k outputs)."""

    loss: str
    activation: str
    latex: str
    note: str


def output_delta(loss, activation) -> OutputDelta:
    """∂C/∂zᵢ of the output layer as LaTeX, for a loss ('cross_entropy', 'mse') after an activation."""
    loss, act = losses.get(loss).name, activations.get(activation).name
    lhs = r"\frac{\partial C}{\partial z_i} = "
    if loss == "cross_entropy" and act == "softmax":
        return OutputDelta(loss, act, lhs + r"y_i - \hat{y}_i",
                           _("Softmax and cross-entropy fused: the library computes y − ŷ from the logits z."))
    if loss == "mse":
        g = r"\frac{2}{k}(y_i - \hat{y}_i)"
        base = _("C = (1/k) Σᵢ (yᵢ − ŷᵢ)², the mean over the k outputs, so ∂C/∂yᵢ = (2/k)(yᵢ − ŷᵢ).")
        if act == "softmax":
            return OutputDelta(loss, act, lhs + r"y_i\Big(g_i - \sum_j y_j g_j\Big), \quad g_i = " + g,
                               base + " " + _("Softmax mixes the outputs, so its full Jacobian applies."))
        if act == "linear":
            return OutputDelta(loss, act, lhs + g, base + " " + _("A linear output has σ′ = 1."))
        return OutputDelta(loss, act, lhs + g + r"\,\sigma'(z_i), \quad \sigma'(z_i) = " + _SIGMA_PRIME[act],
                           base + " " + _("Then ∂C/∂z = ∂C/∂y · σ′(z)."))
    return OutputDelta(loss, act, lhs + r"-\frac{\hat{y}_i}{y_i}\,\sigma'(z_i), \quad \sigma'(z_i) = "
                       + _SIGMA_PRIME[act],
                       _("C = −Σᵢ ŷᵢ ln yᵢ without a softmax: ∂C/∂yᵢ = −ŷᵢ/yᵢ (yᵢ clipped at 10⁻¹² first), "
                         "times σ′(z). Cross-entropy belongs after a softmax."))


def _activate(act: str, z: np.ndarray) -> np.ndarray:
    if act == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if act == "tanh":
        return np.tanh(z)
    if act == "relu":
        return np.maximum(z, 0.0)
    if act == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return z


def output_delta_value(loss, activation, z, target) -> np.ndarray:
    """The formula of :func:`output_delta`, evaluated in NumPy: z and one-hot target (N, k) -> (N, k).

    Written from the LaTeX line by line (not by calling nnlib), so a test can hold the two together.
    """
    loss, act = losses.get(loss).name, activations.get(activation).name
    z, t = np.asarray(z, dtype=np.float64), np.asarray(target, dtype=np.float64)
    y, k = _activate(act, z), z.shape[-1]
    prime = {"sigmoid": lambda: y * (1 - y), "tanh": lambda: 1 - y * y,
             "relu": lambda: (z > 0).astype(np.float64), "linear": lambda: np.ones_like(z)}
    if loss == "cross_entropy" and act == "softmax":
        return y - t
    if loss == "mse":
        g = 2.0 / k * (y - t)
        if act == "softmax":
            return y * (g - np.sum(y * g, axis=-1, keepdims=True))
        return g * prime[act]()
    return -t / np.clip(y, 1e-12, 1.0) * prime[act]()
