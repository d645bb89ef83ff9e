"""Central differences of a SymPy expression in high precision, where floats would fail.

In float64 a large value swamps a small step (f ~ 1e18 hides what a step of 1e-6 does),
so the check's differences are taken with DIGITS digits and steps STEP * |x| (STEP at 0):
relative, so a point near 0 stays on its side of 0, as a function's domain may need.

>>> import sympy
>>> x, y = sympy.symbols("x y")
>>> round(float(central_difference(x**2 + y**2, {x: 1e9, y: 1000.0}, y)), 6)
2000.0
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy

DIGITS = 40
STEP = 1e-12  # relative to |x|


def central_difference(expression: sympy.Expr, at: Mapping[sympy.Symbol, float | sympy.Float],
                       symbol: sympy.Symbol) -> sympy.Expr:
    """(f(x + h) - f(x - h)) / 2h in `symbol` at `at`, evaluated to DIGITS digits (a SymPy
    number: complex or infinite where f is)."""
    point = {s: sympy.Float(value, DIGITS) for s, value in at.items()}
    step = STEP * (abs(point[symbol]) or 1)
    upper, lower = (sympy.N(expression.xreplace({**point, symbol: point[symbol] + h}), DIGITS)
                    for h in (step, -step))
    return (upper - lower) / (2 * step)
