"""A feed-forward network: a chain of Dense layers, input → hidden → output.

The network's structure (layers, neurons, activations) is the lecture's
*function set*; its parameters θ (every W and b) pick one function out of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import activations, backend, losses
from .layers import Dense
from .validation import check_int


@dataclass(frozen=True)
class LayerTrace:
    """One layer's forward values for a batch, as NumPy: x (N, n_in), z and a (N, n_out)."""

    x: np.ndarray
    z: np.ndarray
    a: np.ndarray


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
    """Loss and accuracy over a data set; total_loss is the lecture's L = Σₙ Cⁿ."""

    total_loss: float
    mean_loss: float
    accuracy: float
    n: int


class Sequential:
    """A stack of :class:`Dense` layers, trained against ``loss``.

    The default loss, cross-entropy, is fused with a softmax output layer: it is
    computed from the logits, so it stays finite, and its gradient is y − ŷ.
    """

    def __init__(self, layers, loss="cross_entropy"):
        layers = list(layers)
        if not layers:
            raise ValueError("a Sequential model needs at least one layer. Received: layers=[]")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Dense):
                raise ValueError(f"layer {i} must be a nnlib.Dense. Received: {layer!r}")
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
    def _inputs(self, X):
        """Validate X (NumPy or backend) and return it as a backend array of the model's dtype."""
        if isinstance(X, (np.ndarray, list, tuple)):
            X = np.asarray(X, dtype=np.float64 if self.dtype == "float64" else np.float32)
            if X.ndim != 2 or X.shape[1] != self.n_in:
                raise ValueError(
                    f"expected inputs of shape (N, {self.n_in}): one example per row with "
                    f"{self.n_in} values. Received shape {X.shape}."
                )
            if not np.all(np.isfinite(X)):
                raise ValueError("inputs contain NaN or infinite values.")
            return backend.asarray(X, self.dtype)
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(f"expected inputs of shape (N, {self.n_in}). Received shape {tuple(X.shape)}.")
        return X

    def _targets(self, y, n: int):
        """Integer labels (N,) or one-hot rows (N, n_out) -> one-hot backend array (N, n_out)."""
        if isinstance(y, (np.ndarray, list, tuple)):
            y = np.asarray(y)
            if y.ndim == 1:
                if not np.issubdtype(y.dtype, np.integer):
                    if not np.all(np.equal(np.mod(y, 1), 0)):
                        raise ValueError(f"integer class labels expected. Received dtype {y.dtype}.")
                    y = y.astype(np.int64)
                if y.size and (y.min() < 0 or y.max() >= self.n_out):
                    raise ValueError(f"labels must lie in 0..{self.n_out - 1}. "
                                     f"Received labels from {y.min()} to {y.max()}.")
                onehot = np.zeros((y.shape[0], self.n_out))
                onehot[np.arange(y.shape[0]), y] = 1.0
                y = onehot
            if y.shape != (n, self.n_out):
                raise ValueError(f"targets must be {n} labels or one-hot rows of shape "
                                 f"({n}, {self.n_out}). Received shape {y.shape}.")
            return backend.asarray(y, self.dtype)
        return y

    # --- forward ----------------------------------------------------------
    def _forward(self, X):
        """Forward pass on backend arrays, keeping (x, z, a) of every layer for backprop."""
        cache = []
        a = X
        for layer in self.layers:
            z, a_next = layer.forward(a)
            cache.append((a, z, a_next))
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
        single = isinstance(X, (np.ndarray, list, tuple)) and np.ndim(X) == 1
        X = self._inputs(np.atleast_2d(np.asarray(X)) if single else X)
        out = backend.to_numpy(self(X))
        return out[0] if single else out

    def predict_classes(self, X) -> np.ndarray:
        return np.argmax(self.predict(np.atleast_2d(X)), axis=1)

    def trace(self, X) -> list[LayerTrace]:
        """Every layer's input x, z and a = σ(z) for inputs X, as NumPy."""
        X = self._inputs(np.atleast_2d(X) if isinstance(X, (list, tuple, np.ndarray)) else X)
        return [LayerTrace(*(backend.to_numpy(v) for v in entry)) for entry in self._forward(X)]

    # --- loss and backward ------------------------------------------------
    def _fused(self) -> bool:
        return (isinstance(self.loss, losses.CrossEntropy)
                and isinstance(self.layers[-1].activation, activations.Softmax))

    def _per_example_loss(self, z_out, a_out, T):
        if self._fused():
            return self.loss.per_example_from_logits(z_out, T)
        return self.loss.per_example(a_out, T)

    def _backward(self, cache, T, reduction: str, need_loss: bool = True, grad_scale: float = 1.0):
        """Backpropagation: returns (loss, grads aligned with params, deltas ∂C/∂z per layer).

        The output layer's ∂C/∂z starts the backward pass; each layer below gets
        ∂C/∂z = σ′(z) · Σ (w · ∂C/∂z of the layer above). With ``need_loss=False``
        the loss value is skipped (returned as None): a training step only needs gradients.
        ``grad_scale`` multiplies every gradient (and delta); a training step passes the
        learning rate η here, so η·∇L costs one multiply of the small output delta
        instead of one pass over every parameter.
        """
        n = T.shape[0]
        x_out, z_out, a_out = cache[-1]
        scale = 1.0 / n if reduction == "mean" else 1.0
        loss = None
        if need_loss:
            loss = backend.xp.sum(self._per_example_loss(z_out, a_out, T)) * scale
        if self._fused():
            delta = self.loss.grad_from_logits(a_out, T)
        else:
            delta = self.layers[-1].activation.backward(z_out, a_out, self.loss.grad(a_out, T))
        if scale * grad_scale != 1.0:
            delta = delta * (scale * grad_scale)
        grads, deltas = [], [None] * len(self.layers)
        for i in range(len(self.layers) - 1, -1, -1):
            deltas[i] = delta
            x, _, _ = cache[i]
            # The input layer's ∂C/∂x feeds nothing, so that product is skipped.
            layer_grads, grad_x = self.layers[i].backward(x, delta, need_grad_X=i > 0)
            grads[:0] = layer_grads
            if i > 0:
                _, z_below, a_below = cache[i - 1]
                delta = self.layers[i - 1].activation.backward(z_below, a_below, grad_x)
        return loss, grads, deltas

    def _check_reduction(self, reduction):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum'. Received: reduction={reduction!r}")

    def loss_and_grads(self, X, y, reduction: str = "mean"):
        """The loss as a float and gradients aligned with ``params`` (backend arrays).

        ``reduction='mean'`` gives L/N and its gradient (what training uses);
        ``'sum'`` gives the lecture's total loss L = Σₙ Cⁿ and ∂L/∂w = Σₙ ∂Cⁿ/∂w.
        """
        self._check_reduction(reduction)
        X = self._inputs(X)
        T = self._targets(y, X.shape[0])
        loss, grads, _ = self._backward(self._forward(X), T, reduction)
        return backend.to_float(loss), grads

    def backprop(self, X, y, reduction: str = "sum") -> list[LayerBackprop]:
        """Every layer's forward and backward values for a step-by-step view, as NumPy."""
        self._check_reduction(reduction)
        X = self._inputs(X)
        T = self._targets(y, X.shape[0])
        cache = self._forward(X)
        _, grads, deltas = self._backward(cache, T, reduction)
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
        X = self._inputs(X)
        T = self._targets(y, X.shape[0])
        _, z, a = self._forward(X)[-1]
        return backend.to_numpy(self._per_example_loss(z, a, T))

    def evaluate(self, X, y, batch_size: int = 4096) -> Evaluation:
        """Total loss L = Σₙ Cⁿ, mean loss L/N and accuracy over a data set."""
        batch_size = check_int("batch_size", batch_size)
        X = self._inputs(X)
        n = X.shape[0]
        T = self._targets(y, n)
        xp = backend.xp
        total, correct = 0.0, 0
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)  # the array API leaves out-of-range stops unspecified
            xb, tb = X[start:stop, ...], T[start:stop, ...]
            _, z, a = self._forward(xb)[-1]
            total += backend.to_float(xp.sum(self._per_example_loss(z, a, tb)))
            hits = xp.argmax(a, axis=1) == xp.argmax(tb, axis=1)
            correct += int(backend.to_float(xp.sum(backend.astype(hits, xp.int32))))
        return Evaluation(total, total / max(n, 1), correct / max(n, 1), n)

    # --- training (see nnlib.training) -------------------------------------
    def fit(self, X, y, **kwargs):
        """Train in place; see :func:`nnlib.training.fit` for the arguments."""
        from .training import fit
        return fit(self, X, y, **kwargs)

    def __repr__(self):
        lines = [f"Sequential(loss={self.loss.name}, params={self.count_params():,}, dtype={self.dtype})"]
        lines += [f"  {i}: {layer!r}" for i, layer in enumerate(self.layers, start=1)]
        return "\n".join(lines)
