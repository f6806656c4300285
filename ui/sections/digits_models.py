"""Draw a digit: the models a student can read with, and the held-out digits that judge them.

The default and full-MNIST models and the test sets are shared by every session through
st.cache_resource and are read-only; teaching works on the student's own copy (services.digits).
"""

import streamlit as st

from i18n import _, bound
from nnlib import datasets
from nnlib import digits as dg
from nnlib.digits.model import read_only
from services import mnist
from services.digits import DEFAULT, FULL, MODEL_NAMES, STEP3, model_choices
from services.model_files import trained_for
from ui.widgets import persistent


# One entry: the function takes no argument, so there is only ever one model to keep. Its spinner is
# shown by chosen_model (a cached function's show_spinner is fixed at import, in one language).
@st.cache_resource(max_entries=1, show_spinner=False)
def shared_default_model():
    """The default model, shared by every session. Read-only: teaching copies it first."""
    return read_only(dg.default_model())


# Two entries: the current file's model, and the one before it while sessions switch to a retrained file
# (a new stamp); older models (a few MB each) would otherwise stay in memory for the server's lifetime.
@st.cache_resource(max_entries=2, show_spinner=False)
def shared_full_model(stamp: int):
    """The model retrained on full MNIST on this server, or None; ``stamp`` (the file's mtime) reloads it."""
    model = mnist.cached_full_model() if stamp else None
    return None if model is None else read_only(model)


def full_stamp() -> int:
    """When the full-MNIST model file was written (0: never), so every session sees a new one."""
    path = mnist.full_model_path()
    return path.stat().st_mtime_ns if path.exists() else 0


# Three entries: the bundled test digits, and MNIST's 10,000 for the current and the previous full model
# file (the stamp changes when it is retrained); MNIST's set is about 10 MB, so old ones must not pile up.
@st.cache_resource(max_entries=3, show_spinner=False)
def test_set(which: str, stamp: int = 0):
    """Held-out digits: the bundled 1,000, or MNIST's own 10,000 test digits for the full model."""
    X, y = mnist.mnist16()[1] if which == FULL else datasets.digits()[1]
    X.setflags(write=False)  # shared by every session: nobody may change them
    y.setflags(write=False)
    return X, y


@st.cache_data(show_spinner=False, max_entries=8)
def shared_report(which: str, stamp: int):
    model = shared_full_model(stamp) if which == FULL else shared_default_model()
    return dg.report(model, *test_set(which, stamp))


def held_out(which: str):
    """The test set that judges the model ``which``."""
    return test_set(FULL, full_stamp()) if which == FULL else test_set(DEFAULT)


def step3_model():
    """The session's own network when it reads 16×16 digits (trained on Step 3 or loaded from a file)."""
    return trained_for(st.session_state.get("model"), st.session_state.get("model_dataset"), ("digits",))


def chosen_model():
    """The model radio (when there is a choice): (key, model to read with, is it the student's taught copy?)."""
    choices = model_choices(shared_full_model(full_stamp()) is not None, step3_model() is not None)
    if st.session_state["digits_model_choice"] not in choices:
        st.session_state["digits_model_choice"] = DEFAULT
    if len(choices) > 1:
        st.radio(_("Model"), choices, format_func=bound(lambda code: _(MODEL_NAMES[code])), horizontal=True,
                 **persistent("digits_model_choice"))
    which = st.session_state["digits_model_choice"]
    taught = st.session_state["digits_taught"]
    if taught is not None and taught["source"] == which:
        return which, taught["model"], True
    if which == DEFAULT:
        # The first session on a fresh server trains it (a few seconds; the spinner shows after 0.5 s only).
        with st.spinner(_("Training the digit network once (a few seconds)…")):
            return which, shared_default_model(), False
    base = step3_model() if which == STEP3 else shared_full_model(full_stamp())
    return which, base, False
