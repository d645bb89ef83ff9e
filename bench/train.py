"""Benchmark: derive's NumPy trainer against PyTorch CPU and the machine's matrix-product rate.

Each setting of OPENBLAS_CORETYPE runs in its own process (it must be set before NumPy
loads): default, and where the CPU has AVX-512, Haswell (AVX2 kernels, which older OpenBLAS
builds pick on such CPUs) and derive's choice, SkylakeX; OpenBLAS's own report of the core
it runs is printed beside each. In each process, on the same synthetic CIFAR-shaped data,
epochs of derive and of PyTorch (nn.Linear + autograd + SGD, same sizes, batch, learning
rate and float32) alternate so the machine's drift cancels, and the ratio is the median of
the rounds' ratios. A step needs 4*3072*256 + 6*256*10 FLOPs per sample
(the input needs no gradient), compared with the float32 rate of a 2048^3 product and with
the rate of the step's own two large products (batch x 3072 by 3072 x 256, forward and
weight gradient) timed alone: no trainer can beat the latter.

Run: python bench/train.py [--rounds 5] [--images 10000]
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

    def derive_epoch() -> float:
        state = trainer.initial_state(settings, np)
        started = time.perf_counter()
        trainer.train(net, train_set, train_set, settings, state, np, lambda *a: None,
                      lambda: False, lambda s: None)
        return time.perf_counter() - started

    torch_epoch = _torch_epoch(train_set, settings)
    rounds_seen: dict[str, list[float]] = {"derive_samples_per_s": [], "gflops": [],
                                           "step_gflops": [], "torch_ratio": []}
    for _ in range(rounds):
        rounds_seen["gflops"].append(_product_rate(np, 2048, 2048, 2048))
        rounds_seen["step_gflops"].append(_product_rate(np, settings.batch_size, 3072, 256))
        rate = images / (derive_epoch() - _evaluation_time(net, train_set, settings))
        rounds_seen["derive_samples_per_s"].append(rate)
        if torch_epoch is not None:
            rounds_seen["torch_ratio"].append(rate * torch_epoch() / images)
    result = {name: statistics.median(seen) for name, seen in rounds_seen.items() if seen}
    paired = zip(rounds_seen["derive_samples_per_s"], rounds_seen["gflops"], strict=True)
    result["share"] = statistics.median(rate * FLOPS_PER_SAMPLE / (gflops * 1e9)
                                        for rate, gflops in paired)
    return result


def _product_rate(np, rows: int, inner: int, outer: int) -> float:
    """GFLOP/s of float32 products: W A^T and D^T A for A rows x inner, W outer x inner
    (square: just A A)."""
    rng = np.random.default_rng(0)
    A = rng.random((rows, inner), dtype=np.float32)
    W = rng.random((outer, inner), dtype=np.float32)
    D = rng.random((rows, outer), dtype=np.float32)
    square = rows == inner == outer
    products = [lambda: A @ A] if square else [lambda: W @ A.T, lambda: D.T @ A]
    repeats = 3 if square else 200
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeats):
            for product in products:
                product()
        best = min(best, time.perf_counter() - started)
    return repeats * len(products) * 2 * rows * inner * outer / best / 1e9


def _evaluation_time(net, train_set, settings) -> float:
    """trainer.train also evaluates after the epoch; that time is not training."""
    import numpy as np

    from derive.numeric import trainer

    state = trainer.initial_state(settings, np)
    started = time.perf_counter()
    trainer.evaluate(net, state.params, train_set, settings, np, None)
    trainer.evaluate(net, state.params, train_set, settings, np, None)
    return time.perf_counter() - started


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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--images", type=int, default=10000)
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
        rate = r["derive_samples_per_s"]
        print(f"{label} (OpenBLAS runs {core.group(1) if core else 'an unreported core'}):\n"
              f"  derive {rate:8.0f} samples/s = {rate * FLOPS_PER_SAMPLE / 1e9:5.1f} GFLOP/s: "
              f"{r['share']:5.1%} of the 2048^3 product rate "
              f"({r['gflops']:.0f} GFLOP/s); the step's two large products alone run at "
              f"{r['step_gflops']:.0f} GFLOP/s ({r['step_gflops'] / r['gflops']:.0%})")
        if "torch_ratio" in r:
            print(f"  PyTorch CPU {rate / r['torch_ratio']:8.0f} samples/s; derive / PyTorch "
                  f"{r['torch_ratio']:4.2f}x (median of the rounds' ratios)")

if __name__ == "__main__":
    main()
