"""The SymPy printers that turn relations into TeX and text, under the number policy.

Anything in a printer's `given` mapping (a symbol, an indexed entry, a matrix) prints
as its value: formula -> substitution -> result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from derive.render.numbers import DEFAULT_DIGITS, format_number, tex_number
from derive.render.term_order import reader_order
from derive.render.text_names import name_unicode
from derive.render.values import tex_value, text_value


def _shown(value: Any, digits: int, to_tex: bool) -> str:
    if hasattr(value, "ndim") and value.ndim:
        return tex_value(value, digits) if to_tex else text_value(value, digits)
    text = tex_number(value, digits) if to_tex else format_number(value, digits)
    return f"({text})" if text.startswith("-") else text


class TexPrinter(LatexPrinter):
    """LaTeX in the reader's term order; symbols in `given` print as their numbers."""

    def __init__(self, given: Mapping[sympy.Symbol, Any] | None = None,
                 digits: int = DEFAULT_DIGITS):
        settings = {"order": "none", "mul_symbol": "dot" if given else None}
        super().__init__(settings)
        self.given = dict(given or {})
        self.digits = digits

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if self.given and isinstance(expr, sympy.Basic) and expr in self.given:
            return _shown(self.given[expr], self.digits, True)
        return super()._print(expr, **kwargs)

    def _print_Float(self, expr: sympy.Float) -> str:
        return tex_number(expr, self.digits)

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        """A torch parameter's name (2.weight) as code, never split at its underscores."""
        match = _PARAMETER.fullmatch(expr.name)
        if match:
            return (r"\mathtt{" + match[1].replace("_", r"\_") + "}"
                    + (r"^{\mathrm{new}}" if match[2] else ""))
        return str(super()._print_Symbol(expr, style))

    def _print_Derivative(self, expr: sympy.Derivative) -> str:
        """The gradient of a quantity (the loss) as a partial: ∂L/∂Y, never d/dY L."""
        if len(expr.variables) == 1 and expr.expr.is_Symbol:
            return (rf"\frac{{\partial {self._print(expr.expr)}}}"
                    rf"{{\partial {self._print(expr.variables[0])}}}")
        return str(super()._print_Derivative(expr))

    def _print_Add(self, expr: sympy.Add, order: str | None = None) -> str:
        return str(super()._print_Add(reader_order(expr), order))

    def _print_OneMatrix(self, expr: sympy.OneMatrix) -> str:
        return r"\mathbf{1}"

    def _print_Transpose(self, expr: sympy.Transpose) -> str:
        """A diagonal (hence symmetric) factor is its own transpose: no T."""
        if _is_diagonal(expr.arg):
            return self._print(expr.arg)
        return str(super()._print_Transpose(expr))

    def _print_MatAdd(self, expr: sympy.MatAdd) -> str:
        """A sum in its stated order: the terms without a minus first (diag(p) - p p^T)."""
        terms = sorted(expr.args, key=_negative)
        if terms != list(expr.args):
            expr = sympy.MatAdd(*terms, evaluate=False)
        return str(super()._print_Add(expr))

    def _print_Indexed(self, expr: sympy.Indexed) -> str:
        """An entry of a subscripted name groups the name: (Z_2)_{1,1}, never Z_{21,1}."""
        printed = str(super()._print_Indexed(expr))
        base = self._print(expr.base.label)
        if "_" not in base:
            return printed
        indices = ",".join(self._print(index) for index in expr.indices)
        return rf"\left({base}\right)_{{{indices}}}"


