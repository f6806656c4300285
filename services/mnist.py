"""The full 70,000-digit MNIST, downloaded only when a student asks for it.

The bundled digits are a 5,000-digit sample of MNIST. The whole set is the
``mnist.npz`` file that Keras publishes (x_train (60000, 28, 28) uint8,
y_train, x_test (10000, 28, 28), y_test; 11,490,434 bytes) together with its
SHA-256. :func:`download_mnist` fetches it with progress reports, checks its
size and SHA-256 while it streams into a temporary file next to the cache,
checks the arrays, and only then renames it into place: the cache never holds
a partial or unverified file, whatever goes wrong. The URL and checksum are
arguments, so tests serve a small file of the same format from 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from i18n import _
from nnlib import datasets
from nnlib.digits.model import DEFAULT_CONFIG, load_cached, model_path, train_digit_model
from nnlib.files import atomic_write, build_once
from nnlib.model import Sequential
from nnlib.serialization import save

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_BYTES = 11_490_434
MAX_DOWNLOAD_BYTES = 32 * 1024 * 1024   # the real file is 11 MB; refuse a server that sends far more
MAX_UNPACKED_BYTES = 64 * 1024 * 1024   # 70,000 × 28 × 28 bytes is 55 MB
KEYS = ("x_train", "y_train", "x_test", "y_test")
CHUNK = 64 * 1024
STALE_PART_S = 600   # a .part file untouched this long belongs to a download that was killed
# Retraining on 60,000 digits: the default's settings with 10 passes instead of 60, since each pass
# sees 15× more digits (about 20 s on one CPU core). Not tuned on a validation split: the real
# file could not be downloaded where this was written.
FULL_CONFIG = replace(DEFAULT_CONFIG, epochs=10)


class DownloadError(RuntimeError):
    """The download failed or was rejected; nothing was written to the cache."""


def mnist_path() -> Path:
    return datasets.cache_dir() / "mnist.npz"


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mnist_source() -> tuple[str, str]:
    """(url, sha256): the published file, unless $NNLIB_MNIST_URL / $NNLIB_MNIST_SHA256 name a mirror."""
    return (os.environ.get("NNLIB_MNIST_URL") or MNIST_URL,
            os.environ.get("NNLIB_MNIST_SHA256") or MNIST_SHA256)


def download_mnist(url: str | None = None, sha256: str | None = None, dest=None, progress=None,
                   timeout: float = 30.0, max_bytes: int = MAX_DOWNLOAD_BYTES) -> Path:
    """Download, verify and atomically store MNIST; returns its path.

    ``url`` and ``sha256`` default to :func:`mnist_source`.
    ``progress(bytes_done, bytes_total_or_None)`` is called as data arrives.
    A file already in place with the right SHA-256 is not downloaded again.
    Raises :class:`DownloadError` (no network, HTTP error, too large, checksum
    mismatch, not an MNIST file); the temporary file is always removed.
    """
    default_url, default_sha = mnist_source()
    url, expected = url or default_url, (sha256 or default_sha).lower()
    dest = Path(dest) if dest is not None else mnist_path()
    if dest.exists() and sha256_of(dest) == expected:
        return dest
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in ("http", "https"):
        raise DownloadError(_("MNIST can only be downloaded over http(s). Received the URL {url}.").format(
            url=repr(url)))
    host = urllib.parse.urlparse(url).netloc
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(dest)
        # The file appears at dest only once it is complete, its checksum matches and it holds
        # MNIST's arrays (load_mnist); otherwise the temporary .part file is removed.
        with atomic_write(dest, verify=load_mnist) as out:
            digest, done = hashlib.sha256(), 0
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    total = response.headers.get("Content-Length")
                    total = int(total) if total and total.isdigit() else None
                    if total is not None and total > max_bytes:
                        raise DownloadError(_("The server offers {total} bytes; MNIST is about {expected}. "
                                              "The download was refused.").format(
                            total=f"{total:,}", expected=f"{MNIST_BYTES:,}"))
                    if progress is not None:
                        progress(0, total)
                    while block := response.read(CHUNK):
                        done += len(block)
                        if done > max_bytes:
                            raise DownloadError(_("The server sent more than {limit} bytes; the download "
                                                  "was stopped.").format(limit=f"{max_bytes:,}"))
                        digest.update(block)
                        _write(out, block, dest.parent)
                        if progress is not None:
                            progress(done, total)
                    if total is not None and done != total:
                        raise DownloadError(_("The download from {host} broke off after {done} of {total} "
                                              "bytes. Try again.").format(host=host, done=f"{done:,}",
                                                                          total=f"{total:,}"))
            except urllib.error.HTTPError as exc:
                raise DownloadError(_("The server {host} answered {code} {reason}: MNIST could not be "
                                      "downloaded.").format(host=host, code=exc.code, reason=exc.reason)) from exc
            except (urllib.error.URLError, OSError) as exc:  # no network, refused, timed out
                reason = getattr(exc, "reason", exc)
                raise DownloadError(_("Could not reach {host} to download MNIST ({reason}). Check the internet "
                                      "connection and try again.").format(host=host, reason=reason)) from exc
            except http.client.HTTPException as exc:  # the connection broke off mid-file
                raise DownloadError(_("The download from {host} broke off after {done} bytes ({error}). "
                                      "Try again.").format(host=host, done=f"{done:,}",
                                                           error=exc.__class__.__name__)) from exc
            got = digest.hexdigest()
            if got != expected:
                raise DownloadError(_("The downloaded file's SHA-256 is {got}…, but MNIST's published checksum "
                                      "is {expected}…. The file was discarded.").format(got=got[:12],
                                                                                      expected=expected[:12]))
    except OSError as exc:  # a read-only cache or home, a full disk, a file where the folder should be
        raise DownloadError(_("Could not write into the cache folder {folder} ({reason}). Set NNLIB_CACHE_DIR "
                              "to a writable folder.").format(folder=dest.parent,
                                                              reason=exc.strerror or exc)) from exc
    return dest


def remove_stale_parts(dest: Path, max_age_s: float = STALE_PART_S) -> list[Path]:
    """Delete ``dest``'s temporary ``.part`` files that nobody has written to for ``max_age_s``.

    A download killed with the server (SIGKILL, a power cut) cannot clean up after itself;
    a live one writes a block at least every ``timeout`` seconds, so an old file is dead.
    """
    removed = []
    now = time.time()
    for part in dest.parent.glob(f"{dest.name}*.part"):
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > max_age_s:
                part.unlink()
                removed.append(part)
    return removed


def _write(out, block: bytes, folder: Path) -> None:
    try:
        out.write(block)
    except OSError as exc:  # disk full or read-only cache: not a network problem
        raise DownloadError(_("Could not write into the cache folder {folder} ({reason}).").format(
            folder=folder, reason=exc.strerror or exc)) from exc


def load_mnist(path=None):
    """((x_train, y_train), (x_test, y_test)) from an mnist.npz: uint8 (N, 28, 28) images, int64 labels.

    Checks the archive before reading (sizes, no pickles) and the arrays after.
    """
    path = Path(path) if path is not None else mnist_path()
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise DownloadError(_("The MNIST file would unpack to {unpacked} bytes; at most {limit} are "
                                      "allowed.").format(unpacked=f"{unpacked:,}", limit=f"{MAX_UNPACKED_BYTES:,}"))
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in KEYS if k not in f.files]
            if missing:
                raise DownloadError(_("This is not an MNIST file: it lacks {missing}.").format(
                    missing=", ".join(missing)))
            arrays = {k: f[k] for k in KEYS}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise DownloadError(_("This is not a readable MNIST file (mnist.npz).")) from exc
    out = []
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
            raise DownloadError(_("{name} should hold 28×28 uint8 images; it has {dtype} {shape}.").format(
                name=f"x_{split}", dtype=x.dtype, shape=x.shape))
        if y.shape != (x.shape[0],) or y.dtype.kind not in "iu" or (y.size and not 0 <= y.min() <= y.max() <= 9):
            raise DownloadError(_("{name} should hold one label 0 to 9 per image.").format(name=f"y_{split}"))
        out.append((x, y.astype(np.int64)))
    return tuple(out)


def mnist16(path=None):
    """MNIST at 16×16 like the bundled digits: ((X_train (N, 256) float32, y), (X_test, y_test))."""
    result = []
    for x, y in load_mnist(path):
        X = datasets.downsample(x.astype(np.float32) / 255.0).reshape(len(y), -1)
        result.append((np.clip(X, 0.0, 1.0).astype(np.float32), y))
    return tuple(result)


def full_model_path(config=FULL_CONFIG) -> Path:
    return model_path(config, name="mnist70k")


def cached_full_model(config=FULL_CONFIG) -> Sequential | None:
    """The model retrained on full MNIST, if a student already made it on this server."""
    return load_cached(full_model_path(config))


def train_full_model(path=None, config=FULL_CONFIG, progress=None, cache: bool = True) -> Sequential:
    """Retrain the default network on MNIST's 60,000 training digits at 16×16 and cache it.

    With the cache, the training runs once per host: two sessions (or replicas) that ask at the same
    moment share one run (nnlib.files.build_once); the second waits and then reads the saved model.
    """
    def build() -> Sequential:
        (X_train, y_train), _test = mnist16(path)
        return train_digit_model(X_train, y_train, config, progress=progress)

    if not cache:
        return build()
    return build_once(full_model_path(config), load_cached, build,
                      lambda model, target: save(model, target))  # save is atomic


class FullMnistJob:
    """Download MNIST, then retrain the digit network on it: two slices of work for ui.fragments.

    ``advance(report)`` does the next slice and calls ``report(fraction, text)`` as it goes.
    ``active`` is True until both are done (``done``) or one failed (``error``: a message for
    the student; nothing was saved, the app keeps its bundled digits).
    """

    def __init__(self):
        self.phase = "download"   # then "train", then "done" or "failed"
        self.error: str | None = None

    @property
    def active(self) -> bool:
        return self.phase in ("download", "train")

    @property
    def done(self) -> bool:
        return self.phase == "done"

    def advance(self, report) -> None:
        try:
            if self.phase == "download":
                report(0.0, _("Connecting…"))
                download_mnist(progress=bytes_progress(report))
                self.phase = "train"
            elif self.phase == "train":
                report(0.0, _("Retraining on 60,000 digits…"))
                text = _("Retraining: epoch {epoch} of {epochs}, training accuracy {accuracy}")
                train_full_model(progress=lambda e, n, p: report(
                    e / n, text.format(epoch=e, epochs=n, accuracy=f"{p.train_accuracy:.1%}")))
                self.phase = "done"
        except DownloadError as exc:
            if self.phase == "download":
                then = _("Nothing was saved; the app keeps using its bundled digits.")
            else:
                then = _("The app keeps using its bundled digits.")
            self.error = _("{problem} {then}").format(problem=exc, then=then)
            self.phase = "failed"

    def __repr__(self):
        return f"FullMnistJob(phase={self.phase!r})"


def bytes_progress(report):
    """download_mnist's progress(done, total) as report(fraction, text), once per percent, not per packet."""
    shown = -1

    def on_bytes(done: int, total: int | None) -> None:
        nonlocal shown
        total = total or MNIST_BYTES
        pct = int(100 * min(done / total, 1.0))
        if pct != shown:
            shown = pct
            report(pct / 100, _("Downloading MNIST: {done} of {total} MB").format(
                done=f"{done / 1e6:.1f}", total=f"{total / 1e6:.1f}"))

    return on_bytes
