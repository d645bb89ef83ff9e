"""Benchmark: `derive summary` of a ResNet-50 (about 170 layers), whole process, against
`python -c "import sympy"` measured in the same run; and linearity in the number of layers.

Each measurement is a fresh process running the real command (median of three): the
ResNet-50 description (examples/models/resnet50.py, rendered as text), and chains of 500 and
5000 layers (Linear + ReLU pairs), whose ratio should be near 10 once the fixed start-up
(imports, measured as a 2-layer summary) is taken out.

Run: python bench/summary.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]


def seconds(command: list[str], repeats: int = 3) -> float:
    """Median wall time of `command` in fresh processes."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def chain(layers: int, folder: Path) -> Path:
    """A model file of `layers` layers: Linear(64, 64) and ReLU, alternating."""
    path = folder / f"chain{layers}.py"
    path.write_text("\n".join("Linear(64, 64)" if i % 2 == 0 else "ReLU()"
                              for i in range(layers)))
    return path


def summary(model: Path, shape: str) -> list[str]:
    return [sys.executable, "-m", "derive", "summary", "--input", shape, "--model", str(model)]


def main() -> None:
    sympy = seconds([sys.executable, "-c", "import sympy"])
    resnet = seconds(summary(ROOT / "examples" / "models" / "resnet50.py", "3x224x224"))
    print(f"import sympy:            {sympy:.2f} s")
    print(f"derive summary ResNet-50: {resnet:.2f} s   ratio {resnet / sympy:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        base, small, large = (seconds(summary(chain(n, Path(folder)), "64"))
                              for n in (2, 500, 5000))
    print(f"500 layers: {small:.2f} s, 5000 layers: {large:.2f} s, 2 layers (start-up and "
          f"imports): {base:.2f} s")
    print(f"work ratio 5000/500: {(large - base) / max(small - base, 1e-3):.1f} (linear: 10)")


if __name__ == "__main__":
    main()
