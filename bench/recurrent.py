"""Benchmark: a 20-step LSTM (input 4, hidden size 8, batch 1) forward, backpropagation
through time, verification of every gradient (parameters, h0, c0, the input) against
central finite differences, and the whole worked example as plain data -- as a whole
process (interpreter start-up and imports included), against `python -c "import sympy"`
measured in the same run. Best of --repeat runs each; the ratio is printed. Target: at most
a few times `import sympy`.

The second measurement is the user-facing kind: `derive.solve` of the same 20-step LSTM as a
`bptt` problem (every formula re-evaluated, every gradient against central differences)
and rendering it as text, Markdown, LaTeX and JSON, whole process, against the same
`import sympy`.

Run: python bench/recurrent.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

STEPS, INPUT, HIDDEN = 20, 4, 8


def worked_example() -> float:
    """The example solved and verified; returns the largest relative FD residual."""
    import numpy as np

    from derive.numeric.mlp import numerical_gradient
    from derive.numeric.recurrent import (
        RecurrentConfig,
        backward_through_time,
        draw_parameters,
        forward,
    )
    from derive.numeric.recurrent.trace import output_loss, trace

    config = RecurrentConfig("LSTM", INPUT, HIDDEN)
    rng = np.random.default_rng(0)
    params = draw_parameters(config, seed=0)
    params.update(h0=rng.normal(size=(1, 1, HIDDEN)), c0=rng.normal(size=(1, 1, HIDDEN)))
    x, target = rng.normal(size=(STEPS, 1, INPUT)), rng.normal(size=(STEPS, 1, HIDDEN))
    y, cache = forward(np, params, x, config)
    _, dy = output_loss(np, y, target, "every", config)
    back = backward_through_time(np, params, cache, dy, config)

    def loss() -> float:
        return output_loss(np, forward(np, params, x, config)[0], target, "every", config)[0]

    worst = 0.0
    for name, grad in [*back.grads.items(), ("x", back.dx)]:
        numeric = numerical_gradient(loss, x if name == "x" else params[name])
        worst = max(worst, float(np.abs(grad - numeric).max() / max(1.0, np.abs(numeric).max())))
    assert worst < 1e-6, worst
    trace(cache, back, config)
    return worst


def solved_and_rendered() -> int:
    """The `bptt` worked example solved and rendered in every format; returns its steps."""
    import numpy as np

    import derive

    rng = np.random.default_rng(0)
    problem = derive.problem(
        "bptt", layer=f"LSTM({INPUT}, {HIDDEN})", x=rng.normal(size=(STEPS, INPUT)).tolist(),
        target=rng.normal(size=(STEPS, HIDDEN)).tolist(), loss_on="every",
        h0=rng.normal(size=HIDDEN).tolist(), c0=rng.normal(size=HIDDEN).tolist(), lr=0.1)
    solution = derive.solve(problem)
    for fmt in ("text", "markdown", "latex", "json"):
        derive.render(solution, fmt)
    return len(solution.steps)


def wall(command: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--solve-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(f"{worked_example():.2e}")
        return
    if args.solve_child:
        print(solved_and_rendered())
        return
    residual = subprocess.run([sys.executable, __file__, "--child"], check=True,
                              capture_output=True, text=True).stdout.strip()
    example = wall([sys.executable, __file__, "--child"], args.repeat)
    sympy = wall([sys.executable, "-c", "import sympy"], args.repeat)
    print(f"20-step LSTM (hidden 8) forward + BPTT + FD verification of every gradient "
          f"(largest residual {residual}): {example:.2f} s")
    print(f"python -c 'import sympy': {sympy:.2f} s")
    print(f"ratio: {example / sympy:.2f}")
    count = subprocess.run([sys.executable, __file__, "--solve-child"], check=True,
                           capture_output=True, text=True).stdout.strip()
    solved = wall([sys.executable, __file__, "--solve-child"], args.repeat)
    print(f"derive bptt, the same LSTM solved, verified ({count} steps) and rendered as text, "
          f"markdown, latex and json: {solved:.2f} s; ratio to import sympy: "
          f"{solved / sympy:.2f}")


if __name__ == "__main__":
    main()
