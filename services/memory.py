"""Give freed memory back to the operating system, so a hosted server shrinks after a class.

Why this is needed (measured with ``python -m benchmarks.soak``): when sessions that trained large
networks expire, Python frees their arrays, but glibc's allocator keeps the pages. Two habits of
glibc cause it. Its mmap threshold is *dynamic*: after the first large array is freed it rises to
that array's size (up to 32 MiB), so later arrays of a few MiB come from the heap instead of their
own mapping, and a heap gives memory back only from its top. And every thread that allocates may get
its own arena (Streamlit runs each session's script in its own thread), each keeping its free pages.

The remedy has two parts, both from glibc's own interface (``mallopt`` and ``malloc_trim``):

* :func:`tune_allocator` fixes the mmap threshold at 128 KiB (glibc's starting value). Setting it
  switches the dynamic rise off, so every array above it has its own mapping, which ``free`` unmaps.
* :func:`release_free_memory` calls ``malloc_trim(0)``, which returns the free pages inside every
  arena. :func:`start_trimmer` calls it every ``period_s`` seconds from one daemon thread.

That thread also runs Python's full garbage collection first (:func:`collect_and_release`), so what
sessions left in reference cycles is freed, then handed back. Streamlit would collect after every
script run instead (``runner.postScriptGC``, switched off in .streamlit/config.toml): a full
collection walks every tracked object, 40 to 70 ms on this app's server, and Step 3's live view runs
8 scripts a second while a student trains. Every 10 s it costs well under 1 % of a core.

Elsewhere (macOS, Windows, musl) these are no-ops that return False.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
import threading

M_MMAP_THRESHOLD = -3        # mallopt parameter numbers, from glibc's <malloc.h>
MMAP_THRESHOLD_BYTES = 128 * 1024
TRIM_PERIOD_S = 10.0

_lock = threading.Lock()
_trimmer: threading.Thread | None = None


def glibc():
    """glibc, or None where the C library is another one."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it
        libc.malloc_trim  # noqa: B018
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def tune_allocator(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap threshold (switching off its dynamic rise). True when it was set."""
    libc = glibc()
    return bool(libc and libc.mallopt(M_MMAP_THRESHOLD, int(threshold)) == 1)


def release_free_memory() -> bool:
    """Hand the free pages of every malloc arena back to the system. True when some were returned."""
    libc = glibc()
    return bool(libc and libc.malloc_trim(0) == 1)


def release_arrow_pool() -> bool:
    """Ask pyarrow's memory pool (mimalloc or jemalloc, outside glibc) to return its unused pages.

    The live charts hand Streamlit Arrow tables 8 times a second while a student trains; the pool keeps
    what they freed for reuse. Nothing is imported here: without pyarrow loaded there is nothing to do.
    """
    arrow = sys.modules.get("pyarrow")
    if arrow is None:
        return False
    try:
        arrow.default_memory_pool().release_unused()
    except Exception:  # an older pyarrow, or a pool without the call
        return False
    return True


def collect_and_release() -> int:
    """Python's full garbage collection, then :func:`release_free_memory` and :func:`release_arrow_pool`;
    the unreachable objects found."""
    found = gc.collect()
    release_free_memory()
    release_arrow_pool()
    return found


def start_trimmer(period_s: float = TRIM_PERIOD_S) -> bool:
    """Tune the allocator and start one daemon thread that collects and trims every ``period_s`` seconds.

    Idempotent per process (a second call does nothing and returns False), so the app can call it on
    every rerun. The thread holds no session's data; it only asks the allocator to give pages back.
    """
    global _trimmer
    with _lock:
        if _trimmer is not None or glibc() is None:
            return False
        tune_allocator()
        stop = threading.Event()

        def trim_forever():
            while not stop.wait(period_s):
                collect_and_release()

        _trimmer = threading.Thread(target=trim_forever, name="nnlib-memory-trimmer", daemon=True)
        _trimmer.start()
        return True
