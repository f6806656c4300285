"""Train-step speed: nnlib against PyTorch CPU and the bare matmul lower bound.

One train step of a 256-128-64-10 ReLU MLP with a softmax + cross-entropy
output: forward, loss, backward and a plain SGD update, in float32 with 2 BLAS
threads. Three contenders, timed in this one process, interleaved round by
round so that a noisy neighbour slows all of them alike; each figure is the
median over rounds of the mean step time within a round:

* nnlib: ``nnlib.training.train_step`` (what ``Trainer.run`` does per batch).
* PyTorch: an equivalent ``nn.Sequential`` + ``CrossEntropyLoss`` + ``SGD``
  (``torch.set_num_threads(2)``); skipped, with a note, when torch is missing.
* bare matmul: only the step's 8 matrix products (3 forward; 3 weight
  gradients and 2 input gradients backward) with numpy on arrays of the same
  shapes, no activations, loss or update: no implementation can be faster.

Targets (issue 2): nnlib ≤ 0.6× PyTorch at batch 128, ≤ 0.9× at batch 512,
and ≤ 1.6× the bare matmul bound at batch 512.

Run:  python -m benchmarks.bench_train_step [--rounds 21] [--quick]   (from the repository root)
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from benchmarks import _setup  # must come first: pins BLAS threads before numpy loads

# isort: split
import numpy as np

import nnlib
from nnlib.training import train_step

SIZES = (256, 128, 64, 10)
LR = 0.05
SETTLE_S = 0.15
TARGETS = {("torch", 128): 0.6, ("torch", 512): 0.9, ("matmul", 512): 1.6}


def make_nnlib(seed=0):
    layers = [nnlib.Dense(a, b, activation="relu" if i < len(SIZES) - 2 else "softmax", seed=seed + i)
              for i, (a, b) in enumerate(zip(SIZES, SIZES[1:]))]
    return nnlib.Sequential(layers)


def nnlib_stepper(X, y):
    """(step, reset, model): one nnlib train step, and a way back to the starting weights."""
    model = make_nnlib()
    start = model.get_weights()
    opt = nnlib.optimizers.SGD(learning_rate=LR)
    Xb, Tb = model.check_data(X, y)

    def step():
        train_step(model, opt, Xb, Tb)

    def reset():
        model.set_weights(start)
    return step, reset, model


def torch_stepper(X, y, weights):
    """(step, reset, net): the same step in PyTorch, starting from nnlib's ``weights``."""
    import torch

    torch.set_num_threads(_setup.THREADS)
    mods = []
    for i, (a, b) in enumerate(zip(SIZES, SIZES[1:])):
        mods.append(torch.nn.Linear(a, b))
        if i < len(SIZES) - 2:
            mods.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*mods)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    X, y = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(net(X), y).backward()
        opt.step()

    def reset():
        with torch.no_grad():  # nn.Linear's weight is (out, in) like nnlib's W: row j = neuron j
            for p, w in zip(net.parameters(), weights):
                p.copy_(torch.from_numpy(w))
    reset()
    return step, reset, net


def matmul_stepper(batch, rng):
    """The 8 products of one step, with nnlib's layouts (rows = examples, W = (n_out, n_in))."""
    r = lambda *shape: rng.random(shape, dtype=np.float32)  # noqa: E731
    X, H1, H2 = r(batch, 256), r(batch, 128), r(batch, 64)
    W1, W2, W3 = r(128, 256), r(64, 128), r(10, 64)
    D1, D2, D3 = r(batch, 128), r(batch, 64), r(batch, 10)

    def step():
        X @ W1.T, H1 @ W2.T, H2 @ W3.T                 # forward: Z = X·Wᵀ
        D3.T @ H2, D2.T @ H1, D1.T @ X                 # ∂C/∂W = δᵀ·x
        D3 @ W3, D2 @ W2                               # ∂C/∂x = δ·W (not needed for the input layer)
    return step


def torch_status() -> str | None:
    """None when torch can run, otherwise the reason it is skipped."""
    try:
        import torch
    except ImportError:
        return ("PyTorch is not installed, so the torch columns are skipped "
                "(pip install torch, the CPU build, to compare).")
    return None if hasattr(torch, "nn") else "PyTorch imported but has no torch.nn"


def random_batch(batch, rng):
    """Inputs in [0, 1) like the digits' ink, and integer labels."""
    return rng.random((batch, SIZES[0]), dtype=np.float32), rng.integers(0, SIZES[-1], batch)


def time_round(step, n) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t0) / n


