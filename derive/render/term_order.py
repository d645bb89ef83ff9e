"""A sum in a reader's order: SymPy's evaluation writes N - 1 as -1 + N and X - mu as
-mu + X; a printer puts the positive terms first and a number last."""

from __future__ import annotations

from typing import Any

import sympy


def reader_order(expr: sympy.Add) -> sympy.Expr:
    """A sum that SymPy's evaluation starts with a minus, in a reader's order: positive terms
    first, then the subtracted ones, a number last (N - 1, X - mu; never -1 + N); a sum that
    starts with a positive term keeps its order (1 - sigma(z)).

    >>> n, mu, x = sympy.symbols("N mu X")
    >>> [str(reader_order(e).args) for e in (n - 1, x - mu)]
    ['(N, -1)', '(X, -mu)']
    """
    terms = list(expr.args)
    minus = [term.could_extract_minus_sign() for term in terms]
    if len(terms) < 2 or not minus[0] or all(minus) or not all(map(_plain, terms)):
        return expr  # a derivation's own order (a sum, a fraction) is the writer's
    front = [t for t, m in zip(terms, minus, strict=True) if not m]
    back = [t for t, m in zip(terms, minus, strict=True) if m and not t.is_Number]
    numbers = [t for t, m in zip(terms, minus, strict=True) if m and t.is_Number]
    return sympy.Add(*front, *back, *numbers, evaluate=False)


def _plain(term: Any) -> bool:
    """A term of index arithmetic or a size: no sum, function or fraction inside."""
    return not term.atoms(sympy.Sum, sympy.Function) and not any(
        power.exp.is_negative for power in term.atoms(sympy.Pow))
