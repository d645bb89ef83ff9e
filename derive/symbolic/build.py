"""Build SymPy expressions without evaluation, so they print in the order a reader writes them.

>>> import sympy
>>> from sympy import symbols
>>> n, k = symbols("n k")
>>> sympy.sstr(add(n, neg(k), 1), order="none")
'n - k + 1'
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy import Add, Mul, Pow, S


def _sym(x: Any) -> sympy.Basic:
    return sympy.sympify(x) if isinstance(x, int) else x


def add(*terms: Any) -> sympy.Expr:
    """Sum of `terms`, kept in the given order."""
    return Add(*map(_sym, terms), evaluate=False)


def mul(*factors: Any) -> sympy.Expr:
    """Product of `factors`, kept in the given order."""
    return Mul(*map(_sym, factors), evaluate=False)


def neg(x: Any) -> sympy.Expr:
    """-x, printed as a subtraction inside `add`."""
    return Mul(S.NegativeOne, _sym(x), evaluate=False)


def div(numerator: Any, denominator: Any) -> sympy.Expr:
    """numerator / denominator as a fraction."""
    return Mul(_sym(numerator), Pow(_sym(denominator), -1, evaluate=False), evaluate=False)


def power(base: Any, exponent: Any) -> sympy.Expr:
    """base ** exponent."""
    return Pow(_sym(base), _sym(exponent), evaluate=False)


def floor(x: Any) -> sympy.Expr:
    """The floor of x, unevaluated."""
    return sympy.floor(_sym(x), evaluate=False)


def value_of(expr: sympy.Basic, given: dict[sympy.Symbol, Any]) -> sympy.Basic:
    """Exact value of `expr` with its symbols replaced by `given` (ints stay exact).

    Only the symbols of `expr` are converted, so a long `given` (every width of a deep
    network) costs nothing per call: the cost is linear in the size of `expr`.

    >>> n, k = sympy.symbols("n k")
    >>> value_of(add(mul(n, k), k), {n: 3, k: 4, sympy.Symbol("unused"): 0.5})
    16
    """
    numbers = {symbol: sympy.nsimplify(v) if not isinstance(v, int) else sympy.Integer(v)
               for symbol in expr.free_symbols if (v := given.get(symbol)) is not None}
    return expr.xreplace(numbers).doit()


def eq(lhs: Any, rhs: Any) -> sympy.Equality:
    """lhs = rhs, unevaluated (SymPy would otherwise try to decide it)."""
    return sympy.Eq(_sym(lhs), _sym(rhs), evaluate=False)


class Equalities(sympy.Basic):  # type: ignore[misc]
    """a = b = c: a chain of equal expressions, printed in order."""

    @property
    def chain(self) -> tuple[Any, ...]:
        return tuple(self.args)

    def _latex(self, printer: Any) -> str:
        return " = ".join(printer._print(side) for side in self.args)

    def _sympystr(self, printer: Any) -> str:
        return " = ".join(printer._print(side) for side in self.args)


def equalities(*sides: Any) -> Equalities:
    """lhs = middle = ... = rhs, for a derivation carried out in one line."""
    return Equalities(*map(_sym, sides))
