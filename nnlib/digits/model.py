"""The default digit reader: a 256 → 512 → 10 ReLU network trained on nnlib's 16×16 digits.

Training is deterministic (one seed fixes the starting weights, the shuffling
and the distortions) and takes a few seconds on a CPU. The weights of the default
config ship with nnlib (``nnlib/data/default_digits_model.npz``, saved with
:func:`nnlib.save`, and a manifest ``.json`` beside it naming the config's
fingerprint and the weights' SHA-256), so a fresh server answers its first visitor
without training. ``python scripts/ship_data.py model`` retrains them from the seed
(``--check`` compares instead of writing; tests/test_shipped_data.py does so too).
Shipped weights whose fingerprint differs from the config asked for (a changed
:class:`TrainingConfig` or MODEL_VERSION) are not used: that config is trained on
first use and saved in the user's cache folder, where later starts load it.

How the settings were chosen: ``benchmarks/digits_quality.py`` trains every
candidate on 80 % of the 4,000 training digits and scores it on the other
20 % (a validation split). The 1,000 test digits play no part in the choice;
they are only used to report the chosen model's accuracy.
``python -m benchmarks.digits_quality select`` reruns the search; its last run (validation
accuracy on 800 digits, where one digit is 0.125 %) ranked:

    96.9 %  512 hidden, affine distortions, L2 1e-4, 60 epochs    ← the default
    96.9 %  the same with elastic bending (a tie: the simpler one was kept)
    96.5 %  1024 hidden or 512 → 256, affine, 30 epochs (best of their L2 settings)
    96.3 %  512 hidden, affine, 30 epochs (96.2 to 96.4 % over L2 0, 1e-4, 1e-3)
    96.1 %  512 hidden, ±1 pixel shifts only, 30 epochs (95.9 to 96.1 %)
    95.6 %  256 hidden, affine, 30 epochs;  94.9 to 95.1 % with shifts only

Trained on all 4,000 digits, the default reads 97.6 % of the 1,000 test digits (the shipped
weights; trained with another OpenBLAS kernel, 97.3 to 97.6 %: see scripts/ship_data.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .. import datasets
from ..files import build_once
from ..model import Sequential
from ..serialization import ModelFileError, load, save
from ..spec import NetworkSpec
from ..training import Trainer
from .augment import AUGMENTATIONS

MODEL_VERSION = 2  # bump when training changes in a way the config does not capture


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides the trained weights.

    Adam with a cosine learning-rate schedule (``schedule='cosine'``), from η
    at the first minibatch step down to 0 at the last.
    ``weight_decay`` adds λ·W to every weight gradient (L2). ``augment`` names
    a distortion from :mod:`nnlib.digits.augment`, redrawn every epoch.
    """

    hidden: tuple[int, ...] = (512,)
    activation: str = "relu"
    epochs: int = 60
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    batch_size: int = 64
    augment: str = "affine"
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if self.augment not in AUGMENTATIONS:
            raise ValueError(f"Unknown augmentation {self.augment!r}. Choose one of: {', '.join(AUGMENTATIONS)}.")

    def spec(self) -> NetworkSpec:
        return NetworkSpec(n_in=datasets.DIGIT_INPUTS, hidden=self.hidden, n_out=datasets.DIGIT_CLASSES,
                           activation=self.activation)

    def key(self) -> str:
        """A short fingerprint of the config, the data version and MODEL_VERSION (for cache names)."""
        blob = json.dumps({**asdict(self), "data": datasets.DIGITS_VERSION, "model": MODEL_VERSION},
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


DEFAULT_CONFIG = TrainingConfig()


def _one_blas_thread():
    """Minibatch products (64 × 256 by 256 × 512) are too small to gain from BLAS threads, and on a
    shared server the threads only fight other users for cores: one thread trains 2-3× faster there."""
    try:
        from threadpoolctl import threadpool_limits  # in requirements.txt
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def train_digit_model(X, y, config: TrainingConfig = DEFAULT_CONFIG, progress=None, reports: int = 10) -> Sequential:
    """Train a fresh network on (X (N, 256), y (N,)) with ``config``; deterministic for a given seed.

    ``progress(epoch, epochs, Progress)`` is called about ``reports`` times (for a
    progress bar); each report evaluates the whole training set, so not every epoch.
    """
    model = config.spec().build(seed=config.seed)
    with _one_blas_thread():
        trainer = Trainer(model, X, y, optimizer="adam", learning_rate=config.learning_rate,
                          weight_decay=config.weight_decay, schedule="cosine", epochs=config.epochs,
                          batch_size=config.batch_size, seed=config.seed, augment=AUGMENTATIONS[config.augment])
        every = max(1, config.epochs // max(reports, 1))
        for start in range(0, config.epochs, every):
            epochs = min(every, config.epochs - start)
            report = trainer.run(epochs * trainer.steps_per_epoch)
            if progress is not None:
                progress(start + epochs, config.epochs, report)
    return model


SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "data" / "default_digits_model.npz"
SHIPPED_MANIFEST = SHIPPED_MODEL.with_suffix(".json")


def model_path(config: TrainingConfig = DEFAULT_CONFIG, name: str = "digits16") -> Path:
    return datasets.cache_dir() / f"{name}_model_{config.key()}.npz"


def load_cached(path: Path) -> Sequential | None:
    """The model saved at ``path``, or None when it is missing or damaged (then it is retrained)."""
    if not path.exists():
        return None
    try:
        model = load(path)
    except (ModelFileError, OSError):
        return None
    return model if (model.n_in, model.n_out) == datasets.io_shape("digits") else None


def weights_digest(model: Sequential) -> str:
    """SHA-256 of the weights (dtype, shape and bytes of each array, in order): equal only for equal weights."""
    digest = hashlib.sha256()
    for w in model.get_weights():
        w = np.ascontiguousarray(w)
        digest.update(f"{w.dtype.str}{w.shape}".encode())
        digest.update(w.tobytes())
    return digest.hexdigest()


def manifest_for(model: Sequential, config: TrainingConfig = DEFAULT_CONFIG, **extra) -> dict:
    """What the manifest beside shipped weights says: the config and its fingerprint, the weights'
    SHA-256, and ``extra`` (how and where they were made; not checked when loading)."""
    return {"key": config.key(), "config": json.loads(json.dumps(asdict(config))),
            "model_version": MODEL_VERSION, "digits_version": datasets.DIGITS_VERSION,
            "weights_sha256": weights_digest(model), **extra}


def shipped_model(config: TrainingConfig = DEFAULT_CONFIG) -> Sequential | None:
    """The weights shipped with nnlib, if they were trained with exactly ``config``; else None.

    Checked on every load: the manifest's fingerprint must be ``config.key()`` (the config, the
    data version and MODEL_VERSION), the file must load (:func:`nnlib.load` validates it) with the
    config's layer sizes, and the weights must have the manifest's SHA-256.
    """
    try:
        manifest = json.loads(SHIPPED_MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("key") != config.key():
        return None
    model = load_cached(SHIPPED_MODEL)
    if model is None or model.sizes() != [datasets.DIGIT_INPUTS, *config.hidden, datasets.DIGIT_CLASSES]:
        return None
    return model if weights_digest(model) == manifest.get("weights_sha256") else None


def train_default(config: TrainingConfig = DEFAULT_CONFIG, cache: bool = True, progress=None) -> Sequential:
    """Train ``config`` from its seed on nnlib's 4,000 training digits (what the shipped weights are)."""
    (X_train, y_train), _ = datasets.digits(cache=cache)
    return train_digit_model(X_train, y_train, config, progress=progress)


def default_model(cache: bool = True, config: TrainingConfig = DEFAULT_CONFIG) -> Sequential:
    """The default digit reader, trained on nnlib's 4,000 training digits.

    The default config's weights ship with nnlib (:func:`shipped_model`) and load in milliseconds.
    Any other config (or a default whose shipped weights no longer match it) is trained on the first
    call (a few seconds) and saved in the cache folder (``nnlib.datasets.cache_dir()``); later calls
    load it. Processes sharing that folder train it once (:func:`nnlib.files.build_once`); a
    read-only folder still gets a model, just not a cached one. ``cache=False`` neither reads nor
    writes the cache folder (shipped weights are still used). Every call returns a new, independent
    model, so callers may train their copy freely.
    """
    model = shipped_model(config)
    if model is not None:
        return model
    if not cache:
        return train_default(config, cache=False)
    return build_once(model_path(config), load_cached, lambda: train_default(config), save)


def read_only(model: Sequential) -> Sequential:
    """Mark the model's NumPy parameters read-only, so a model shared between users cannot be
    trained by mistake (an in-place update raises). Copies (``model.copy()``) are writeable.
    Arrays of other backends have no such flag and are left as they are."""
    for p in model.params:
        if isinstance(p, np.ndarray):
            p.flags.writeable = False
    return model
