"""The TeX printer: LaTeX in the reader's term order, given values shown as numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from derive.render.numbers import DEFAULT_DIGITS, tex_number
from derive.render.printer_shared import PARAMETER, is_diagonal, negative, shown
from derive.render.term_order import reader_order


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
            return shown(self.given[expr], self.digits, True)
        return super()._print(expr, **kwargs)

    def _print_Float(self, expr: sympy.Float) -> str:
        return tex_number(expr, self.digits)

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        """A torch parameter's name (2.weight) as code, never split at its underscores."""
        match = PARAMETER.fullmatch(expr.name)
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
        if is_diagonal(expr.arg):
            return self._print(expr.arg)
        return str(super()._print_Transpose(expr))

    def _print_MatAdd(self, expr: sympy.MatAdd) -> str:
        """A sum in its stated order: the terms without a minus first (diag(p) - p p^T)."""
        terms = sorted(expr.args, key=negative)
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