class TextPrinter(StrPrinter):
    """Plain text in the reader's term order; symbols in `given` print as their numbers."""

    def __init__(self, given: Mapping[sympy.Symbol, Any] | None = None,
                 digits: int = DEFAULT_DIGITS, pretty: bool = True):
        super().__init__({"order": "none"})
        self.given = dict(given or {})
        self.digits = digits
        self.pretty = pretty  # Unicode names and a dot for products; JSON keeps code-like text

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if self.given and isinstance(expr, sympy.Basic) and expr in self.given:
            return _shown(self.given[expr], self.digits, False)
        return super()._print(expr, **kwargs)

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        if expr.name.startswith("ell") and not expr.name[3:4].isalpha():
            return "l" + expr.name[3:]
        if self.pretty and _tex_named(expr.name):
            return name_unicode(expr.name)
        if self.pretty and _size(expr):  # a size letter: N1 and N_1 as N₁
            return re.sub(r"^([A-Za-z])_?(\d+)$", lambda m: name_unicode(f"{m[1]}_{{{m[2]}}}"),
                          expr.name)
        return expr.name.replace("{", "").replace("}", "").replace("\\", "")

    def _print_Function(self, expr: Any) -> str:
        """A function named in TeX (\\nabla f) by its Unicode name."""
        name = expr.func.__name__
        if self.pretty and "\\" in name:
            return f"{name_unicode(name)}({self.stringify(expr.args, ', ')})"
        return str(super()._print_Function(expr))

    def _print_Mul(self, expr: sympy.Mul) -> str:
        """A product of sizes as a mathematician writes it: H·N₁, 2·E, never H*N_1."""
        if self.pretty and all(_size(a) for a in expr.args):
            return "·".join(self._print(a) for a in expr.args)
        return str(super()._print_Mul(expr))

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        """A small power of a TeX-named quantity as a superscript: g_{t}**2 as gₜ²."""
        exponent, base = expr.exp, expr.base
        if self.pretty and base.is_Symbol and _tex_named(base.name) and \
                base not in self.given and exponent.is_Integer and 2 <= int(exponent) <= 9:
            return self._print(base) + "⁰¹²³⁴⁵⁶⁷⁸⁹"[int(exponent)]
        return str(super()._print_Pow(expr, rational))

    def _print_MatrixSymbol(self, expr: sympy.MatrixSymbol) -> str:
        return self._print_Symbol(sympy.Symbol(expr.name))

    def _print_Derivative(self, expr: sympy.Derivative) -> str:
        variables = "".join(f" d{self.parenthesize(v, PRECEDENCE['Atom'])}"
                            for v in expr.variables)
        return f"d{self.parenthesize(expr.expr, PRECEDENCE['Atom'])}/{variables.strip()}"

    def _print_Add(self, expr: sympy.Add, order: str | None = None) -> str:
        return str(super()._print_Add(reader_order(expr), order))

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        """1[condition] for an indicator; SymPy's own form otherwise."""
        if len(expr.args) == 2 and expr.args[0].expr == 1 and expr.args[1].expr == 0:
            return f"1[{self._print(expr.args[0].cond)}]"
        return self._print_Basic(expr)

    def _print_MatrixBase(self, expr: sympy.MatrixBase) -> str:
        """A column as [a, b]; a matrix as [[a, b], [c, d]]."""
        rows = ["[" + ", ".join(self._print(x) for x in expr.row(r)) + "]"
                for r in range(expr.rows)]
        if expr.cols == 1:
            return "[" + ", ".join(self._print(x) for x in expr) + "]"
        return "[" + ", ".join(rows) + "]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase

    def _print_KroneckerDelta(self, expr: sympy.KroneckerDelta) -> str:
        return f"[{self._print(expr.args[0])} = {self._print(expr.args[1])}]"

    def _print_Float(self, expr: sympy.Float) -> str:
        return format_number(expr, self.digits)

    def _print_Equality(self, expr: sympy.Eq) -> str:
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_MatMul(self, expr: sympy.MatMul) -> str:
        """NumPy's notation: @ between matrices, * for a scalar factor."""
        scalars = [a for a in expr.args if not a.is_Matrix]
        matrices = " @ ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args
                              if a.is_Matrix)
        if not scalars:
            return matrices
        factor = sympy.Mul(*scalars)
        return ("-" if factor == -1 else f"{self.parenthesize(factor, PRECEDENCE['Mul'])}*") \
            + matrices

    def _print_MatAdd(self, expr: sympy.MatAdd) -> str:
        """Terms in order; a term with a negative scalar factor is subtracted."""
        parts = []
        for term in expr.args:
            factor = term.args[0] if isinstance(term, sympy.MatMul) else 1
            if getattr(factor, "is_negative", False):
                rest = [-factor] if -factor != 1 else []
                rest += list(term.args[1:])
                kept = rest[0] if len(rest) == 1 else sympy.MatMul(*rest, evaluate=False)
                parts.append("- " + self.parenthesize(kept, PRECEDENCE["Add"]))
            else:
                parts.append("+ " + self._print(term))
        joined = " ".join(parts)
        return joined[2:] if joined.startswith("+ ") else "-" + joined[2:]

    def _print_HadamardProduct(self, expr: sympy.HadamardProduct) -> str:
        return " * ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_OneMatrix(self, expr: sympy.OneMatrix) -> str:
        return "1"

    def _print_Transpose(self, expr: sympy.Transpose) -> str:
        return f"{self.parenthesize(expr.arg, PRECEDENCE['Pow'])}.T"


