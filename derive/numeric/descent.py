"""Gradient descent with a fixed step, its stopping rule, and divergence detection.

The rule |f(x_(k+1)) - f(x_k)| < tol firing is not convergence on its own: f also stands
still when the iterates jump across a valley and back. A run converged when the gradient
vanished, ||grad f(x_k)|| < tol, or when f stood still with ||grad f(x_k)|| at most
`STATIONARY_RTOL` (1%) of ||grad f(x_0)||. Otherwise the run *oscillates* when its next step
would point against its last one (the iterates alternate across a valley), and is *stopped*
(not at a stationary point) when it would not.

The update itself is torch's `SGD(lr=eta)`, stepped by `derive.numeric.optim`'s rule (one
update rule per optimizer): x - eta g computed as x + (-eta) g, the same float.

>>> trace = descend(lambda x: float(x @ x), lambda x: 2 * x, [1.0, -1.0], 0.25, 1e-9, 100)
>>> trace.verdict, trace.points[1].tolist()
('converged', [0.5, -0.5])
>>> descend(lambda x: float(x @ x), lambda x: 2 * x, [1.0], 1.0, 1e-9, 100).verdict
'oscillating'
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derive.numeric.optim.rules import rule_for
from derive.numeric.optim.run import iterate
from derive.numeric.optim.specs import optimizer

BLOW_UP = 1e12  # |f| or |x| beyond this (relative to the start) counts as divergence
STATIONARY_RTOL = 1e-2  # f standing still counts as convergence below this share of |grad f(x_0)|


@dataclass
class Trace:
    """The iterates x_k with f(x_k) and ||grad f(x_k)||, and why the run stopped."""

    points: list[Any] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    gradient_norms: list[float] = field(default_factory=list)
    verdict: str = "stopped"  # converged, diverged, oscillating or stopped
    reason: str = ""

    def record(self, point: Any, value: float, gradient: Any) -> None:
        self.points.append(point)
        self.values.append(value)
        self.gradient_norms.append(float(np.linalg.norm(gradient)))


def descend(f: Callable[[Any], float], gradient: Callable[[Any], Any], start: Sequence[float] | Any,
            rate: float, tol: float, max_steps: int, stop: bool = True) -> Trace:
    """x_{k+1} = x_k - rate grad f(x_k), torch's `SGD(lr=rate)` run by the optimizers' own
    rule, until |f(x_{k+1}) - f(x_k)| < tol or ||grad f(x_k)|| < tol; diverged when values
    blow up or stop being finite. Without `stop`, exactly `max_steps` updates, whatever
    happens."""
    trace = Trace()
    x0 = np.asarray(start, dtype=float)
    scale = BLOW_UP * (1.0 + float(np.max(np.abs(x0))))
    sgd = rule_for(optimizer("SGD", lr=rate))
    with np.errstate(all="ignore"):
        for record in iterate(sgd, f, gradient, x0, itertools.repeat(rate, max_steps)):
            trace.record(record.x, record.f, record.slope)
            if not stop:
                continue
            if record.t and _diverged(trace, scale):
                trace.verdict, trace.reason = "diverged", "the iterates blow up"
                return trace
            if record.t and abs(record.f - trace.values[-2]) < tol:
                trace.verdict, trace.reason = _standing_still(trace, tol, record.slope)
                return trace
            if record.t < max_steps and trace.gradient_norms[-1] < tol:
                trace.verdict, trace.reason = "converged", f"||grad f(x_k)|| < {tol:g}"
                return trace
    trace.reason = (f"no convergence within {max_steps} steps" if stop
                    else f"exactly {max_steps} steps, no stopping rule")
    return trace


def _diverged(trace: Trace, scale: float) -> bool:
    """Whether the last iterate left the finite numbers, or f or x grew past `scale`."""
    x, value = trace.points[-1], trace.values[-1]
    return bool(not np.isfinite(value) or not np.all(np.isfinite(x)) or (
        abs(value) > scale * (1 + abs(trace.values[0])) or np.max(np.abs(x)) > scale))


def _standing_still(trace: Trace, tol: float, gradient: Any) -> tuple[str, str]:
    """The verdict and reason when f stopped changing: converged only if the gradient is
    small too (see the module's rule)."""
    rule = f"|f(x_(k+1)) - f(x_k)| < {tol:g}"
    norm, start = trace.gradient_norms[-1], trace.gradient_norms[0]
    if norm < tol or norm <= STATIONARY_RTOL * start:
        return "converged", rule
    still = f"{rule}, but the gradient is still {norm / start:.1%} of the start's"
    if _turning_back(trace.points, gradient):
        return "oscillating", f"{still}: the iterates alternate"
    return "stopped", f"{still}: not at a stationary point"


def _turning_back(points: list[Any], gradient: Any) -> bool:
    """Whether the next step, -eta grad f(x_k), points against the last one: the iterates
    jumped across a valley and will jump back."""
    return len(points) > 1 and float(np.dot(points[-1] - points[-2], -gradient)) < 0
