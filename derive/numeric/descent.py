"""Gradient descent with a fixed step, its stopping rule, and divergence detection.

>>> trace = descend(lambda x: float(x @ x), lambda x: 2 * x, [1.0, -1.0], 0.25, 1e-9, 100)
>>> trace.verdict, trace.points[1].tolist()
('converged', [0.5, -0.5])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BLOW_UP = 1e12  # |f| or |x| beyond this (relative to the start) counts as divergence


@dataclass
class Trace:
    """The iterates x_k with f(x_k) and ||grad f(x_k)||, and why the run stopped."""

    points: list[Any] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    gradient_norms: list[float] = field(default_factory=list)
    verdict: str = "stopped"  # converged, diverged or stopped (at the step limit)
    reason: str = ""

    def record(self, point: Any, value: float, gradient: Any) -> None:
        self.points.append(point)
        self.values.append(value)
        self.gradient_norms.append(float(np.linalg.norm(gradient)))


def descend(f: Callable[[Any], float], gradient: Callable[[Any], Any], start: Sequence[float] | Any,
            rate: float, tol: float, max_steps: int) -> Trace:
    """x_{k+1} = x_k - rate grad f(x_k) until |f(x_{k+1}) - f(x_k)| < tol or
    ||grad f(x_k)|| < tol; diverged when values blow up or stop being finite."""
    trace = Trace()
    x = np.asarray(start, dtype=float)
    scale = BLOW_UP * (1.0 + float(np.max(np.abs(x))))
    with np.errstate(all="ignore"):
        g = np.asarray(gradient(x), dtype=float)
        trace.record(x, f(x), g)
        for _ in range(max_steps):
            if trace.gradient_norms[-1] < tol:
                trace.verdict, trace.reason = "converged", f"||grad f(x_k)|| < {tol:g}"
                return trace
            x = x - rate * g
            g = np.asarray(gradient(x), dtype=float)
            value = f(x)
            trace.record(x, value, g)
            if not np.isfinite(value) or not np.all(np.isfinite(x)) or (
                    abs(value) > scale * (1 + abs(trace.values[0])) or np.max(np.abs(x)) > scale):
                trace.verdict, trace.reason = "diverged", "the iterates blow up"
                return trace
            if abs(value - trace.values[-2]) < tol:
                trace.verdict, trace.reason = "converged", f"|f(x_(k+1)) - f(x_k)| < {tol:g}"
                return trace
    trace.reason = f"no convergence within {max_steps} steps"
    return trace
