"""Save and load the student's model as an .npz file, from the sidebar.

Files go through :func:`nnlib.save` / :func:`nnlib.load_with_meta`, which never unpickle,
check every array's shape against the file's header and refuse files that
would unpack past ``services.limits.MAX_FILE_BYTES``. :func:`check_upload` adds
what this app needs on top (a network the pages can use) and is pure, so it
is tested without Streamlit. A refused file leaves the current model in place.

A file saved by the app knows its data set and setup: its meta holds the setup in the very form a
shared link writes it (services.links.encode), and loading reads it back with the links' own checks
(services.links.decode). The loaded network then opens on Step 3, paused, on its own data set.
A file without meta (nnlib.save, an older app) is placed by its shape, and the message says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

import nnlib
from services import limits, links
from services import training as tr

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


def setup_meta(settings: tr.RunSettings) -> dict:
    """What a saved file records of the run that trained it: its setup as a shared link writes it."""
    return links.encode(tr.state_of(settings))


@dataclass(frozen=True)
class Upload:
    """An accepted file: the model, its data set, and the setup it was trained with (session-state
    values, see services.training.state_of) or None when the file does not say (then ``note`` does)."""

    model: nnlib.Sequential
    dataset: str
    setup: dict | None
    note: str = ""


def _setup_from_meta(meta: dict, model: nnlib.Sequential, defaults) -> tuple[dict | None, str]:
    """The file's setup when its meta is a complete, valid one that fits the model; else (None, why not)."""
    if not meta:
        return None, "The file does not say which data set it was trained on"
    setup, notices = links.decode(meta, defaults)
    if notices or set(meta) != set(links.PARAMS):
        return None, "The file's record of its setup is incomplete or invalid, so it was not used"
    try:
        settings = tr.settings_from_state({**defaults, **setup})
        if settings.spec().sizes != model.sizes():
            return None, "The file's record of its setup does not match its network, so it was not used"
    except ValueError:
        return None, "The file's record of its setup cannot be used on this server"
    return setup, ""


def check_upload(data: bytes, current_dataset: str, defaults=None) -> Upload:
    """Load an uploaded file and decide its data set and setup; raises UploadRefused with a plain message.

    defaults: the session-state values to fill a setup from (ui/state.py DEFAULTS when None).
    """
    if defaults is None:
        from ui.state import DEFAULTS as defaults
    if len(data) > limits.MAX_FILE_BYTES:
        raise UploadRefused(f"the file is {len(data):,} bytes; at most {limits.MAX_FILE_BYTES:,} are allowed.")
    try:
        model, meta = nnlib.load_with_meta(data, max_bytes=limits.MAX_FILE_BYTES)
        limits.check_architecture(model.sizes())
    except nnlib.ModelFileError as exc:
        raise UploadRefused(str(exc)) from exc
    except limits.LimitExceeded as exc:
        raise UploadRefused(f"the model is too large for this server: {exc}") from exc
    classifier = model.layers[-1].activation.name == "softmax" and model.loss.name == "cross_entropy"
    regression = model.n_out == 1 and model.layers[-1].activation.name == "linear" and model.loss.name == "mse"
    if not (classifier or regression):
        raise UploadRefused("the network must end in a softmax layer trained with cross-entropy (a classifier), "
                            "or in one linear neuron trained with the squared error (regression), as the "
                            "networks in this app do.")
    setup, note = _setup_from_meta(meta, model, defaults)
    if setup is not None:
        return Upload(model, setup["dataset"], setup)
    if regression:
        raise UploadRefused(f"{note.lower()}, and a regression network cannot be placed by its shape.")
    dataset = dataset_for(model, current_dataset)
    return Upload(model, dataset, None, "" if dataset == "digits" else note)  # 256 → 10 can only be the digits


def apply_upload(state, name: str, data: bytes) -> bool:
    """Load an uploaded file into ``state`` (session state or a dict); True when it was accepted.

    On success: 'model', 'model_dataset' and 'model_setup'; the setup it was trained with (or, for a
    file that does not say, the session's own with the file's network) in the session's settings; and
    a paused Step 3 run ('train_run') that starts from the file's weights, with 'train_notice'
    saying so. Always 'model_io_message' = (kind, text). The texts are plain (no Markdown): they hold
    the file's name, which the user chose. A refused file changes nothing but the message.
    """
    try:
        upload = check_upload(data, state["dataset"])
        model = upload.model
        setup = upload.setup or {"dataset": upload.dataset,
                                 "spec": nnlib.NetworkSpec(hidden=tuple(model.sizes()[1:-1]),
                                                           activation=model.layers[0].activation.name)}
        settings = tr.settings_from_state({**state, **setup})
        run = tr.TrainingRun(settings, tr.load_data(*settings.data_key()), model=model.copy())
    except (UploadRefused, ValueError) as exc:  # ValueError: the session's other settings do not fit it
        state["model_io_message"] = ("error", f"{name} was not loaded: {exc}")
        return False
    state.update(setup)
    state["model"], state["model_dataset"], state["model_setup"] = model, upload.dataset, settings
    state["train_run"] = run
    where = f"its own {upload.dataset} data" if upload.setup else f"the {upload.dataset} data"
    state["train_notice"] = ("info", f"{name} is in the playground, paused, on {where}: press Start to train "
                             "it on, or Step to take one step." + (f" {upload.note}." if upload.note else ""))
    state["model_io_message"] = (
        "success", f"Loaded {name}: {' → '.join(map(str, model.sizes()))}, {model.count_params():,} parameters, "
                   f"trained on the {upload.dataset} data" + (f" (assumed: {upload.note.lower()})." if upload.note
                                                              else "."))
    return True