_PARAMETER = re.compile(r"([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+)( new)?")


def _tex_named(name: str) -> bool:
    """A name written in TeX (x_{t - 1}, \\nabla f): printed in Unicode in text."""
    return "\\" in name or "{" in name


def _size(factor: Any) -> bool:
    """A size letter (a positive integer symbol, as `--layers D,H,C` makes) or a count."""
    return bool((factor.is_Symbol and factor.is_integer and factor.is_positive)
                or (factor.is_Integer and factor > 0))


def _is_diagonal(expr: Any) -> bool:
    """diag(...), a DiagMatrix or an identity: equal to its own transpose."""
    name = getattr(getattr(expr, "func", None), "__name__", "")
    return name.lower() in {"diag", "diagmatrix", "diagonalmatrix", "identity"} or \
        bool(getattr(expr, "is_diagonal", False) is True)


def _negative(term: Any) -> bool:
    factor = term.args[0] if isinstance(term, sympy.MatMul) and term.args else None
    return bool(getattr(factor, "is_negative", False))


def tex(expr: Any, given: Mapping[sympy.Symbol, Any] | None = None,
        digits: int = DEFAULT_DIGITS) -> str:
    """TeX for a SymPy expression, with `given` substituted for display."""
    key = _key(expr, given)
    if key is None:
        return TexPrinter(given, digits).doprint(expr)
    return _tex_cached(key, digits, expr, given)


def text(expr: Any, given: Mapping[sympy.Symbol, Any] | None = None,
         digits: int = DEFAULT_DIGITS, pretty: bool = True) -> str:
    """Plain text for a SymPy expression, with `given` substituted for display; `pretty`
    writes names in Unicode and products of sizes with a dot (False: code-like, for JSON)."""
    key = _key(expr, given)
    if key is None:
        return TextPrinter(given, digits, pretty).doprint(expr)
    return _remembered(("text", digits, pretty, *key),
                       lambda: TextPrinter(given, digits, pretty).doprint(expr))


# Printing a matrix expression costs SymPy milliseconds, and a sheet prints the same formulas
# again and again (a key and its question sheet, each of many variants, the manifest). Equal
# SymPy trees with equal given values (same types, same bytes) print alike, so the text is
# kept by that key; the expression and values themselves ride along, outside the key.
_CACHE: dict[tuple[Any, ...], str] = {}
_CACHE_SIZE = 8192


def _tex_cached(key: tuple[Any, ...], digits: int, expr: Any, given: Any) -> str:
    return _remembered(("tex", digits, *key), lambda: TexPrinter(given, digits).doprint(expr))


def _remembered(key: tuple[Any, ...], make: Any) -> str:
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = make()
    return _CACHE[key]


def _key(expr: Any, given: Mapping[sympy.Symbol, Any] | None) -> tuple[Any, ...] | None:
    """A hashable stand-in for (expr, given), or None when one cannot be made."""
    if not isinstance(expr, sympy.Basic) or not _is_hashable(expr):
        return None
    values = []
    for symbol, value in (given or {}).items():
        shown = _value_key(value)
        if shown is None or not _is_hashable(symbol):
            return None
        values.append((symbol, shown))
    return (type(expr), expr, tuple(values))


def _value_key(value: Any) -> tuple[Any, ...] | None:
    """A value by its type and contents: an array's dtype, shape and bytes, else the value."""
    if isinstance(value, np.ndarray):
        return (np.ndarray, value.dtype.str, value.shape, value.tobytes())
    return (type(value), value) if _is_hashable(value) else None


def _is_hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
