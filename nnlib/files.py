"""Writing files so that a reader never sees half of one, and building each cache entry once.

Several processes (the app's sessions, replicas of the server on one host, the command line)
share one cache folder. :func:`atomic_write` writes into a temporary file in the
target's own folder and renames it into place only when the writing succeeded:
a rename within one folder replaces the old file in one step, so every reader
sees either the old file or the whole new one.

Atomic writes keep a cache entry whole, but two processes that find it missing at the same
moment would both build it. :func:`build_once` takes a lock first (:func:`file_lock`, an
``flock`` on ``<entry>.lock`` next to the entry), looks again, and builds only if the entry is
still missing: the second process waits for the first, then reads what it wrote. Where no lock
can be taken (a read-only folder, a file system or platform without ``flock``) it builds without
one, as before: the work may be done twice, but every reader still sees a whole file.
The ``.lock`` files stay in the folder (empty; removing them while another process waits on
one would let a third process lock a new file beside it).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; build_once then builds without a lock
    fcntl = None

PART_SUFFIX = ".part"
LOCK_SUFFIX = ".lock"
LOCK_WAIT_S = 600.0  # longer than any build (training on full MNIST: about 20 s on one core)


def _umask() -> int:
    """The process's umask. Linux tells it in /proc; elsewhere reading it means setting it and back
    (process-wide, so done only where nothing better exists)."""
    with contextlib.suppress(OSError, ValueError, StopIteration), open("/proc/self/status") as fh:
        return int(next(line for line in fh if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
        # mkstemp makes the file private (0600); a cache file is for every process of the host (replicas
        # may run as other users), so it gets the mode a plain open() would give: 0666 less the umask.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def lock_path(path) -> Path:
    """The lock file that guards the cache entry ``path``: ``<path>.lock`` in the same folder."""
    path = Path(path)
    return path.with_name(path.name + LOCK_SUFFIX)


@contextlib.contextmanager
def file_lock(path, timeout: float = LOCK_WAIT_S, poll: float = 0.05):
    """Hold an exclusive lock on the cache entry ``path`` while the block runs; yields whether it is held.

    The lock is an ``flock`` on ``<path>.lock``: other processes (and other threads, which open the
    file themselves) wait until it is released, by leaving the block or by the holder's death, since
    the system drops the locks of a process that ends. Yields False, without waiting, where no lock
    can be had: the folder cannot be created or written (read-only), the platform or file system has
    no ``flock``. Yields False as well after ``timeout`` seconds of waiting for a holder that seems
    stuck, so nobody waits for ever.
    """
    if fcntl is None:
        yield False
        return
    try:
        lock = lock_path(path)
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError:
        yield False
        return
    try:
        held, deadline = False, time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
                break
            except BlockingIOError:  # another process holds it
                if time.monotonic() >= deadline:
                    break
                time.sleep(poll)
            except OSError:  # ENOLCK, EOPNOTSUPP: a file system without flock
                break
        yield held
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def build_once(path, load, build, write, timeout: float = LOCK_WAIT_S):
    """The cache entry at ``path``: ``load(path)`` if it gives a value, else ``build()``, stored with ``write``.

    ``load(path)`` returns the value, or None for a missing or unusable file (which is then rebuilt);
    ``write(value, path)`` should write atomically (:func:`atomic_write`). Between processes that
    share the folder the build runs once: the others wait on the lock and then load its result.
    A failed write (a read-only or full disk) is ignored: the value is returned, just not kept.
    """
    value = load(path)
    if value is not None:
        return value
    with file_lock(path, timeout=timeout):
        value = load(path)  # built by another process while this one waited
        if value is not None:
            return value
        value = build()
        with contextlib.suppress(OSError):
            write(value, path)
    return value
