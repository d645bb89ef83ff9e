"""The TeX printer: LaTeX in the reader's term order, given values shown as numbers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from derive.render.caption_math import word_script
from derive.render.numbers import DEFAULT_DIGITS, magnitude, tex_number
from derive.render.printer_shared import (
    PARAMETER,
    is_diagonal,
    negative,
    primed_superscript,
    shown,
    superscripted,
)
from derive.render.term_order import reader_order
from derive.render.tex_cases import cases

_FUNCTION_NAMES = {"relu": r"\operatorname{ReLU}"}
# a TeX command with its argument (kept), or a run of letters (a candidate word)
_LETTERS = re.compile(r"\\[A-Za-z]+(?:\{[^{}]*\})?|([A-Za-z]+)")
_SCRIPT_GROUP = re.compile(r"([_^])\{((?:[^{}]|\{[^{}]*\})*)\}")
_BODY = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]+)*(?=[_^'{]|$)")


def _upright_words(name: str, as_written: bool) -> str:
    """A printed name with its words upright, as the captions set them: a body of three or
    more letters (\\mathrm{LSE}_{1}, \\mathrm{loss}; words with spaces in \\text) and scripts
    that are words (d_{\\mathrm{model}}, P_{\\mathrm{QKV}}, \\eta_{\\mathrm{max}}). Pairs of indices
    stay italic (W_{ij}, W_{hh}); `as_written` (a name the engine wrote in TeX, with braces,
    such as GRU's W_{in}) keeps two-letter scripts as they are."""
    def script(match: re.Match[str]) -> str:
        return match[1] + "{" + _LETTERS.sub(word, match[2]) + "}"

    def word(match: re.Match[str]) -> str:
        run = match[1]
        upright = run and word_script(run) and (len(run) >= 3 or not as_written)
        return rf"\mathrm{{{run}}}" if upright else match[0]

    body = _BODY.match(name)
    head = "" if body is None else (rf"\text{{{body[0]}}}" if " " in body[0]
                                    else rf"\mathrm{{{body[0]}}}")
    return head + _SCRIPT_GROUP.sub(script, name[len(body[0]) if body else 0:])


class TexPrinter(LatexPrinter):
    """LaTeX in the reader's term order; symbols in `given` print as their numbers."""

    def __init__(self, given: Mapping[sympy.Symbol, Any] | None = None,
                 digits: int = DEFAULT_DIGITS):
        settings = {"order": "none", "mul_symbol": "dot" if given else None}
        super().__init__(settings)
        self.given = dict(given or {})
        self.scale = magnitude(self.given)  # noise below its resolution shows as 0
        self.digits = digits

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if self.given and isinstance(expr, sympy.Basic) and expr in self.given:
            return shown(self.given[expr], self.digits, True, self.scale)
        if type(expr).__name__ == "Updated":  # derive's node, whose _latex groups only braces
            return self._updated(expr)
        return super()._print(expr, **kwargs)

    def _updated(self, expr: Any) -> str:
        """A parameter after a step with a prime: {W_1}', and a superscripted name grouped so
        the prime is not read into its superscript: \\left(W^{1}\\right)'."""
        name = self._print(expr.args[0])
        if superscripted(expr.args[0]):
            return rf"\left({name}\right)'"
        return f"{{{name}}}'"

    def _print_Float(self, expr: sympy.Float) -> str:
        return tex_number(expr, self.digits)

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        """A torch parameter's name (2.weight) as code, never split at its underscores; a
        primed superscripted name grouped: \\left(Z^{1}\\right)'."""
        primed = primed_superscript(expr.name)
        if primed:
            return rf"\left({self._print_Symbol(sympy.Symbol(primed[0]), style)}\right)" + primed[1]
        match = PARAMETER.fullmatch(expr.name)
        if match:
            return (r"\mathtt{" + match[1].replace("_", r"\_") + "}"
                    + (r"^{\mathrm{new}}" if match[2] else ""))
        return _upright_words(str(super()._print_Symbol(expr, style)), "{" in expr.name)

    def _hprint_Function(self, func: str) -> str:
        """A function's name as the statements write it: relu as \\operatorname{ReLU}."""
        return _FUNCTION_NAMES.get(func) or str(super()._hprint_Function(func))

    def _print_Derivative(self, expr: sympy.Derivative) -> str:
        """The gradient of a quantity (the loss) as a partial: ∂L/∂Y, never d/dY L."""
        if len(expr.variables) == 1 and expr.expr.is_Symbol:
            return (rf"\frac{{\partial {self._print(expr.expr)}}}"
                    rf"{{\partial {self._print(expr.variables[0])}}}")
        return str(super()._print_Derivative(expr))

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        """A `cases` whose wide conditions continue on the rows under them (see tex_cases)."""
        return cases([(self._print(piece.expr),
                       None if piece.cond == sympy.true else self._print(piece.cond))
                      for piece in expr.args])

    def _print_Add(self, expr: sympy.Add, order: str | None = None) -> str:
        return str(super()._print_Add(reader_order(expr), order))

    def _print_OneMatrix(self, expr: sympy.OneMatrix) -> str:
        return r"\mathbf{1}"

    def _print_Transpose(self, expr: sympy.Transpose) -> str:
        """A diagonal (hence symmetric) factor is its own transpose: no T; an updated
        parameter takes its T after the prime, as in text: \\left(W^{1}\\right)'^{T}."""
        if is_diagonal(expr.arg):
            return self._print(expr.arg)
        if type(expr.arg).__name__ == "Updated":
            return self._print(expr.arg) + "^{T}"
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
