"""Shareable links: the whole training setup lives in the URL's query string.

Like TensorFlow Playground's URL hash, a link such as
``?layers=4,4&act=relu&data=circle&noise=0.1&opt=adam&lr=0.03&batch=16&epochs=200&seed=0``
carries the network (hidden sizes, activation), the data set and its noise, the
optimizer, learning rate, batch size, epochs and seed. Because every random draw
in nnlib comes from that seed, opening the link rebuilds the same starting
weights, data and minibatch order, so the same training run.

:func:`encode` and :func:`decode` are pure (tested without Streamlit).
:func:`decode` never raises: a missing parameter keeps its default silently,
and a malformed or hostile one falls back to the default with a notice.
app.py calls :func:`apply_once` before the page runs and :func:`sync` to keep
the address bar in step with the session's state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

import i18n
import nnlib
from i18n import N_, _
from lessons.features import FEATURES
from lessons.regression_data import REGRESSION_SETS
from nnlib.validation import check_number
from services import limits

# URL parameter -> session-state key (see ui/state.py DEFAULTS).
PARAMS = {"layers": "spec", "act": "activation", "data": "dataset", "noise": "noise", "opt": "optimizer",
          "lr": "learning_rate", "batch": "batch_size", "epochs": "epochs", "seed": "seed",
          "features": "features", "reg": "regularization", "reg_rate": "reg_rate", "train": "train_percent",
          "lang": "lang"}
STATE_KEYS = ("spec", "dataset", "noise", "optimizer", "learning_rate", "batch_size", "epochs", "seed",
              "features", "regularization", "reg_rate", "train_percent", "lang")
HIDDEN_ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear")
DATASETS = (*nnlib.datasets.TOY_SETS, "digits", *REGRESSION_SETS)
REGULARIZATIONS = ("none", "L1", "L2")
_REG_NAMES = {name.lower(): name for name in REGULARIZATIONS}  # a link may write l1 or L1
REG_RATE_RANGE = (0.0, 10.0)       # 0: no penalty (as with regularisation 'none')
OPTIMIZERS = tuple(nnlib.optimizers.REGISTRY)
MAX_VALUE_CHARS = 64             # longer values are refused before any parsing
MAX_SEED = 9_999                 # Step 3's seed box goes this far
MAX_BATCH = 10_000
LEARNING_RATE_RANGE = (1e-6, 100.0)
NOISE_RANGE = (0.0, 0.5)         # nnlib.datasets.toy accepts this range


class _Bad(ValueError):
    """One parameter could not be used; the message says why, in plain words (the session's language)."""


def io_shape(dataset: str, features=("x1", "x2")) -> tuple[int, int]:
    """Inputs and outputs a network needs for a data set: digits 256 → 10; a 2-D set one input per
    feature, and 2 classes (or 1 value for a regression set)."""
    if dataset == "digits":
        return nnlib.datasets.io_shape(dataset)
    return len(features), 1 if dataset in REGRESSION_SETS else 2


def _shown(value: str) -> str:
    """A bad value, made safe to echo in a notice (no Markdown, HTML or huge strings)."""
    safe = re.sub(r"[^0-9A-Za-z.,+\-_ ]", "?", value[:24])
    return f"'{safe}…'" if len(value) > 24 else f"'{safe}'"


def _number(text: str, low: float, high: float, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _Bad(_("{what} must be a number").format(what=_(what))) from None
    try:
        return check_number(what, value, low, high)
    except ValueError:
        raise _Bad(_("{what} must lie between {low} and {high}").format(
            what=_(what), low=f"{low:g}", high=f"{high:g}")) from None


def _whole(text: str, low: int, high: int, what: str) -> int:
    if not re.fullmatch(r"\+?\d{1,12}", text.strip()) or not low <= int(text) <= high:
        raise _Bad(_("{what} must be a whole number from {low} to {high}").format(
            what=_(what), low=f"{low:,}", high=f"{high:,}"))
    return int(text)


def _choice(text: str, options, what: str) -> str:
    key = text.strip().lower()
    if key not in options:
        raise _Bad(_("{what} must be one of {options}").format(what=_(what), options=", ".join(options)))
    return key


def _layers(text: str) -> tuple[int, ...]:
    text = text.strip()
    if text in ("", "0", "none"):
        return ()
    parts = re.split(r"[,\- ]", text)
    if len(parts) > limits.MAX_HIDDEN_LAYERS:
        raise _Bad(_("at most {n} hidden layers are allowed").format(n=limits.MAX_HIDDEN_LAYERS))
    return tuple(_whole(p, 1, limits.MAX_NEURONS_PER_LAYER, N_("each layer's neuron count")) for p in parts)


def _features(text: str) -> tuple[str, ...]:
    names = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not names:
        raise _Bad(_("at least one input feature is needed"))
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise _Bad(_("{value} is not an input feature; choose from {features}").format(
            value=_shown(unknown[0]), features=", ".join(FEATURES)))
    return tuple(f for f in FEATURES if f in names)  # the Playground's order, each once


def _language(text: str) -> str:
    language = i18n.normalize(text)
    if language is None:
        raise _Bad(_("the language must be one of {languages}").format(languages=", ".join(sorted(i18n.LANGUAGES))))
    return language


_PARSERS = {
    "layers": _layers,
    "act": lambda t: _choice(t, HIDDEN_ACTIVATIONS, N_("the activation")),
    "data": lambda t: _choice(t, DATASETS, N_("the data set")),
    "noise": lambda t: _number(t, *NOISE_RANGE, N_("the noise")),
    "opt": lambda t: _choice(t, OPTIMIZERS, N_("the optimizer")),
    "lr": lambda t: _number(t, *LEARNING_RATE_RANGE, N_("the learning rate")),
    "batch": lambda t: _whole(t, 1, MAX_BATCH, N_("the batch size")),
    "epochs": lambda t: _whole(t, 1, limits.MAX_EPOCHS, N_("the number of epochs")),
    "seed": lambda t: _whole(t, 0, MAX_SEED, N_("the seed")),
    "features": _features,
    "reg": lambda t: _REG_NAMES[_choice(t, tuple(_REG_NAMES), N_("the regularisation"))],
    "reg_rate": lambda t: _number(t, *REG_RATE_RANGE, N_("the regularisation rate")),
    "train": lambda t: _whole(t, *limits.TRAIN_PERCENTS, N_("the share of training points (%)")),
    "lang": lambda t: _language(t),
}


def _last(value) -> str | None:
    """st.query_params gives strings; a parsed query string may give lists (use the last, as Streamlit does)."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return value if isinstance(value, str) else None


def decode(query: Mapping, defaults: Mapping) -> tuple[dict, list[str]]:
    """Settings for :data:`STATE_KEYS` from a query mapping, and the notices for what was refused.

    ``defaults`` holds the state defaults (a NetworkSpec under 'spec'). Unknown parameters
    are ignored. Never raises: every refused value keeps its default and adds one notice, written in the
    session's language (ui/share.py decodes a link again once the link's own ``lang`` is known).
    """
    spec_default = defaults["spec"]
    parsed, notices = {}, []
    for param, parse in _PARSERS.items():
        try:
            raw = _last(query.get(param)) if param in query else None
        except Exception:  # a hostile mapping must not break the app
            raw = None
        if raw is None:
            continue
        try:
            if len(raw) > MAX_VALUE_CHARS:
                raise _Bad(_("the value is longer than {n} characters").format(n=MAX_VALUE_CHARS))
            parsed[param] = parse(raw)
        except _Bad as exc:
            notices.append(_("The link's `{param}` value {value} was ignored: {reason}.").format(
                param=param, value=_shown(raw), reason=exc))

    settings = {key: defaults[key] for key in STATE_KEYS}
    for param, key in PARAMS.items():
        if param in parsed and key in settings:
            settings[key] = parsed[param]
    hidden = parsed.get("layers", spec_default.hidden)
    activation = parsed.get("act", spec_default.activation)
    try:
        # The server's limits, with the data set's real inputs and outputs
        # (a digits network has 256 inputs, so more parameters).
        n_in, n_out = io_shape(settings["dataset"], settings["features"])
        limits.check_spec(nnlib.NetworkSpec(n_in=n_in, hidden=hidden, n_out=n_out, activation=activation))
    except ValueError as exc:
        notices.append(_("The link's network was ignored: {reason}").format(reason=exc))
        hidden, activation = spec_default.hidden, spec_default.activation
    # Session state keeps the network in Step 1's form (inputs and outputs follow the data set later).
    settings["spec"] = nnlib.NetworkSpec(n_in=spec_default.n_in, hidden=hidden, n_out=spec_default.n_out,
                                         activation=activation)
    return settings, notices


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def encode(state: Mapping) -> dict[str, str]:
    """The query parameters for a session's setup (the inverse of :func:`decode`)."""
    spec = state["spec"]
    return {
        "layers": ",".join(str(n) for n in spec.hidden) or "0",
        "act": spec.activation,
        "data": str(state["dataset"]),
        "noise": _fmt(float(state["noise"])),
        "opt": str(state["optimizer"]),
        "lr": _fmt(float(state["learning_rate"])),
        "batch": str(int(state["batch_size"])),
        "epochs": str(int(state["epochs"])),
        "seed": str(int(state["seed"])),
        "features": ",".join(state["features"]),
        "reg": str(state["regularization"]),
        "reg_rate": _fmt(float(state["reg_rate"])),
        "train": str(int(state["train_percent"])),
        "lang": i18n.normalize(state.get("lang")) or i18n.DEFAULT,
    }


def share_url(base: str | None, state: Mapping) -> str:
    """The full link: the page's address (without its query) plus the encoded setup."""
    query = urlencode(encode(state), safe=",")
    return f"{base or ''}?{query}"
