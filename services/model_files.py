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
The setup is the training's only: the session's language is not part of it (a file saved in Chinese
opens in English for an English reader), so a file's meta never holds ``lang``, and one that does is
read as if it did not.

The messages are in the session's language, written when the file is loaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

import nnlib
from i18n import N_, _
from services import limits, links
from services import training as tr

MAX_UPLOAD_MB = max(1, limits.MAX_FILE_BYTES // (1024 * 1024))
SETUP_PARAMS = frozenset(links.PARAMS) - {"lang"}  # what a file's meta records: the link's setup, no language

# The data sets' names in messages (the same words as the pages use).
DATASET_NAMES = {"digits": N_("digits"), "circle": N_("circle"), "xor": N_("xor"), "gaussian": N_("gaussian"),
                 "spiral": N_("spiral"), "plane": N_("plane"), "gaussians": N_("gaussians")}

# nnlib's fixed messages about a file it cannot read, for the catalog: shown translated where they are known
# (the messages that hold a value stay as nnlib words them).
NNLIB_MESSAGES = (
    N_("this file is not an nnlib model (.npz): it is not a readable zip archive."),
    N_("this file has no nnlib header; was it saved with nnlib.save?"),
    N_("this is not an nnlib model file (its header names no nnlib format)."),
    N_("the header is not a JSON text."),
    N_("the header is nested too deeply to be an nnlib header."),
)


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
    raise UploadRefused(_(
        "this network has {n_in} inputs and {n_out} outputs. The app's pages use 256 inputs and 10 outputs "
        "(16×16 digits) or 2 inputs and 2 outputs (the 2-D data sets).").format(n_in=model.n_in, n_out=model.n_out))


def trained_for(model: nnlib.Sequential | None, model_dataset: str | None, datasets) -> nnlib.Sequential | None:
    """The session's trained model if it was made for one of ``datasets`` and fits its shape, else None.

    e.g. ``trained_for(model, model_dataset, ("digits",))``: a 256 → 10 digit reader from Step 3 or a file.
    """
    if model is None or model_dataset not in datasets:
        return None
    return model if (model.n_in, model.n_out) == nnlib.datasets.io_shape(model_dataset) else None


def setup_meta(settings: tr.RunSettings) -> dict:
    """What a saved file records of the run that trained it: its setup as a shared link writes it (no language)."""
    return {param: value for param, value in links.encode(tr.state_of(settings)).items() if param in SETUP_PARAMS}


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
    meta = {param: value for param, value in meta.items() if param != "lang"}  # the reader keeps their language
    if not meta:
        return None, _("The file does not say which data set it was trained on")
    setup, notices = links.decode(meta, defaults)
    setup = {key: value for key, value in setup.items() if key != "lang"}
    if notices or set(meta) != SETUP_PARAMS:
        return None, _("The file's record of its setup is incomplete or invalid, so it was not used")
    try:
        settings = tr.settings_from_state({**defaults, **setup})
        if settings.spec().sizes != model.sizes():
            return None, _("The file's record of its setup does not match its network, so it was not used")
    except ValueError:
        return None, _("The file's record of its setup cannot be used on this server")
    return setup, ""


def check_upload(data: bytes, current_dataset: str, defaults=None) -> Upload:
    """Load an uploaded file and decide its data set and setup; raises UploadRefused with a plain message.

    defaults: the session-state values to fill a setup from (ui/state.py DEFAULTS when None).
    """
    if defaults is None:
        from ui.state import DEFAULTS as defaults
    if len(data) > limits.MAX_FILE_BYTES:
        raise UploadRefused(_("the file is {size} bytes; at most {limit} are allowed.").format(
            size=f"{len(data):,}", limit=f"{limits.MAX_FILE_BYTES:,}"))
    try:
        model, meta = nnlib.load_with_meta(data, max_bytes=limits.MAX_FILE_BYTES)
        limits.check_architecture(model.sizes())
    except nnlib.ModelFileError as exc:
        raise UploadRefused(_(str(exc)) if str(exc) in NNLIB_MESSAGES else str(exc)) from exc
    except limits.LimitExceeded as exc:
        raise UploadRefused(_("the model is too large for this server: {reason}").format(reason=exc)) from exc
    classifier = model.layers[-1].activation.name == "softmax" and model.loss.name == "cross_entropy"
    regression = model.n_out == 1 and model.layers[-1].activation.name == "linear" and model.loss.name == "mse"
    if not (classifier or regression):
        raise UploadRefused(_("the network must end in a softmax layer trained with cross-entropy (a classifier), "
                              "or in one linear neuron trained with the squared error (regression), as the "
                              "networks in this app do."))
    setup, note = _setup_from_meta(meta, model, defaults)
    if setup is not None:
        return Upload(model, setup["dataset"], setup)
    if regression:
        raise UploadRefused(_("{note}, and a regression network cannot be placed by its shape.").format(
            note=_lowered(note)))
    dataset = dataset_for(model, current_dataset)
    return Upload(model, dataset, None, "" if dataset == "digits" else note)  # 256 → 10 can only be the digits


def _lowered(note: str) -> str:
    """A note that starts a sentence, to go inside another one ("The file…" → "the file…")."""
    return note[:1].lower() + note[1:]


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
        state["model_io_message"] = ("error", _("{name} was not loaded: {reason}").format(name=name, reason=exc))
        return False
    state.update(setup)
    state["model"], state["model_dataset"], state["model_setup"] = model, upload.dataset, settings
    state["train_run"] = run
    dataset = _(DATASET_NAMES.get(upload.dataset, upload.dataset))
    where = (_("its own {dataset} data") if upload.setup else _("the {dataset} data")).format(dataset=dataset)
    notice = _("{name} is in the playground, paused, on {where}: press Start to train it on, or Step to take "
               "one step.").format(name=name, where=where)
    state["train_notice"] = ("info", _("{notice} {note}.").format(notice=notice, note=upload.note) if upload.note
                             else notice)
    loaded = dict(name=name, sizes=" → ".join(map(str, model.sizes())), n=f"{model.count_params():,}",
                  dataset=dataset)
    state["model_io_message"] = ("success", _(
        "Loaded {name}: {sizes}, {n} parameters, trained on the {dataset} data (assumed: {note}).").format(
            note=_lowered(upload.note), **loaded) if upload.note else _(
        "Loaded {name}: {sizes}, {n} parameters, trained on the {dataset} data.").format(**loaded))
    return True
