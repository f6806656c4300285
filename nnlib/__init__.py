"""nnlib: a small, readable neural-network library for teaching the three steps of deep learning.

1. Define a set of functions: :class:`Dense` layers in a :class:`Sequential` model.
2. Goodness of a function: :mod:`nnlib.losses` (softmax + cross-entropy, MSE).
3. Pick the best function: :mod:`nnlib.optimizers` and :mod:`nnlib.training`.

The array library (NumPy, or CuPy on a GPU) is chosen in :mod:`nnlib.backend`.
"""

from . import activations, backend, datasets, losses, optimizers, presets
from .gradcheck import gradient_check
from .layers import Dense
from .model import Evaluation, LayerBackprop, LayerTrace, Sequential
from .serialization import ModelFileError, load, save
from .spec import NetworkSpec
from .training import Progress, Trainer, TrainingDiverged, fit, train

__all__ = [
    "Dense", "Sequential", "NetworkSpec", "Trainer", "Progress", "TrainingDiverged", "Evaluation",
    "LayerTrace", "LayerBackprop", "ModelFileError", "fit", "train", "save", "load",
    "gradient_check", "activations", "backend", "datasets", "losses",
    "optimizers", "presets",
]
