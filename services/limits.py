"""Limits that keep one user of a hosted app from exhausting the server.

They belong to the app, not to nnlib: the library builds and trains whatever it
is asked to. The app checks them at each of its entry points: :func:`check_spec`
when a network is built (Step 1, a shared link, a training run, the experiments),
:func:`check_architecture` when a model file is uploaded, and :func:`check_epochs`
when training is started. The messages are written for students.
"""

from __future__ import annotations

from nnlib.layers import count_params

MAX_HIDDEN_LAYERS = 8
MAX_NEURONS_PER_LAYER = 1024
MAX_INPUTS = 1024          # 16×16 digits use 256; 28×28 would use 784
MAX_OUTPUTS = 100
MAX_PARAMS = 2_000_000     # about 8 MB of float32 weights per network
MAX_EPOCHS = 500
MAX_FILE_BYTES = 20 * 1024 * 1024


class LimitExceeded(ValueError):
    """A request is larger than this server allows."""


def check_architecture(sizes) -> int:
    """Validate neurons per layer, input first (e.g. [256, 128, 10]); return the parameter count."""
    sizes = list(sizes)
    if len(sizes) < 2:
        raise LimitExceeded(f"a network needs an input and an output layer. Received sizes={sizes}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, int) or s < 1:
            raise LimitExceeded(f"every layer needs a positive whole number of neurons. Received {s!r}.")
    hidden = sizes[1:-1]
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise LimitExceeded(f"at most {MAX_HIDDEN_LAYERS} hidden layers are allowed on this server; "
                            f"this network has {len(hidden)}.")
    if sizes[0] > MAX_INPUTS or sizes[-1] > MAX_OUTPUTS:
        raise LimitExceeded(f"at most {MAX_INPUTS} inputs and {MAX_OUTPUTS} outputs are allowed. "
                            f"Received {sizes[0]} inputs and {sizes[-1]} outputs.")
    widest = max(hidden, default=0)
    if widest > MAX_NEURONS_PER_LAYER:
        raise LimitExceeded(f"at most {MAX_NEURONS_PER_LAYER} neurons per layer are allowed on this "
                            f"server; a layer here has {widest}.")
    params = count_params(sizes)
    if params > MAX_PARAMS:
        raise LimitExceeded(f"this network has {params:,} parameters; this server allows at most "
                            f"{MAX_PARAMS:,}. Use fewer or narrower layers.")
    return params


def check_epochs(epochs) -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise LimitExceeded(f"epochs must be a positive whole number. Received {epochs!r}.")
    if epochs > MAX_EPOCHS:
        raise LimitExceeded(f"at most {MAX_EPOCHS} epochs per run are allowed on this server. "
                            f"Received {epochs}.")
    return epochs


def check_spec(spec):
    """``spec`` (an nnlib.NetworkSpec) unchanged when this server may build it, else LimitExceeded."""
    check_architecture(spec.sizes)
    return spec
