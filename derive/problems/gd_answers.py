"""The answers of one step size of `gd`: the whole iterate table and each iterate by name.

For step size 0.1: ``lr 0.1 x_3`` (the iterate x_3), ``lr 0.1 f_3``, ``lr 0.1 gradient_3``
(the gradient there), the lists ``lr 0.1 iterates`` / ``f values`` / ``gradient norms``,
and the run's ``verdict``, ``steps``, last ``x``, ``f`` and ``gradient norm``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from derive.answers import Answer, Key
from derive.numeric.descent import Trace

NAMED_ITERATES = 50  # x_k, f_k and gradient_k by name for k up to this (the lists hold all)
ITERATES = ("x_k, f_k and the gradient at x_k of every iterate k, and the lists of iterates, "
            "f values and gradient norms, for each step size (the tables)")


def rate_answers(trace: Trace, eta: float, gradient: Callable[[Any], Any]) -> list[Answer]:
    """Every quantity of the run at step size `eta`."""
    setting = (("lr", f"{eta:g}"),)

    def answer(name: str, value: Any, nonnegative: bool = False, detail: str = "") -> Answer:
        return Answer(Key(name, setting=setting), value, shape=np.shape(value),
                      nonnegative=nonnegative, detail=detail)

    steps = len(trace.points) - 1
    verdict = dataclasses.replace(answer("verdict", trace.verdict), reads=verdict_words(trace))
    found = [verdict, answer("steps", steps, True),
             answer("x", trace.points[-1]), answer("f", trace.values[-1]),
             answer("gradient norm", trace.gradient_norms[-1], True),
             answer("iterates", [list(p) for p in trace.points], detail=ITERATES),
             answer("f values", list(trace.values), detail=ITERATES),
             answer("gradient norms", list(trace.gradient_norms), True, ITERATES)]
    for k in range(min(steps, NAMED_ITERATES) + 1):
        found += [answer(f"x_{k}", trace.points[k], detail=ITERATES),
                  answer(f"f_{k}", trace.values[k], detail=ITERATES),
                  answer(f"gradient_{k}", np.asarray(gradient(trace.points[k]), float),
                         detail=ITERATES)]
    return found


VERBS = {"converged": "converges", "diverged": "diverges", "oscillating": "oscillates",
         "stopped": "stops"}


def verdict_words(trace: Trace) -> str:
    """The run's verdict as its box reads it: 'converges (37 steps to ||grad f(x_k)|| <
    1e-06)', 'diverges (after 5 steps: the iterates blow up)'."""
    steps = len(trace.points) - 1
    if trace.verdict == "converged":
        return f"converges ({steps} steps to {trace.reason})"
    if trace.reason.startswith(("exactly", "no convergence")):  # no stopping rule; max_steps
        return f"stops ({trace.reason})"
    return f"{VERBS.get(trace.verdict, trace.verdict)} (after {steps} steps: {trace.reason})"


def minimizer(hessian: Any, linear: Any) -> Any | None:
    """The stationary point of a quadratic with gradient H x + c: H x* = -c; None when H is
    singular."""
    H = np.asarray(hessian, dtype=float)
    if abs(np.linalg.det(H)) < 1e-12:
        return None
    return np.linalg.solve(H, -np.asarray(linear, dtype=float))
