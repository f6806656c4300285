"""The Draw-a-digit page's logic, without Streamlit: which models a student can read with, and teaching.

The shared models are read-only; teaching works on the student's own copy, a dict
``{"source": which model it copies, "model": the copy, "steps": steps taken}`` kept in session state.
Reading, teaching and judging a model are nnlib.digits'.
"""

from __future__ import annotations

import hashlib

import numpy as np

from i18n import N_, _, ngettext
from nnlib import digits as dg

DEFAULT, FULL, STEP3 = "default", "full", "step3"
# The choice's labels, in English (translated where shown); the stored choice is the code, in any language.
MODEL_NAMES = {DEFAULT: N_("Default · 4,000 digits"), FULL: N_("Full MNIST · 60,000 digits"),
               STEP3: N_("Your Step 3 network")}


def model_choices(has_full: bool, has_step3: bool) -> list[str]:
    """The models on offer: the default always, then the full-MNIST one and the student's Step 3 network."""
    return [DEFAULT] + [FULL] * has_full + [STEP3] * has_step3


def fingerprint(x) -> str:
    """A short name for one input x (256,), so a saved teaching result is shown only beside its drawing."""
    return hashlib.sha1(np.asarray(x).tobytes()).hexdigest()


def teach_step(taught: dict | None, which: str, model, x, label: int, learning_rate: float, tests):
    """One gradient step θ ← θ − η∇C towards ``label`` on the student's copy of the model ``which``.

    The first step (or the first after choosing another model) copies ``model``; the shared one is
    never touched. tests: (X, y) held-out digits, judged before and after the step.
    Returns (the taught copy's dict, (fingerprint of x, TeachResult, test accuracy before, after)).
    """
    if taught is None or taught["source"] != which:
        taught = {"source": which, "model": model.copy(), "steps": 0}
    accuracy_before = dg.report(taught["model"], *tests).accuracy
    result = dg.teach(taught["model"], x, label, learning_rate=learning_rate)
    accuracy_after = dg.report(taught["model"], *tests).accuracy
    taught["steps"] += 1
    return taught, (fingerprint(x), result, accuracy_before, accuracy_after)


def taught_note(taught: dict) -> str:
    """What the student's copy is: "Your copy of the default model has taken 2 steps; …"."""
    n, source = taught["steps"], taught["source"]
    if source == FULL:
        note = ngettext("Your copy of the full-MNIST model has taken {n} step; the prediction above uses it.",
                        "Your copy of the full-MNIST model has taken {n} steps; the prediction above uses it.", n)
    elif source == STEP3:
        note = ngettext("Your copy of your Step 3 network has taken {n} step; the prediction above uses it.",
                        "Your copy of your Step 3 network has taken {n} steps; the prediction above uses it.", n)
    else:
        note = ngettext("Your copy of the default model has taken {n} step; the prediction above uses it.",
                        "Your copy of the default model has taken {n} steps; the prediction above uses it.", n)
    return note.format(n=n)


def error_text(error) -> str:
    """An error of nnlib.digits as a student reads it, in the session's language.

    nnlib writes English and knows nothing of the app's languages; the errors a student can cause (a photo
    it cannot use, outputs it cannot read) are ExplainedErrors, whose template the app's catalog translates.
    Any other error is shown as nnlib wrote it.
    """
    if isinstance(error, dg.ExplainedError):
        return error.in_language(_)
    return str(error)
