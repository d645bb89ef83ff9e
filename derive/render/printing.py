"""One policy for numbers, and the SymPy printers that turn relations into TeX and text.

Numbers show at most `digits` significant digits (default 4), exactly as written when
they were given with fewer; integers in full.

>>> format_number(1.2432865553)
'1.243'
>>> format_number(0.5)
'0.5'
>>> format_number(6585)
'6585'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

DEFAULT_DIGITS = 4


def format_number(x: Any, digits: int = DEFAULT_DIGITS) -> str:
    """A number in the display policy: integers whole, decimals as written, floats rounded."""
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int | sympy.Integer):
        return str(int(x))
    if isinstance(x, Decimal):
        return _decimal_text(x)
    value = float(x)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    short = repr(value)
    if "e" not in short and len(short.lstrip("-0.").replace(".", "")) <= digits:
        return short
    text = f"{value:.{digits}g}"
    return text.replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def _decimal_text(x: Decimal) -> str:
    text = format(x, "f") if -20 < x.adjusted() < 20 else str(x)
    return "0" if text in {"-0", "0.0", "-0.0"} else text


def tex_number(x: Any, digits: int = DEFAULT_DIGITS) -> str:
    """A number for TeX math: scientific notation as ``m \\times 10^{e}``."""
    text = format_number(x, digits)
    if "e" in text and "inf" not in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text


def _shown(value: Any, digits: int, to_tex: bool) -> str:
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

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        if expr in self.given:
            return _shown(self.given[expr], self.digits, True)
        return super()._print_Symbol(expr, style)

    def _print_Float(self, expr: sympy.Float) -> str:
        return tex_number(expr, self.digits)

    def _print_MatrixSymbol(self, expr: sympy.MatrixSymbol) -> str:
        if expr in self.given:
            from derive.render.values import tex_value  # values builds on this module

            return tex_value(self.given[expr], self.digits)
        return super()._print_MatrixSymbol(expr)

    def _print_OneMatrix(self, expr: sympy.OneMatrix) -> str:
        return r"\mathbf{1}"


class TextPrinter(StrPrinter):
    """Plain text in the reader's term order; symbols in `given` print as their numbers."""

    def __init__(self, given: Mapping[sympy.Symbol, Any] | None = None,
                 digits: int = DEFAULT_DIGITS):
        super().__init__({"order": "none"})
        self.given = dict(given or {})
        self.digits = digits

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        if expr in self.given:
            return _shown(self.given[expr], self.digits, False)
        if expr.name == "ell":
            return "l"
        return expr.name.replace("{", "").replace("}", "").replace("\\", "")

    def _print_MatrixSymbol(self, expr: sympy.MatrixSymbol) -> str:
        if expr in self.given:
            from derive.render.values import text_value  # values builds on this module

            return text_value(self.given[expr], self.digits)
        return self._print_Symbol(sympy.Symbol(expr.name))

    def _print_Derivative(self, expr: sympy.Derivative) -> str:
        variables = "".join(f" d{self.parenthesize(v, PRECEDENCE['Atom'])}"
                            for v in expr.variables)
        return f"d{self.parenthesize(expr.expr, PRECEDENCE['Atom'])}/{variables.strip()}"

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

    def _print_HadamardProduct(self, expr: sympy.HadamardProduct) -> str:
        return " * ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_OneMatrix(self, expr: sympy.OneMatrix) -> str:
        return "1"

    def _print_Transpose(self, expr: sympy.Transpose) -> str:
        return f"{self.parenthesize(expr.arg, PRECEDENCE['Pow'])}.T"


def tex(expr: Any, given: Mapping[sympy.Symbol, Any] | None = None,
        digits: int = DEFAULT_DIGITS) -> str:
    """TeX for a SymPy expression, with `given` substituted for display."""
    return TexPrinter(given, digits).doprint(expr)


def text(expr: Any, given: Mapping[sympy.Symbol, Any] | None = None,
         digits: int = DEFAULT_DIGITS) -> str:
    """Plain text for a SymPy expression, with `given` substituted for display."""
    return TextPrinter(given, digits).doprint(expr)
