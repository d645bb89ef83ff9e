"""Benchmark: derive's NumPy trainer against PyTorch CPU and the machine's matrix-product rate.

Each setting of OPENBLAS_CORETYPE runs in its own process (it must be set before NumPy
loads): default, and derive's choice (SkylakeX where the CPU has AVX-512). In each process,
on the same synthetic CIFAR-shaped data, epochs of derive and of PyTorch (nn.Linear +
autograd + SGD, same sizes, batch, learning rate and float32) alternate so the machine's
drift cancels; a step needs 4*3072*256 + 6*256*10 FLOPs per sample (the input needs no
gradient), compared with the float32 rate of a 2048^3 product.

Run: python bench/train.py [--rounds 3] [--images 10000]
"""

from __future__ import annotations

import argparse
import json
import os
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
    a = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
    a @ a
    start = time.perf_counter()
    for _ in range(3):
        a @ a
    gflops = 3 * 2 * 2048 ** 3 / (time.perf_counter() - start) / 1e9

    def derive_epoch() -> float:
        state = trainer.initial_state(settings, np)
        started = time.perf_counter()
        trainer.train(net, train_set, train_set, settings, state, np, lambda *a: None,
                      lambda: False, lambda s: None)
        return time.perf_counter() - started

    torch_epoch = _torch_epoch(train_set, settings)
    derive_times, torch_times = [], []
    for _ in range(rounds):
        derive_times.append(derive_epoch() - _evaluation_time(net, train_set, settings))
        if torch_epoch is not None:
            torch_times.append(torch_epoch())
    result = {"derive_samples_per_s": images / statistics.median(derive_times),
              "gflops": gflops, "blas": os.environ.get("OPENBLAS_CORETYPE", "default")}
    if torch_times:
        result["torch_samples_per_s"] = images / statistics.median(torch_times)
    return result


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
        settings.append(("SkylakeX (derive's choice here)", {"OPENBLAS_CORETYPE": "SkylakeX"}))
    for label, extra in settings:
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
        out = subprocess.run([sys.executable, __file__, "--worker", "--rounds", str(args.rounds),
                              "--images", str(args.images)], env={**env, **extra},
                             capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        share = r["derive_samples_per_s"] * FLOPS_PER_SAMPLE / (r["gflops"] * 1e9)
        line = (f"{label:32s} derive {r['derive_samples_per_s']:8.0f} samples/s, product rate "
                f"{r['gflops']:6.1f} GFLOP/s, derive at {share:5.1%} of it")
        if "torch_samples_per_s" in r:
            line += (f", PyTorch CPU {r['torch_samples_per_s']:8.0f} samples/s, ratio "
                     f"{r['derive_samples_per_s'] / r['torch_samples_per_s']:4.2f}x")
        print(line)


if __name__ == "__main__":
    main()
