"""Benchmark: `sheet --variants` at 50 and at 500 (the allowed maximum) variants.

A problem set of six kinds, every problem with a `vary` table (widths, activations, layouts,
starting points, rates, logits, labels, head counts), is written to a temporary folder; 50 and
then 500 variants of it are drawn, solved, verified and written (LaTeX sheets and keys and the
manifest) by the command a user runs, `derive sheet quiz.toml --variants N -o DIR`, each count
in its own process and folder (interpreter start-up included). Both wall times and their ratio are
printed. Target: the cost is linear in the count (ratio <= 11; 10 is exactly linear) and 500
variants take well under a minute.

Run: python bench/variants.py [--counts 50,500] [--format latex]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROBLEMS = """title = "Benchmark quiz"

[[problems]]
id = "count"
kind = "params"
layers = [100, 50, 10]
vary.layers = { each = { min = 5, max = 300 } }

[[problems]]
id = "conv"
kind = "conv-size"
input = 32
layers = [{ type = "conv", kernel = 3, stride = 1 }]
vary.input = { min = 3, max = 12 }
vary.layers = { choice = [[{ type = "conv", kernel = 5 }], [{ type = "conv", kernel = 7 }]] }

[[problems]]
id = "grad"
kind = "mlp-grad"
layers = [10, 8, 3]
vary.layers = { each = { min = 2, max = 40 } }
vary.hidden = { choice = ["sigmoid", "relu", "tanh"] }
vary.convention = { choice = ["Wx", "XW"] }

[[problems]]
id = "steps"
kind = "gd"
function = "x1**2 + 3*x2**2"
x0 = [1, 1]
lr = [0.1]
vary.x0 = { each = { min = -3.0, max = 3.0, digits = 1 } }
vary.lr = { each = { min = 0.05, max = 0.3 } }

[[problems]]
id = "ce"
kind = "loss"
logits = [[0.5, -1.0, 2.0]]
label = [2]
vary.logits = { each = { min = -3.0, max = 3.0, digits = 1 } }
vary.label = { each = { min = 0, max = 2 } }

[[problems]]
id = "heads"
kind = "attention-params"
d_model = 256
heads = 8
vary.d_model = { choice = [128, 256, 512] }
vary.heads = { choice = [2, 4, 8] }
"""
RATIO_TARGET = 11.0
SECONDS_TARGET = 60.0


def timed(count: int, fmt: str, scratch: Path) -> float:
    """Seconds `derive sheet quiz.toml --variants COUNT` takes, in a fresh process (so no
    cache is shared between the counts), writing into a fresh folder."""
    command = [sys.executable, "-m", "derive", "sheet", str(scratch / "quiz.toml"), "--variants",
               str(count), "--seed", "7", "--format", fmt, "-o", str(scratch / f"out-{count}")]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    took = time.perf_counter() - start
    written = json.loads((scratch / f"out-{count}" / "manifest.json").read_text())
    assert len(written["variants"]) == count
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="50,500", help="two variant counts, small first")
    parser.add_argument("--format", default="latex", help="latex, markdown, text or json")
    args = parser.parse_args()
    small, large = (int(n) for n in args.counts.split(","))
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        (scratch / "quiz.toml").write_text(PROBLEMS, encoding="utf-8")
        times = {count: timed(count, args.format, scratch) for count in (small, large)}
    ratio = times[large] / times[small]
    print(f"{small:4d} variants: {times[small]:6.2f} s ({times[small] / small * 1000:.0f} ms each)")
    print(f"{large:4d} variants: {times[large]:6.2f} s ({times[large] / large * 1000:.0f} ms each)")
    print(f"ratio {ratio:.2f} (linear: {large / small:g}); target: ratio <= "
          f"{RATIO_TARGET * large / small / 10:g} and {large} variants well under "
          f"{SECONDS_TARGET:g} s")
    met = ratio <= RATIO_TARGET * large / small / 10 and times[large] < SECONDS_TARGET
    print("target met" if met else "target NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
