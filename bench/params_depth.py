"""Benchmark: `derive params` against depth, solving and rendering, measured in one run.

A count of a fully connected network is a sum with one term per layer, so its cost should
grow linearly with the number of widths: 3,000 widths about ten times 300 (before issue 13
every layer converted every width, and 3,000 widths took 4.2 s from the command line).

Each measurement runs in a fresh process (imports excluded), so neither SymPy's cache nor
the printers' cache carries one run's work into the next; the median of three is shown.

Run: python bench/params_depth.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

DEPTHS = (300, 3000)  # the second within fields.MAX_WIDTHS (5,000)
FORMATS = ("text", "markdown", "latex", "json")


def one_run(count: int) -> float:
    """Validate, solve and render (every format) a network of `count` widths, in seconds."""
    import derive

    derive.render(derive.solve(derive.problem("params", layers="3,2")), "text")  # warm up
    layers = ",".join(str(10 + index % 90) for index in range(count))
    start = time.perf_counter()
    solution = derive.solve(derive.problem("params", layers=layers))
    for fmt in FORMATS:
        derive.render(solution, fmt)
    return time.perf_counter() - start


def params_seconds(count: int, repeats: int = 3) -> float:
    """Median of `repeats` runs, each in a fresh process."""
    times = [float(subprocess.run([sys.executable, __file__, "--one", str(count)],
                                  capture_output=True, text=True, check=True).stdout)
             for _ in range(repeats)]
    return statistics.median(times)


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(one_run(int(sys.argv[2])))
        return
    small, large = (params_seconds(count) for count in DEPTHS)
    print(f"params, {DEPTHS[0]} widths: {small:.3f} s")
    print(f"params, {DEPTHS[1]} widths: {large:.3f} s")
    print(f"ratio: {large / small:.1f} (linear: about {DEPTHS[1] / DEPTHS[0]:.0f})")


if __name__ == "__main__":
    main()
