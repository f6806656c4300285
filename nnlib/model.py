"""A feed-forward network: a chain of Dense layers, input → hidden → output.

The network's structure (layers, neurons, activations) is the lecture's
*function set*; its parameters θ (every W and b) pick one function out of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import activations, backend, losses, training
from .layers import Dense
from .validation import as_numbers, check_choice, check_int, first_bad, shown

REDUCTIONS = ("mean", "sum")


class LayerTrace(NamedTuple):
    """One layer's forward values for a batch: input x (N, n_in), z = x·Wᵀ + b and a = σ(z) (N, n_out).

    Backend arrays from :meth:`Sequential.forward`, NumPy from :meth:`Sequential.trace`.
    """

    x: object
    z: object
    a: object


class Backward(NamedTuple):
    """What :meth:`Sequential.backward` returns, on the backend.

    grads: ∂L/∂θ for every array in ``params``, in the same order [∂L/∂W1, ∂L/∂b1, ...].
    deltas: δ = ∂L/∂z for every layer (N, n_out of that layer), input layer first.
    """

    grads: list
    deltas: list


@dataclass(frozen=True)
class LayerBackprop:
    """One layer's forward and backward values for a batch, as NumPy.

    x: the layer's input, which is ∂z/∂w for every weight (N, n_in).
    z, a: pre-activation and output (N, n_out).
    sigma_prime: σ′(z) (N, n_out), or None for softmax (no elementwise derivative).
    delta: ∂C/∂z, carried back from the output layer (N, n_out).
    grad_W (n_out, n_in), grad_b (n_out,): ∂C/∂W and ∂C/∂b, summed or averaged over the batch.
    """

    x: np.ndarray
    z: np.ndarray
    a: np.ndarray
    sigma_prime: np.ndarray | None
    delta: np.ndarray
    grad_W: np.ndarray
    grad_b: np.ndarray | None


@dataclass(frozen=True)
class Evaluation:
    """Loss and accuracy over a data set; total_loss is the lecture's L = Σₙ Cⁿ.

    accuracy: the share of examples whose largest output is the target's class, or None for a
    one-output network (regression): argmax over one output always agrees, so it would say 100 %.
    """

    total_loss: float
    mean_loss: float
    accuracy: float | None
    n: int


_NO_TARGETS = object()  # check_data's y when left out (None is a mistake: it names no labels)


def _on_host(a) -> bool:
    """Whether check_data converts ``a`` (NumPy, lists, anything not array-like), or uses it as a backend array."""
    return isinstance(a, (np.ndarray, np.generic, list, tuple)) or not hasattr(a, "shape")


class Sequential:
    """A stack of :class:`Dense` layers, trained against ``loss``.

    The default loss, cross-entropy, is fused with a softmax output layer: it is
    computed from the logits, so it stays finite, and its gradient is y − ŷ.
    """

    def __init__(self, layers, loss="cross_entropy"):
        if not isinstance(layers, (list, tuple)):
            raise TypeError(f"layers must be a list of nnlib.Dense layers. Received: layers={shown(layers)}")
        layers = list(layers)
        if not layers:
            raise ValueError("a Sequential model needs at least one layer. Received: layers=[]")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Dense):
                raise ValueError(f"layer {i} must be a nnlib.Dense. Received: {shown(layer)}")
        for i, (below, above) in enumerate(zip(layers, layers[1:]), start=1):
            if above.n_in != below.n_out:
                raise ValueError(
                    f"layer {i + 1} expects {above.n_in} inputs, but layer {i} has "
                    f"{below.n_out} neurons. Received: n_in={above.n_in}"
                )
        dtypes = {layer.dtype for layer in layers}
        if len(dtypes) > 1:
            raise ValueError(f"all layers must share one dtype. Received: {sorted(dtypes)}")
        self.layers = layers
        self.loss = losses.get(loss)

    # --- structure --------------------------------------------------------
    @property
    def n_in(self) -> int:
        return self.layers[0].n_in

    @property
    def n_out(self) -> int:
        return self.layers[-1].n_out

    @property
    def dtype(self) -> str:
        return self.layers[0].dtype

    @property
    def regression(self) -> bool:
        """True for one output and a loss other than cross-entropy: the output is a value, not a class."""
        return self.n_out == 1 and not isinstance(self.loss, losses.CrossEntropy)

    @property
    def params(self) -> list:
        """Every parameter array, in order [W1, b1, W2, b2, ...]; gradients line up with it."""
        return [p for layer in self.layers for p in layer.params]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def sizes(self) -> list[int]:
        """Neurons per layer, input first: e.g. [256, 128, 64, 10]."""
        return [self.n_in] + [layer.n_out for layer in self.layers]

    def config(self) -> dict:
        return {"layers": [layer.config() for layer in self.layers],
                "loss": self.loss.name, "dtype": self.dtype}

    def get_weights(self) -> list[np.ndarray]:
        """Copies of ``params`` as NumPy arrays."""
        return [backend.to_numpy(p).copy() for p in self.params]

    def set_weights(self, weights) -> None:
        """Set every parameter from a list aligned with ``params`` (shapes are checked)."""
        weights = list(weights)
        if len(weights) != len(self.params):
            raise ValueError(f"expected {len(self.params)} arrays (one per parameter). "
                             f"Received {len(weights)}.")
        i = 0
        for layer in self.layers:
            if layer.use_bias:
                layer.set_weights(weights[i], weights[i + 1])
                i += 2
            else:
                layer.set_weights(weights[i])
                i += 1

    def copy(self, dtype=None) -> Sequential:
        """An independent copy (optionally in another dtype); training one never touches the other."""
        layers = [Dense(layer.n_in, layer.n_out, layer.activation, layer.use_bias,
                        dtype=dtype or layer.dtype, seed=0) for layer in self.layers]
        clone = Sequential(layers, loss=self.loss)
        clone.set_weights(self.get_weights())
        return clone

    # --- data at the edge -------------------------------------------------
    def check_data(self, X, y=_NO_TARGETS):
        """Validate data and move it to the backend once: returns ``(X, T)``.

        X: inputs (N, n_in) as NumPy, nested lists or a backend array -> a backend array of the
        model's dtype (NumPy inputs are checked for shape and NaN; backend arrays for shape).
        y: integer labels (N,) or one-hot rows (N, n_out) -> one-hot targets T (N, n_out) on the
        backend; backend targets pass through. A one-output network trained with a loss other than
        cross-entropy (regression) takes its targets as values: (N,) or (N, 1) -> T (N, 1).
        T is None when y is left out (y=None is a TypeError).
        Every other method that takes NumPy calls this, so the checks live in one place.
        """
        X = self._inputs(X)
        return X, (None if y is _NO_TARGETS else self._targets(y, X.shape[0]))

    def _inputs(self, X):
        if _on_host(X):
            raw = as_numbers("X", X)
            with np.errstate(over="ignore"):  # too large for the dtype: refused just below
                X = raw.astype(np.float64 if self.dtype == "float64" else np.float32, copy=False)
            if X.ndim != 2 or X.shape[1] != self.n_in:
                raise ValueError(
                    f"expected inputs X of shape (N, {self.n_in}): one example per row with "
                    f"{self.n_in} values. Received shape {X.shape}."
                )
            finite = np.isfinite(X)
            if not np.all(finite):
                raise ValueError(f"X must hold finite numbers that fit in {self.dtype}. "
                                 f"Received: {first_bad('X', raw, ~finite)}")
            return backend.asarray(X, self.dtype)
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(f"expected inputs X of shape (N, {self.n_in}). Received shape {tuple(X.shape)}.")
        return X

    def _targets(self, y, n: int):
        if y is None:
            raise TypeError(f"y must be class labels (N,) or one-hot rows (N, {self.n_out}). Received: y=None")
        if not _on_host(y):
            return y
        y = as_numbers("y", y)
        if y.ndim == 1 and self.regression:
            y = y[:, None]  # one value per example, not a class label
        if y.ndim == 1:
            y = y.astype(np.int64) if y.dtype.kind == "b" else y
            whole = np.isfinite(y) & (np.mod(y, 1) == 0) if y.dtype.kind == "f" else np.ones(y.shape, bool)
            if not np.all(whole):
                raise ValueError(f"y must hold integer class labels. Received: {first_bad('y', y, ~whole)}")
            if y.size and (y.min() < 0 or y.max() >= self.n_out):
                raise ValueError(f"labels must lie in 0..{self.n_out - 1}. "
                                 f"Received labels from {y.min():g} to {y.max():g} in y.")
            onehot = np.zeros((y.shape[0], self.n_out))
            onehot[np.arange(y.shape[0]), y.astype(np.int64)] = 1.0
            y = onehot
        if y.shape != (n, self.n_out):
            raise ValueError(f"targets y must be {n} labels or one-hot rows of shape "
                             f"({n}, {self.n_out}). Received shape {y.shape}.")
        with np.errstate(over="ignore"):
            finite = np.isfinite(y.astype(self.dtype))
        if not np.all(finite):
            raise ValueError(f"y must hold finite numbers that fit in {self.dtype}. "
                             f"Received: {first_bad('y', y, ~finite)}")
        return backend.asarray(y, self.dtype)

    # --- forward ----------------------------------------------------------
    def forward(self, X) -> list[LayerTrace]:
        """The forward pass on a backend batch X (N, n_in), keeping what backprop needs.

        Returns one :class:`LayerTrace` (x, z, a) per layer, on the backend:
        z = x·Wᵀ + b and a = σ(z), and each layer's x is the a of the layer below.
        """
        cache = []
        a = X
        for layer in self.layers:
            z, a_next = layer.forward(a)
            cache.append(LayerTrace(a, z, a_next))
            a = a_next
        return cache

    def __call__(self, X):
        """The network's output for a backend batch X (N, n_in), on the backend."""
        a = X
        for layer in self.layers:
            a = layer.forward(a)[1]
        return a

    def predict(self, X) -> np.ndarray:
        """Outputs y for NumPy inputs X (N, n_in) or one example (n_in,); returns NumPy."""
        X = as_numbers("X", X) if _on_host(X) else X
        single = X.ndim == 1
        X, _ = self.check_data(X[None, :] if single else X)
        out = backend.to_numpy(self(X))
        return out[0] if single else out

    def predict_classes(self, X) -> np.ndarray:
        return np.argmax(self.predict(np.atleast_2d(X)), axis=1)

    def trace(self, X) -> list[LayerTrace]:
        """Every layer's input x, z and a = σ(z) for inputs X, as NumPy."""
        X = as_numbers("X", X) if _on_host(X) else X
        X, _ = self.check_data(X[None, :] if X.ndim == 1 else X)
        return [LayerTrace(*(backend.to_numpy(v) for v in entry)) for entry in self.forward(X)]

    # --- loss and backward ------------------------------------------------
    def _fused(self) -> bool:
        return (isinstance(self.loss, losses.CrossEntropy)
                and isinstance(self.layers[-1].activation, activations.Softmax))

    def example_losses(self, z, a, T):
        """Cⁿ for every example, on the backend, from the output layer's z and a = σ(z).

        z, a: (N, n_out), e.g. ``forward(X)[-1]``; T: one-hot targets (N, n_out). Returns (N,).
        Softmax + cross-entropy is computed from the logits z (finite for any z); other losses
        from a. Leading axes broadcast: z, a of shape (G, N, n_out) give (G, N).
        """
        if self._fused():
            return self.loss.per_example_from_logits(z, T)
        return self.loss.per_example(a, T)

    def backward(self, cache, T, reduction: str = "mean") -> Backward:
        """Backpropagation from a :meth:`forward` cache: ∇ aligned with ``params``, and every δ.

        T: one-hot targets (N, n_out) on the backend. ``reduction='mean'`` differentiates L/N
        (what training uses); ``'sum'`` the lecture's L = Σₙ Cⁿ.
        Returns ``Backward(grads, deltas)``: grads[k] = ∂L/∂params[k], and deltas[l] = ∂L/∂z of
        layer l (N, n_out of that layer). The output layer's δ starts the pass (for the fused
        softmax + cross-entropy it is simply y − ŷ); each layer below gets
        δ = σ′(z) · (δ_above · W_above). The loss value itself is not computed (a training step
        does not need it): see :meth:`example_losses`.
        """
        check_choice("reduction", reduction, REDUCTIONS)
        _, z_out, a_out = cache[-1]
        if self._fused():
            delta = self.loss.grad_from_logits(a_out, T)
        else:
            delta = self.layers[-1].activation.backward(z_out, a_out, self.loss.grad(a_out, T))
        if reduction == "mean":
            if T.shape[0] == 0:
                raise ValueError("reduction='mean' averages over the examples, so it needs at least one. "
                                 f"Received: X with shape {tuple(cache[0].x.shape)}")
            # Scaling the small output δ by 1/N scales every gradient below it (in place: δ is ours).
            delta *= 1.0 / T.shape[0]
        grads, deltas = [], [None] * len(self.layers)
        for i in range(len(self.layers) - 1, -1, -1):
            deltas[i] = delta
            # The input layer's ∂C/∂x feeds nothing, so that product is skipped.
            layer_grads, grad_x = self.layers[i].backward(cache[i].x, delta, need_grad_X=i > 0)
            grads[:0] = layer_grads
            if i > 0:
                _, z_below, a_below = cache[i - 1]
                delta = self.layers[i - 1].activation.backward(z_below, a_below, grad_x)
        return Backward(grads, deltas)

    def loss_and_grads(self, X, y, reduction: str = "mean"):
        """The loss as a float and gradients aligned with ``params`` (backend arrays).

        ``reduction='mean'`` gives L/N and its gradient (what training uses);
        ``'sum'`` gives the lecture's total loss L = Σₙ Cⁿ and ∂L/∂w = Σₙ ∂Cⁿ/∂w.
        """
        X, T = self.check_data(X, y)
        cache = self.forward(X)
        grads, _ = self.backward(cache, T, reduction)
        total = backend.to_float(backend.xp.sum(self.example_losses(cache[-1].z, cache[-1].a, T)))
        return (total / X.shape[0] if reduction == "mean" else total), grads

    def backprop(self, X, y, reduction: str = "sum") -> list[LayerBackprop]:
        """Every layer's forward and backward values for a step-by-step view, as NumPy."""
        X, T = self.check_data(X, y)
        cache = self.forward(X)
        grads, deltas = self.backward(cache, T, reduction)
        out, g = [], 0
        for layer, (x, z, a), delta in zip(self.layers, cache, deltas):
            if isinstance(layer.activation, activations.Softmax):
                sp = None
            else:
                sp = backend.to_numpy(layer.activation.derivative(z, a))
            gW = grads[g]
            gb = grads[g + 1] if layer.use_bias else None
            g += 2 if layer.use_bias else 1
            out.append(LayerBackprop(
                backend.to_numpy(x), backend.to_numpy(z), backend.to_numpy(a), sp,
                backend.to_numpy(delta), backend.to_numpy(gW),
                None if gb is None else backend.to_numpy(gb)))
        return out

    def per_example_loss(self, X, y) -> np.ndarray:
        """Cⁿ for every example, as NumPy (N,)."""
        X, T = self.check_data(X, y)
        out = self.forward(X)[-1]
        return backend.to_numpy(self.example_losses(out.z, out.a, T))

    def evaluate(self, X, y, batch_size: int = 4096) -> Evaluation:
        """Total loss L = Σₙ Cⁿ, mean loss L/N and accuracy over a data set (accuracy None for one output)."""
        batch_size = check_int("batch_size", batch_size)
        X, T = self.check_data(X, y)
        n = X.shape[0]
        xp = backend.xp
        total, correct = 0.0, 0
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)  # the array API leaves out-of-range stops unspecified
            xb, tb = X[start:stop, ...], T[start:stop, ...]
            z = a = xb
            for layer in self.layers:  # no cache: evaluation keeps only the output
                z, a = layer.forward(a)
            total += backend.to_float(xp.sum(self.example_losses(z, a, tb)))
            if self.n_out > 1:
                hits = xp.argmax(a, axis=1) == xp.argmax(tb, axis=1)
                correct += int(backend.to_float(xp.sum(backend.astype(hits, xp.int32))))
        accuracy = None if self.n_out == 1 else correct / max(n, 1)
        return Evaluation(total, total / max(n, 1), accuracy, n)

    # --- training: model.fit(X, y, ...) is nnlib.fit(model, X, y, ...) -------
    fit = training.fit

    def __repr__(self):
        lines = [f"Sequential(loss={self.loss.name}, params={self.count_params():,}, dtype={self.dtype})"]
        lines += [f"  {i}: {layer!r}" for i, layer in enumerate(self.layers, start=1)]
        return "\n".join(lines)
