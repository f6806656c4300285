"""Save and load the student's model as an .npz file, from the sidebar.

Files go through :func:`nnlib.save` / :func:`nnlib.load`, which never unpickle,
check every array's shape against the file's header and refuse files that
would unpack past ``services.limits.MAX_FILE_BYTES``. :func:`check_upload` adds
what this app needs on top (a classifier the pages can use) and is pure, so it
is tested without Streamlit. A refused file leaves the current model in place.
"""

from __future__ import annotations

import hashlib

import numpy as np

import nnlib
from services import limits

MAX_UPLOAD_MB = max(1, limits.MAX_FILE_BYTES // (1024 * 1024))


class UploadRefused(ValueError):
    """The file is a valid model that this app cannot use, or not a valid model at all."""


def fingerprint(model: nnlib.Sequential) -> str:
    """A cheap cache key for a model: a hash of its layers (repr) and its weights' bytes.

    Two models with the same architecture and the same weights get the same key. Much cheaper than
    serialising the model (nnlib.save builds a whole .npz archive) on every rerun only to key a cache.
    """
    h = hashlib.blake2b(repr(model).encode(), digest_size=16)
    for p in model.params:
        a = np.ascontiguousarray(nnlib.backend.to_numpy(p))
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def dataset_for(model: nnlib.Sequential, current_dataset: str) -> str:
    """Which data set a loaded model belongs to, from its inputs and outputs.

    256 → 10 is a 16×16 digit reader; 2 → 2 a classifier of the 2-D sets (it keeps the
    2-D set the student has chosen). Anything else no page can use.
    """
    if (model.n_in, model.n_out) == nnlib.datasets.io_shape("digits"):
        return "digits"
    if (model.n_in, model.n_out) == (nnlib.datasets.TOY_INPUTS, nnlib.datasets.TOY_CLASSES):
        return current_dataset if current_dataset in nnlib.datasets.TOY_SETS else nnlib.datasets.TOY_SETS[0]
    raise UploadRefused(
        f"this network has {model.n_in} inputs and {model.n_out} outputs. The app's pages use "
        "256 inputs and 10 outputs (16×16 digits) or 2 inputs and 2 outputs (the 2-D data sets).")


def trained_for(model: nnlib.Sequential | None, model_dataset: str | None, datasets) -> nnlib.Sequential | None:
    """The session's trained model if it was made for one of ``datasets`` and fits its shape, else None.

    e.g. ``trained_for(model, model_dataset, ("digits",))``: a 256 → 10 digit reader from Step 3 or a file.
    """
    if model is None or model_dataset not in datasets:
        return None
    return model if (model.n_in, model.n_out) == nnlib.datasets.io_shape(model_dataset) else None


def check_upload(data: bytes, current_dataset: str) -> tuple[nnlib.Sequential, str]:
    """Load an uploaded file and decide its data set; raises UploadRefused with a plain message."""
    if len(data) > limits.MAX_FILE_BYTES:
        raise UploadRefused(f"the file is {len(data):,} bytes; at most {limits.MAX_FILE_BYTES:,} are allowed.")
    try:
        model = nnlib.load(data, max_bytes=limits.MAX_FILE_BYTES)
        limits.check_architecture(model.sizes())
    except nnlib.ModelFileError as exc:
        raise UploadRefused(str(exc)) from exc
    except limits.LimitExceeded as exc:
        raise UploadRefused(f"the model is too large for this server: {exc}") from exc
    if model.layers[-1].activation.name != "softmax" or model.loss.name != "cross_entropy":
        raise UploadRefused("the network must end in a softmax layer trained with cross-entropy, "
                            "as the classifiers in this app do.")
    return model, dataset_for(model, current_dataset)


def apply_upload(state, name: str, data: bytes) -> bool:
    """Load an uploaded file into ``state`` (session state or a dict); True when it was accepted.

    Sets 'model' and 'model_dataset' on success, and always 'model_io_message' = (kind, text).
    The text is plain (no Markdown): it holds the file's name, which the user chose.
    A refused file leaves the model that was there.
    """
    try:
        model, dataset = check_upload(data, state["dataset"])
    except UploadRefused as exc:
        state["model_io_message"] = ("error", f"{name} was not loaded: {exc}")
        return False
    state["model"] = model
    state["model_dataset"] = dataset
    state["model_io_message"] = (
        "success", f"Loaded {name}: {' → '.join(map(str, model.sizes()))}, "
                   f"{model.count_params():,} parameters, for the {dataset} data.")
    return True
