"""Learning-rate schedules: the step size η as a function of the step t.

A schedule belongs to a training run, not to an optimizer: before every step
the :class:`nnlib.Trainer` sets ``optimizer.learning_rate = schedule(t)`` and the
optimizer applies its one update rule with that η.

* ``'constant'``: η is left as it is (a page may still change it between steps).
* ``'cosine'``: η_t = η · ½ (1 + cos(π t / T)) over the T steps of the run: large
  steps first, fine ones at the end.
* any callable ``t -> η`` (t counts optimizer steps from 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .registry import lookup

SCHEDULES = ("constant", "cosine")


def cosine_learning_rate(peak: float, t: int, total: int) -> float:
    """η_t = η · ½ (1 + cos(π t / T)), for t = 0 … T (and 0 after T)."""
    total = max(int(total), 1)
    return peak * 0.5 * (1.0 + math.cos(math.pi * min(t, total) / total))


def get(schedule, learning_rate: float, total_steps: int | None) -> Callable[[int], float] | None:
    """The schedule as a callable t -> η, or None for 'constant' (η is not touched).

    ``learning_rate`` is the peak η of 'cosine'; ``total_steps`` is T, which 'cosine' needs.
    """
    if callable(schedule):
        return schedule
    name = lookup(schedule, {s: s for s in SCHEDULES}, {}, "learning-rate schedule", "schedules")
    if name == "constant":
        return None
    if total_steps is None:
        raise ValueError("schedule='cosine' falls to 0 at the end of the run, so it needs the run's "
                         "length: pass epochs=... as well. Received: epochs=None")
    return lambda t: cosine_learning_rate(learning_rate, t, total_steps)
