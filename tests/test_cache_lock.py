"""A cache folder shared by replicas: two processes that find an entry missing at the same moment build it once.

Each test starts real Python processes (subprocess) on one empty NNLIB_CACHE_DIR, holds them at a
starting line until both have imported nnlib, then lets them go together. The work they could
duplicate (building the 16×16 digits, training a model) is counted in a log file each process
appends to, and slowed by 0.5 s so that without the lock both would surely start it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nnlib import datasets, files

ROOT = Path(__file__).resolve().parent.parent
DIGITS = f"digits16_v{datasets.DIGITS_VERSION}.npz"

# One replica: count and slow down the work, wait for the start signal, then ask for the entry.
CHILD = r"""
import hashlib, json, os, sys, time
from dataclasses import replace
from pathlib import Path

import numpy as np

go, log, what = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
from nnlib import datasets, files
from nnlib.digits import model as dm

if "no-lock" in sys.argv[4:]:
    files.fcntl = None  # as on a platform without flock


def counted(real):
    def work(*args, **kwargs):
        with open(log, "a") as fh:
            fh.write(f"{real.__name__}:{os.getpid()}\n")
        time.sleep(0.5)  # a window in which a second process would start the same work
        return real(*args, **kwargs)
    return work


datasets.build_digits = counted(datasets.build_digits)
dm.train_digit_model = counted(dm.train_digit_model)
Path(str(go) + f".ready{os.getpid()}").touch()
while not go.exists():
    time.sleep(0.002)
if what == "digits":
    arrays = [a for pair in datasets.digits() for a in pair]
else:  # a small config: not the shipped default, so it is trained and cached
    arrays = dm.default_model(config=replace(dm.DEFAULT_CONFIG, hidden=(16,), epochs=2)).get_weights()
digest = hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()
print(json.dumps({"pid": os.getpid(), "sha": digest}))
"""


def race(tmp_path: Path, what: str, *flags: str, n: int = 2):
    """Start ``n`` processes on one empty cache, release them together; (their results, the work log, the cache)."""
    cache, go, log = tmp_path / "cache", tmp_path / "go", tmp_path / "work.log"
    env = {**os.environ, "NNLIB_CACHE_DIR": str(cache), "NNLIB_BACKEND": "numpy", "PYTHONPATH": str(ROOT),
           "OPENBLAS_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(go), str(log), what, *flags], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go.ready*"))) < n and time.monotonic() < deadline:
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    go.touch()  # both are past their imports: off they go
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    work = log.read_text().split() if log.exists() else []
    return results, work, cache


def test_two_processes_build_the_digits_once_and_read_the_same_data(tmp_path):
    results, work, cache = race(tmp_path, "digits")
    assert [w.split(":")[0] for w in work] == ["build_digits"], f"the digits were built {len(work)} times: {work}"
    assert results[0]["sha"] == results[1]["sha"]
    (X, y), (Xt, yt) = datasets.build_digits()   # and it is the right data
    assert results[0]["sha"] == hashlib.sha256(b"".join(a.tobytes() for a in (X, y, Xt, yt))).hexdigest()
    assert sorted(p.name for p in cache.iterdir()) == [DIGITS, DIGITS + files.LOCK_SUFFIX]  # no .part, no .tmp


def test_two_processes_train_a_model_once_and_get_the_same_weights(tmp_path):
    results, work, cache = race(tmp_path, "model")
    # The digits were built once and the model trained once, whichever process did each.
    assert sorted(w.split(":")[0] for w in work) == ["build_digits", "train_digit_model"], work
    assert results[0]["sha"] == results[1]["sha"]
    names = sorted(p.name for p in cache.iterdir())
    models = [name for name in names if name.startswith("digits16_model_") and name.endswith(".npz")]
    assert len(models) == 1 and sorted(names) == sorted([DIGITS, DIGITS + ".lock", models[0], models[0] + ".lock"])


def test_without_a_lock_both_would_build(tmp_path):
    """The control: where flock is missing both processes do the work (and still agree), so the
    tests above would notice a lock that does not hold."""
    results, work, cache = race(tmp_path, "digits", "no-lock")
    assert len(work) == 2
    assert results[0]["sha"] == results[1]["sha"]
    assert sorted(p.name for p in cache.iterdir()) == [DIGITS]  # atomic writes: one whole file, no .part


def test_a_dead_holder_releases_the_lock(tmp_path):
    """A replica killed while building (SIGKILL: no clean-up) does not block the others."""
    entry = tmp_path / "entry.npz"
    code = ("import sys, time; from nnlib import files\n"
            "with files.file_lock(sys.argv[1]) as held:\n"
            "    print(held, flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(entry)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.readline().strip() == "True"
        with files.file_lock(entry, timeout=0.2) as held:
            assert not held  # the live holder keeps it
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        t0 = time.monotonic()
        with files.file_lock(entry, timeout=10) as held:
            assert held and time.monotonic() - t0 < 2
    finally:
        proc.kill()
        proc.wait()


def test_threads_of_one_process_wait_for_each_other(tmp_path):
    entry, built = tmp_path / "entry.npy", []

    def load(path):
        return np.load(path) if path.exists() else None

    def build():
        built.append(1)
        time.sleep(0.3)
        return np.arange(5)

    def write(value, path):
        with files.atomic_write(path) as fh:
            np.save(fh, value)

    out = []
    threads = [threading.Thread(target=lambda: out.append(files.build_once(entry, load, build, write)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and len(out) == 3
    for value in out:
        np.testing.assert_array_equal(value, np.arange(5))


def test_no_lock_where_none_can_be_taken_and_the_work_still_gets_done(tmp_path, monkeypatch):
    # A cache "folder" that is a file: neither the lock nor the entry can be written (as in a read-only home).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(blocker))
    with files.file_lock(blocker / "x.npz") as held:
        assert held is False
    (X, y), _ = datasets.digits()
    assert X.shape == (4000, 256) and blocker.read_text() == ""
    monkeypatch.setattr(files, "fcntl", None)  # no flock on this platform
    with files.file_lock(tmp_path / "y.npz") as held:
        assert held is False
    assert not (tmp_path / "y.npz.lock").exists()


def test_a_stuck_holder_is_waited_for_only_until_the_timeout(tmp_path):
    entry = tmp_path / "entry.npz"
    with files.file_lock(entry) as held:
        assert held
        t0 = time.monotonic()
        result = []
        t = threading.Thread(target=lambda: result.append(
            files.build_once(entry, lambda p: None, lambda: "built anyway", lambda v, p: None, timeout=0.3)))
        t.start()
        t.join(timeout=10)
        assert result == ["built anyway"] and 0.25 < time.monotonic() - t0 < 5


@pytest.mark.parametrize("error", [PermissionError, OSError])
def test_a_failed_write_still_returns_the_value(tmp_path, error):
    def write(value, path):
        raise error("read-only")

    assert files.build_once(tmp_path / "e", lambda p: None, lambda: 42, write) == 42


def test_a_cache_file_is_readable_by_the_hosts_other_processes(tmp_path):
    """Replicas may run as other users: a written file gets 0666 less the umask, not mkstemp's private 0600."""
    import os
    import stat

    from nnlib.files import atomic_write

    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "entry.npz") as fh:
            fh.write(b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "entry.npz").stat().st_mode) == 0o644
