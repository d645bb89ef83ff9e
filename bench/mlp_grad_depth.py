"""Benchmark: `mlp-grad` against depth, and against the naive route, measured in one run.

The naive route writes the loss of a small network as one scalar SymPy expression of every
weight and differentiates it entry by entry (no simplification); `derive` works on matrix
symbols, so its cost should not grow with the widths and grow linearly with depth.

Run: python bench/mlp_grad_depth.py [--quick]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import sympy

import derive

DEPTHS = (1, 2, 5, 10, 20, 50)
NAIVE = ((2, 2, 2), (3, 3, 3), (4, 4, 3), (5, 7, 4, 3))


def seconds(action, repeats: int = 3) -> float:
    """Median wall time of `action()`."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def derive_time(widths) -> float:
    problem = derive.problem("mlp-grad", layers=list(widths), hidden="sigmoid")
    return seconds(lambda: derive.solve(problem))


def naive(widths) -> tuple[float, int]:
    """Seconds and operation count for d loss / d every parameter of the expanded loss."""
    x = sympy.Matrix(sympy.symbols(f"x0:{widths[0]}"))
    y = sympy.symbols(f"y0:{widths[-1]}")
    parameters, a = [], x
    for layer, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True), 1):
        W = sympy.Matrix(n_out, n_in, lambda r, c, layer=layer: sympy.Symbol(f"w{layer}_{r}{c}"))
        b = sympy.Matrix(sympy.symbols(f"b{layer}_0:{n_out}"))
        parameters += list(W) + list(b)
        z = W * a + b
        a = z.applyfunc(lambda v: 1 / (1 + sympy.exp(-v))) if layer < len(widths) - 1 else z
    total = sum(sympy.exp(v) for v in a)
    loss = -sum(y_i * sympy.log(sympy.exp(v) / total) for y_i, v in zip(y, a, strict=True))
    start = time.perf_counter()
    gradients = [sympy.diff(loss, p) for p in parameters]
    return time.perf_counter() - start, sum(sympy.count_ops(g) for g in gradients)


def process(args: list[str]) -> float:
    return seconds(lambda: subprocess.run(args, check=True, capture_output=True), repeats=5)


def main() -> None:
    quick = "--quick" in sys.argv
    print("whole process (median of 5), against importing SymPy in the same run")
    reference = process([sys.executable, "-c", "import sympy"])
    print(f"  python -c 'import sympy'             {reference:6.2f} s")
    for widths in ("3072,256,10", ",".join(["3072"] + ["256"] * 19 + ["10"])):
        took = process([sys.executable, "-m", "derive", "mlp-grad", "--layers", widths])
        label = f"mlp-grad, {widths.count(',')} layers"
        print(f"  {label:36s} {took:6.2f} s  ({took / reference:4.1f}x import sympy)")
    print("\nsolve() against depth (3072 inputs, 256 units per hidden layer, 10 outputs)")
    one = None
    for depth in DEPTHS[:4] if quick else DEPTHS:
        took = derive_time([3072] + [256] * (depth - 1) + [10])
        one = one or took
        print(f"  depth {depth:2d}: {took:6.3f} s  ({took / depth:.3f} s per layer, "
              f"{took / one:5.1f}x depth 1)")
    print("\nnaive route (SymPy diff of the expanded scalar loss) against derive, same widths")
    for widths in NAIVE[:2] if quick else NAIVE:
        naive_s, ops = naive(widths)
        ours = derive_time(widths)
        print(f"  {'-'.join(map(str, widths)):8s} naive {naive_s:7.2f} s ({ops:>9,} ops)  "
              f"derive {ours:5.3f} s  ratio {naive_s / ours:6.1f}x")


if __name__ == "__main__":
    main()
