"""Limits that keep one user of a hosted app from exhausting the server.

They belong to the app, not to nnlib: the library builds and trains whatever it
is asked to. The app checks them at each of its entry points: :func:`check_spec`
when a network is built (Step 1, a shared link, a training run, the experiments),
:func:`check_architecture` when a model file is uploaded, :func:`check_epochs`
when training is started, and :func:`check_training_memory` when a training run starts or changes its
optimizer or batch size. The messages are written for students.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from i18n import N_, _
from nnlib.layers import count_params

MAX_HIDDEN_LAYERS = 8
MAX_NEURONS_PER_LAYER = 1024
MAX_INPUTS = 1024          # 16×16 digits use 256; 28×28 would use 784
MAX_OUTPUTS = 100
MAX_PARAMS = 2_000_000     # about 8 MB of float32 weights per network
MAX_EPOCHS = 500
MAX_FILE_BYTES = 20 * 1024 * 1024
# The arrays one student's training run holds (see training_memory). With Step 3's batches (B ≤ 256)
# the largest setup the limits above allow needs about 52 MB: Adam on 2,000,000 parameters holds 5
# parameter-sized arrays (weights, gradients, Adam's m and v, the last good weights: 40 MB in float32),
# and a batch of 256 through 8 hidden layers of at most 1,024 neurons holding ≤ 2,000,000 weights keeps
# at most about 5,600 neurons' z and a per example (about 12 MB). Gradient descent steps on every
# training example at once: on the 4,000 digits a 1024 → 1024 network needs about 85 MB (a shared
# link may ask for it), 8 layers of 500 about 155 MB, the widest allowed about 200 MB; a link's batch
# of 10,000 is as large. 128 MB lets every minibatch setup and gradient descent with up to about 3,000
# hidden neurons through, and refuses the rest: 60 students at 128 MB are 7.7 GB, at 200 MB 12 GB.
MAX_SESSION_BYTES = 128_000_000
# Parameter-sized arrays each optimizer keeps besides the weights and the gradients.
OPTIMIZER_STATE = {"gd": 0, "sgd": 0, "momentum": 1, "adam": 2}
OPTIMIZER_NAMES = {"gd": N_("gradient descent"), "sgd": "SGD", "momentum": N_("momentum"), "adam": "Adam"}


class LimitExceeded(ValueError):
    """A request is larger than this server allows."""


def check_architecture(sizes) -> int:
    """Validate neurons per layer, input first (e.g. [256, 128, 10]); return the parameter count."""
    sizes = list(sizes)
    if len(sizes) < 2:
        raise LimitExceeded(_("a network needs an input and an output layer. Received sizes={sizes}").format(
            sizes=sizes))
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, int) or s < 1:
            raise LimitExceeded(_("every layer needs a positive whole number of neurons. Received {value}.").format(
                value=repr(s)))
    hidden = sizes[1:-1]
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise LimitExceeded(_("at most {limit} hidden layers are allowed on this server; this network has {n}.")
                            .format(limit=MAX_HIDDEN_LAYERS, n=len(hidden)))
    if sizes[0] > MAX_INPUTS or sizes[-1] > MAX_OUTPUTS:
        raise LimitExceeded(_("at most {max_in} inputs and {max_out} outputs are allowed. "
                              "Received {n_in} inputs and {n_out} outputs.").format(
            max_in=MAX_INPUTS, max_out=MAX_OUTPUTS, n_in=sizes[0], n_out=sizes[-1]))
    widest = max(hidden, default=0)
    if widest > MAX_NEURONS_PER_LAYER:
        raise LimitExceeded(_("at most {limit} neurons per layer are allowed on this server; a layer here has {n}.")
                            .format(limit=MAX_NEURONS_PER_LAYER, n=widest))
    params = count_params(sizes)
    if params > MAX_PARAMS:
        raise LimitExceeded(_("this network has {n} parameters; this server allows at most {limit}. "
                              "Use fewer or narrower layers.").format(n=f"{params:,}", limit=f"{MAX_PARAMS:,}"))
    return params


def check_epochs(epochs) -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise LimitExceeded(_("epochs must be a positive whole number. Received {value}.").format(
            value=repr(epochs)))
    if epochs > MAX_EPOCHS:
        raise LimitExceeded(_("at most {limit} epochs per run are allowed on this server. Received {n}.").format(
            limit=MAX_EPOCHS, n=epochs))
    return epochs


TRAIN_PERCENTS = (10, 90)  # the 2-D sets' share of training points: at least one point on each side


def check_train_percent(percent) -> int:
    """The share of a 2-D set's points used for training, a whole percentage from 10 to 90."""
    low, high = TRAIN_PERCENTS
    if isinstance(percent, bool) or not isinstance(percent, (int, np.integer)) or not low <= percent <= high:
        raise ValueError(_("the share of training points must be a whole percentage from {low} to {high}. "
                           "Received {value}.").format(low=low, high=high, value=repr(percent)))
    return int(percent)


