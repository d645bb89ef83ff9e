"""A LeNet-sized worked backprop example on one 1x32x32 input: solve, verify (each layer by
differences, the whole gradient along random directions) and render Markdown, whole-process,
against `python -c "import sympy"` measured in the same run. Prints the ratio (target: about
10 or less).

    python bench/model_backprop.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

LENET = """[[problems]]
id = "lenet"
kind = "model-backprop"
layers = ["Conv2d(1, 6, 5)", "ReLU()", "MaxPool2d(2)", "Conv2d(6, 16, 5)", "ReLU()",
          "MaxPool2d(2)", "Flatten()", "Linear(400, 120)", "ReLU()", "Linear(120, 84)",
          "ReLU()", "Linear(84, 10)"]
input = "1x32x32"
label = [3]
"""


def seconds(command: list[str], repeats: int = 3) -> float:
    """The fastest of `repeats` runs of `command`, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        problems = Path(folder) / "lenet.toml"
        problems.write_text(LENET)
        sympy_time = seconds([sys.executable, "-c", "import sympy"])
        example = seconds([sys.executable, "-m", "derive", "sheet", str(problems), "--format",
                           "markdown"])
    print(f"import sympy {sympy_time:.2f} s; LeNet model-backprop {example:.2f} s; "
          f"ratio {example / sympy_time:.1f}")


if __name__ == "__main__":
    main()
