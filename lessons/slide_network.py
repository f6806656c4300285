"""The lecture's slide network as numbers a student can change: one parameter at a time, and what changed.

Its parameters are listed as nnlib's ``get_weights`` gives them, [W¹, b¹, W², b², W³, b³], with
row j of each W holding neuron j's weights (z = W·x + b). One scalar is a
:class:`lessons.landscape.ParamRef`: layer, row (the neuron) and col (the input), or col=None for b.
"""

from __future__ import annotations

import numpy as np

from i18n import N_, _
from lessons.landscape import ParamRef
from nnlib import presets

SLIDE_PARAMS = tuple(np.array(p, dtype=float) for W, b in presets.LECTURE_WEIGHTS for p in (W, b))
# Where a neuron's parameter acts: stable codes (kept in session state), and the label a student reads.
SOURCES = ("w1", "w2", "b")
SOURCE_LABELS = {"w1": N_("weight from input 1"), "w2": N_("weight from input 2"), "b": N_("bias b")}


def source_label(source: str) -> str:
    """The label of a parameter's source, in the session's language: "weight from input 2"."""
    return _(SOURCE_LABELS[source])


def parameter(layer: int, neuron: int, source: str) -> ParamRef:
    """The parameter a student picks, with layer and neuron counted from 1 as on the slide.

    ``source`` is one of :data:`SOURCES`: "w1", "w2" (the weight from input 1 or 2) or "b" (the bias).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}. Received: source={source!r}")
    return ParamRef(layer - 1, neuron - 1, None if source == SOURCES[-1] else SOURCES.index(source))


def value(params, ref: ParamRef) -> float:
    """The value of one parameter in the list [W¹, b¹, …]."""
    if ref.col is None:
        return float(params[2 * ref.layer + 1][ref.row])
    return float(params[2 * ref.layer][ref.row, ref.col])


def with_value(params, ref: ParamRef, new: float) -> list[np.ndarray]:
    """A copy of the list [W¹, b¹, …] with one parameter set to ``new``."""
    params = [np.array(p, dtype=float) for p in params]
    if ref.col is None:
        params[2 * ref.layer + 1][ref.row] = new
    else:
        params[2 * ref.layer][ref.row, ref.col] = new
    return params


def changed(params) -> list[str]:
    """Which of W¹, b¹, … differ from the slide's, as "layer 1 W", "layer 3 b" (in the session's language)."""
    return [_("layer {layer} {parameter}").format(layer=k // 2 + 1, parameter="W" if k % 2 == 0 else "b")
            for k, (p, s) in enumerate(zip(params, SLIDE_PARAMS)) if not np.array_equal(p, s)]


def network(params=None):
    """The slide network (nnlib.presets.lecture_network) with ``params``, or the slide's own."""
    model = presets.lecture_network()
    model.set_weights([np.array(p, dtype=float) for p in (SLIDE_PARAMS if params is None else params)])
    return model
