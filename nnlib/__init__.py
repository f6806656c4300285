"""nnlib: a small, readable neural-network library for teaching the three steps of deep learning.

1. Define a set of functions: :class:`Dense` layers in a :class:`Sequential` model.
2. Goodness of a function: :mod:`nnlib.losses` (softmax + cross-entropy, MSE).
3. Pick the best function: :mod:`nnlib.optimizers` and :mod:`nnlib.training`.

One training step, written out (what ``model.fit`` does per minibatch)::

    X, T = model.check_data(X_numpy, labels)      # NumPy -> checked arrays on the backend, once
    grads, deltas = model.backward(model.forward(X), T)   # ∇L aligned with model.params
    optimizer.step(model.params, grads)           # θ ← θ − η∇L (SGD), in place

The array library (NumPy, or CuPy on a GPU) is chosen in :mod:`nnlib.backend`.
"""

from . import activations, backend, datasets, losses, optimizers, presets, schedules
from .gradcheck import gradient_check
from .layers import Dense, count_params
from .model import Backward, Evaluation, LayerBackprop, LayerTrace, Sequential
from .serialization import ModelFileError, load, load_with_meta, save
from .spec import NetworkSpec
from .training import Progress, Trainer, TrainingDiverged, fit, train

__all__ = [
    "Dense", "Sequential", "NetworkSpec", "Trainer", "Progress", "TrainingDiverged", "Evaluation",
    "LayerTrace", "LayerBackprop", "Backward", "ModelFileError", "fit", "train", "save", "load",
    "load_with_meta", "count_params", "gradient_check", "activations", "backend", "datasets", "losses",
    "optimizers", "presets", "schedules",
]
