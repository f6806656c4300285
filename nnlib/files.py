"""Writing files so that a reader never sees half of one.

Several processes (the app's sessions, a second server worker, the command line)
share one cache folder. :func:`atomic_write` writes into a temporary file in the
target's own folder and renames it into place only when the writing succeeded:
a rename within one folder replaces the old file in one step, so every reader
sees either the old file or the whole new one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PART_SUFFIX = ".part"


@contextlib.contextmanager
def atomic_write(path, verify=None):
    """Open a binary file for writing that appears at ``path`` only when the block succeeds.

    The data goes to ``<folder>/<name><random>.part`` (the folder is created if needed); on leaving
    the block it is closed, ``verify(temporary_path)`` runs if given (raise to refuse the file),
    and then it is renamed onto ``path``. On any error the temporary file is removed and
    ``path`` is left as it was.

    >>> with atomic_write(folder / "data.npz") as fh:
    ...     np.savez(fh, x=x)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=PART_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        if verify is not None:
            verify(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