def bench(batch, rounds, torch_ok):
    rng = np.random.default_rng(batch)
    X, y = random_batch(batch, rng)
    nn_step, nn_reset, model = nnlib_stepper(X, y)
    steppers = {"nnlib": (nn_step, nn_reset), "matmul": (matmul_stepper(batch, rng), lambda: None)}
    if torch_ok:
        steppers["torch"] = torch_stepper(X, y, model.get_weights())[:2]
    per_round = max(10, 6000 // batch)   # ~5-20 ms of work per contender per round
    for step, _ in steppers.values():    # warm up: allocator, BLAS threads, torch dispatch
        time_round(step, per_round)
    samples = {k: [] for k in steppers}
    for r in range(rounds):
        order = list(steppers) if r % 2 == 0 else list(reversed(steppers))
        for k in order:
            step, reset = steppers[k]
            # Every round starts from the same weights: thousands of steps on one batch would
            # drive the gradients into float32 subnormals, which are slow to compute with.
            reset()
            # Idle worker threads keep spinning for a while after their last job: OpenBLAS's
            # after nnlib or the matmuls, OpenMP's after torch. On a 2-core machine they would
            # steal the next contender's cores, so let them fall asleep first.
            time.sleep(SETTLE_S)
            samples[k].append(time_round(step, per_round))
    medians = {k: statistics.median(v) for k, v in samples.items()}
    # Ratios are taken within each round (contenders timed back to back), then the median:
    # a disturbance that hits one contender in one round moves one ratio, not the result.
    ratios = {ref: statistics.median(a / b for a, b in zip(samples["nnlib"], samples[ref]))
              for ref in samples if ref != "nnlib"}
    fastest = {k: min(v) for k, v in samples.items()}
    return medians, ratios, fastest


def check_same_update(batch=64):
    """nnlib and torch start from the same weights: after one step they must agree (float32)."""

    X, y = random_batch(batch, np.random.default_rng(7))
    nn_step, _, model = nnlib_stepper(X, y)
    torch_step, _, net = torch_stepper(X, y, model.get_weights())
    nn_step()
    torch_step()
    theirs = [p.detach().numpy() for p in net.parameters()]
    ours = model.get_weights()
    return max(float(np.max(np.abs(a - b))) for a, b in zip(ours, theirs))


def print_table(times, ratios, torch_ok):
    header = (f"{'batch':>5} | {'nnlib µs':>9} | {'torch µs':>9} | {'matmul µs':>9} | "
              f"{'nnlib/torch':>11} | {'nnlib/matmul':>12}")
    print(header)
    print("-" * len(header))
    for batch, t in times.items():
        r = ratios[batch]
        tt = f"{t['torch'] * 1e6:9.1f}" if torch_ok else f"{'-':>9}"
        rt = f"{r['torch']:10.2f}×" if torch_ok else f"{'-':>11}"
        print(f"{batch:>5} | {t['nnlib'] * 1e6:9.1f} | {tt} | {t['matmul'] * 1e6:9.1f} | "
              f"{rt} | {r['matmul']:11.2f}×")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="interleaved timing rounds (median taken)")
    parser.add_argument("--quick", action="store_true", help="5 rounds, for a smoke test")
    args = parser.parse_args()
    rounds = 5 if args.quick else args.rounds
    print(f"nnlib train step, MLP {'-'.join(map(str, SIZES))} (ReLU, softmax + cross-entropy, SGD), float32")
    print(f"{platform.python_implementation()} {platform.python_version()} · numpy {np.__version__} · "
          f"{nnlib.backend.device_description()} · {_setup.THREADS} BLAS threads")
    print(_setup.blas_description())
    print(_setup.load_note())
    reason = torch_status()
    torch_ok = reason is None
    if torch_ok:
        import torch
        print(f"PyTorch {torch.__version__} (CPU, {_setup.THREADS} threads)")
        print(f"Same update check: max |θ_nnlib − θ_torch| after one step = {check_same_update():.2e}")
    else:
        print("NOTE: " + reason)
    print(f"{rounds} interleaved rounds per batch size.\n")

    medians, ratios, fastest = {}, {}, {}
    for batch in (128, 512):
        medians[batch], ratios[batch], fastest[batch] = bench(batch, rounds, torch_ok)
    print("Median over rounds (ratios: median of the per-round ratios; the targets use these)")
    print_table(medians, ratios, torch_ok)
    print("\nFastest round of each (least disturbed by other processes)")
    print_table(fastest, {b: {ref: t["nnlib"] / t[ref] for ref in t if ref != "nnlib"}
                          for b, t in fastest.items()}, torch_ok)
    print("\n" + _setup.load_note())

    print("Targets:")
    all_met = True
    for (ref, batch), limit in TARGETS.items():
        if ref not in ratios[batch]:
            print(f"  nnlib/{ref} at batch {batch}: ≤ {limit}× — not measured (torch missing)")
            continue
        ratio = ratios[batch][ref]
        ok = ratio <= limit
        all_met &= ok
        print(f"  nnlib/{ref:<6} at batch {batch}: {ratio:.2f}× (target ≤ {limit}×) {'met' if ok else 'MISSED'}")
    print("All measured targets met." if all_met else "Some targets were missed.")


if __name__ == "__main__":
    main()
