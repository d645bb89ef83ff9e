"""`jacobian --fn softmax --at 5,-2,-1,3`: a function's Jacobian at a point, derived entry by
entry by SymPy, stated in closed form (diag(p) - p p^T; diag(f'(z))) and compared with central
finite differences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy
from sympy import IndexedBase, KroneckerDelta

from derive.answers import Answers
from derive.errors import VerificationError
from derive.numeric import activations as kernels
from derive.solution import Solution, Step, measured
from derive.symbolic.build import eq, equalities, mul

TOLERANCE = 1e-6

def function_solution(problem: Any) -> Solution:
    """The Jacobian of `problem.fn` at `problem.at`, entry by entry, checked by differences."""
    assert problem.fn is not None and problem.at is not None
    point = np.array([float(v) for v in problem.at])
    n = len(point)
    z = sympy.symbols(f"z_1:{n + 1}", real=True)
    exps = [sympy.exp(v) for v in z]
    outputs = {"softmax": [e / sum(exps) for e in exps],
               "sigmoid": [1 / (1 + sympy.exp(-v)) for v in z], "tanh": [sympy.tanh(v) for v in z],
               "relu": [sympy.Piecewise((v, v > 0), (0, True)) for v in z]}[problem.fn]
    J = sympy.Matrix(n, n, lambda i, j: sympy.diff(outputs[i], z[j]))
    at = {v: sympy.Float(str(p), 30) for v, p in zip(z, problem.at, strict=True)}
    derived = np.array(J.xreplace(at).evalf(30).tolist(), dtype=float)
    values = np.array([float(sympy.N(f.xreplace(at), 30)) for f in outputs])
    stated, form = _stated(problem.fn, values, point)
    finite = _function_differences(problem.fn, point)
    residual = measured(max(float(np.max(np.abs(derived - stated))),
                            float(np.max(np.abs(derived - finite)))))
    if not residual < TOLERANCE:
        raise VerificationError(f"jacobian: {problem.fn} at {point.tolist()} disagrees "
                                f"({residual:.1e})")
    p = sympy.Symbol("p")
    steps = [Step(eq(p, sympy.Function(problem.fn)(sympy.Symbol("z"))), f"{problem.fn} at z",
                  value=values, shape=(n,)),
             Step(equalities(sympy.Symbol("J_ij"), _entry_form(problem.fn)),
                  "entry by entry: SymPy differentiates output i by input j", check=residual),
             Step(equalities(sympy.Symbol("J"), sympy.Symbol(form)),
                  f"the {n} x {n} Jacobian at z", value=derived, shape=(n, n), check=residual)]
    return Solution(problem, tuple(steps), Answers.from_values({"p": values, "J": derived}),
                    notes=("ReLU'(0) is taken as 0",) if problem.fn == "relu" else ())


def _stated(fn: str, values: Any, point: Any) -> tuple[Any, str]:
    if fn == "softmax":
        return np.diag(values) - np.outer(values, values), "diag(p) - p p^T"
    prime = {"sigmoid": kernels.sigmoid_prime, "tanh": kernels.tanh_prime,
             "relu": kernels.relu_prime}[fn](np, point)
    return np.diag(prime), f"diag({fn}'(z))"


def _entry_form(fn: str) -> sympy.Expr:
    i, j = sympy.symbols("i j", integer=True)
    p = IndexedBase("p")
    if fn == "softmax":
        return mul(p[i], KroneckerDelta(i, j) - p[j])
    return mul(KroneckerDelta(i, j), sympy.Symbol(f"{fn}'(z_i)"))


def _function_differences(fn: str, point: Any, step: float = 1e-6) -> Any:
    """Central differences of the kernel, steps step * max(1, |z_k|) so that a far point
    keeps them; softmax(z) = softmax(z - max z), so softmax is differenced near 0. At
    ReLU's kink z_k = 0 the difference is taken from the left: ReLU'(0) = 0."""
    functions: dict[str, Callable[[Any], Any]] = {
        "softmax": lambda v: kernels.softmax(np, v), "sigmoid": lambda v: kernels.sigmoid(np, v),
        "tanh": np.tanh, "relu": lambda v: kernels.relu(np, v)}
    forward = functions[fn]
    if fn == "softmax":
        point = point - np.max(point)
    columns = []
    for k in range(len(point)):
        shift = np.zeros_like(point)
        shift[k] = step * max(1.0, abs(point[k]))
        if fn == "relu" and point[k] == 0:
            columns.append((forward(point) - forward(point - shift)) / shift[k])
        else:
            columns.append((forward(point + shift) - forward(point - shift)) / (2 * shift[k]))
    return np.stack(columns, axis=1)
