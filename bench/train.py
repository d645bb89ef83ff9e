"""Benchmark: derive's NumPy trainer against PyTorch CPU, a plain NumPy loop and the
machine's matrix-product rate.

Each setting of OPENBLAS_CORETYPE runs in its own process (it must be set before NumPy
loads): default, and where the CPU has AVX-512, Haswell (AVX2 kernels, which older OpenBLAS
builds pick on such CPUs) and derive's choice, SkylakeX; OpenBLAS's own report of the core
it runs is printed beside each. In each process, on the same synthetic CIFAR-shaped data,
epochs of derive, of the usual hand-written NumPy loop and of PyTorch (nn.Linear + autograd
+ SGD; all with the same sizes, batch, learning rate and float32) alternate, each first in
turn, so the machine's drift cancels; a ratio is the median of the rounds' own ratios.
derive's rate is the one its trainer reports at the epoch's last batch (evaluation left
out). A step needs 4*3072*256 + 6*256*10 FLOPs per sample (the input needs no gradient),
compared with the float32 rate of a 2048^3 product and with the rate of the step's own two
large products (batch x 3072 by 3072 x 256, forward and weight gradient) timed alone: no
trainer can beat the latter.

Run: python bench/train.py [--rounds 11] [--images 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

FLOPS_PER_SAMPLE = 4 * 3072 * 256 + 6 * 256 * 10


def worker(rounds: int, images: int) -> dict[str, float]:
    import numpy as np

    from derive.numeric import cifar, mlp, trainer

    settings = trainer.Settings(epochs=1, batch_size=100, lr=0.1)
    train_set, _ = cifar.synthetic(images, 0)
    net = mlp.network(["sigmoid"], ("softmax", "ce"))

    def derive_rate() -> float:
        """Samples/s of one epoch as the trainer measures it (its evaluation left out)."""
        state = trainer.initial_state(settings, np)
        reports: list[float] = []
        trainer.train(net, train_set, train_set, settings, state, np,
                      lambda *report: reports.append(report[-1]), lambda: False,
                      lambda s: None)
        return reports[-1]

    contenders = {"derive": derive_rate,
                  "plain": lambda: images / _plain_numpy_epoch(np, train_set, settings)}
    torch_epoch = _torch_epoch(train_set, settings)
    if torch_epoch is not None:
        contenders["torch"] = lambda: images / torch_epoch()
    seen: dict[str, list[float]] = {"derive": [], "gflops": [], "step_gflops": [], "share": []}
    for round_ in range(rounds):
        gflops = _product_rate(np, 2048, 2048, 2048)
        seen["gflops"].append(gflops)
        seen["step_gflops"].append(_product_rate(np, settings.batch_size, 3072, 256))
        names = list(contenders)
        turn = round_ % len(names)  # each contender goes first in turn
        rates = {name: contenders[name]() for name in names[turn:] + names[:turn]}
        seen["derive"].append(rates["derive"])
        seen["share"].append(rates["derive"] * FLOPS_PER_SAMPLE / (gflops * 1e9))
        for name in names[1:]:
            seen.setdefault(f"over {name}", []).append(rates["derive"] / rates[name])
    return {name: statistics.median(values) for name, values in seen.items()}


def _plain_numpy_epoch(np, train_set, settings) -> float:
    """Seconds of an epoch of the usual hand-written NumPy loop, for reference."""
    rng = np.random.default_rng(0)
    W1 = rng.normal(0, 0.025, (256, 3072)).astype(np.float32)
    W2 = rng.normal(0, 0.09, (10, 256)).astype(np.float32)
    b1, b2 = np.zeros(256, np.float32), np.zeros(10, np.float32)
    eye = np.eye(10, dtype=np.float32)
    order = rng.permutation(len(train_set.labels))
    started = time.perf_counter()
    for start in range(0, len(order), settings.batch_size):
        rows = order[start:start + settings.batch_size]
        X = train_set.pixels[rows].astype(np.float32) / 255
        A1 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
        Z2 = A1 @ W2.T + b2
        P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        D2 = (P - eye[train_set.labels[rows]]) / len(rows)
        D1 = (D2 @ W2) * A1 * (1 - A1)
        W2 -= settings.lr * (D2.T @ A1)
        b2 -= settings.lr * D2.sum(axis=0)
        W1 -= settings.lr * (D1.T @ X)
        b1 -= settings.lr * D1.sum(axis=0)
    return time.perf_counter() - started


def _product_rate(np, rows: int, inner: int, outer: int) -> float:
    """GFLOP/s of float32 products: W A^T and D^T A for A rows x inner, W outer x inner
    (square: just A A)."""
    rng = np.random.default_rng(0)
    A = rng.random((rows, inner), dtype=np.float32)
    W = rng.random((outer, inner), dtype=np.float32)
    D = rng.random((rows, outer), dtype=np.float32)
    square = rows == inner == outer
    products = [lambda: A @ A] if square else [lambda: W @ A.T, lambda: D.T @ A]
    repeats = 3 if square else 50
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeats):
            for product in products:
                product()
        best = min(best, time.perf_counter() - started)
    return repeats * len(products) * 2 * rows * inner * outer / best / 1e9


def _torch_epoch(train_set, settings):
    try:
        import torch
    except ImportError:
        return None
    import numpy as np

    def epoch() -> float:
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(3072, 256), torch.nn.Sigmoid(),
                                    torch.nn.Linear(256, 10))
        optimizer = torch.optim.SGD(model.parameters(), lr=settings.lr)
        order = np.random.default_rng(0).permutation(len(train_set.labels))
        started = time.perf_counter()
        for start in range(0, len(order), settings.batch_size):
            rows = order[start:start + settings.batch_size]
            x = torch.from_numpy(train_set.pixels[rows]).float() / 255
            y = torch.from_numpy(train_set.labels[rows])
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        return time.perf_counter() - started

    return epoch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.rounds, args.images)))
        return
    from derive.training import SKYLAKE_FLAGS, cpu_flags

    settings = [("default", {})]
    if cpu_flags() >= SKYLAKE_FLAGS:
        settings += [("Haswell (the AVX2 kernels some OpenBLAS builds pick on this CPU)",
                      {"OPENBLAS_CORETYPE": "Haswell"}),
                     ("SkylakeX (derive's choice here)", {"OPENBLAS_CORETYPE": "SkylakeX"})]
    for label, extra in settings:
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
        run = subprocess.run([sys.executable, __file__, "--worker", "--rounds", str(args.rounds),
                              "--images", str(args.images)],
                             env={**env, **extra, "OPENBLAS_VERBOSE": "2"},
                             capture_output=True, text=True, check=True)
        r = json.loads(run.stdout.strip().splitlines()[-1])
        core = re.search(r"Core: (\S+)", run.stderr)
        rate = r["derive"]
        print(f"{label} (OpenBLAS runs {core.group(1) if core else 'an unreported core'}):\n"
              f"  derive {rate:8.0f} samples/s = {rate * FLOPS_PER_SAMPLE / 1e9:5.1f} GFLOP/s: "
              f"{r['share']:5.1%} of the 2048^3 product rate "
              f"({r['gflops']:.0f} GFLOP/s); the step's two large products alone run at "
              f"{r['step_gflops']:.0f} GFLOP/s ({r['step_gflops'] / r['gflops']:.0%})")
        print(f"  a plain NumPy loop {rate / r['over plain']:8.0f} samples/s; derive / plain "
              f"{r['over plain']:4.2f}x")
        if "over torch" in r:
            print(f"  PyTorch CPU {rate / r['over torch']:8.0f} samples/s; derive / PyTorch "
                  f"{r['over torch']:4.2f}x")
    print("(medians of the rounds; ratios are each round's own)")


if __name__ == "__main__":
    main()