def check_spec(spec):
    """``spec`` (an nnlib.NetworkSpec) unchanged when this server may build it, else LimitExceeded."""
    check_architecture(spec.sizes)
    return spec


@dataclass(frozen=True)
class TrainingMemory:
    """Bytes a training run holds: the arrays of nnlib.Trainer, by kind."""

    params: int          # the weights and biases
    gradients: int       # ∇L, one array per parameter array
    optimizer: int       # momentum's velocity; Adam's m and v
    good_weights: int    # the copy of the last good weights, restored when the loss blows up
    activations: int     # one batch's forward pass: the inputs x, and every layer's z and a

    @property
    def total(self) -> int:
        return self.params + self.gradients + self.optimizer + self.good_weights + self.activations


def training_memory(sizes, optimizer: str, batch: int, itemsize: int = 4) -> TrainingMemory:
    """What a run of the network ``sizes`` (input first) holds with ``batch`` examples per step.

    ``batch`` is the examples in one step: the whole training set for gradient descent. ``itemsize``:
    4 bytes for float32, 8 for float64. Transient arrays (backprop's δ, an evaluation chunk) are left out.
    """
    sizes = list(sizes)
    params = count_params(sizes) * itemsize
    activations = batch * (sizes[0] + 2 * sum(sizes[1:])) * itemsize
    return TrainingMemory(params, params, OPTIMIZER_STATE[optimizer] * params, params, activations)


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e6:.1f} MB"


def check_training_memory(sizes, optimizer: str, batch_size: int, n_examples: int, itemsize: int = 4) -> int:
    """The bytes :func:`training_memory` estimates, or LimitExceeded (in words for students) above
    MAX_SESSION_BYTES. Gradient descent ('gd') steps on all ``n_examples``; the others on ``batch_size``."""
    if optimizer not in OPTIMIZER_STATE:
        raise LimitExceeded(_("unknown optimizer {name}; choose one of {names}.").format(
            name=repr(optimizer), names=", ".join(OPTIMIZER_STATE)))
    full = optimizer == "gd"
    batch = n_examples if full else min(int(batch_size), n_examples)
    need = training_memory(sizes, optimizer, batch, itemsize)
    if need.total <= MAX_SESSION_BYTES:
        return need.total
    how = (_("gradient descent, which uses all {n} training examples in every step,").format(n=f"{n_examples:,}")
           if full else _("batch size {batch} and {rule}").format(batch=batch, rule=_(OPTIMIZER_NAMES[optimizer])))
    tips = [_("SGD, momentum or Adam with a batch size of 256 or less") if full else
            _("a smaller batch size") if need.activations > need.total / 3 else "",
            _("SGD, which keeps no extra copies of the weights") if optimizer in ("momentum", "adam") else "",
            _("fewer or narrower hidden layers (on Step 1)")]
    tips = [t for t in tips if t]
    raise LimitExceeded(
        _("this network with {how} needs about {total} of memory while it trains ({weights} of weights, "
          "{copies} of gradients and saved copies, {activations} for one batch's activations); this server "
          "allows {limit} per student. Use {tips}.").format(
            how=how, total=_mb(need.total), weights=_mb(need.params),
            copies=_mb(need.gradients + need.optimizer + need.good_weights), activations=_mb(need.activations),
            limit=_mb(MAX_SESSION_BYTES), tips=_(", or ").join(tips)))
