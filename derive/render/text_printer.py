"""The text printer: plain text in the reader's term order (Unicode for the text format,
code-like for JSON), given values shown as numbers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from derive.render.caption_math import _SUBSCRIPTS
from derive.render.numbers import DEFAULT_DIGITS, format_number, magnitude, text_number
from derive.render.printer_shared import (
    PARAMETER,
    is_diagonal,
    negative,
    primed_superscript,
    shown,
    superscripted,
)
from derive.render.term_order import reader_order
from derive.render.text_names import function_unicode, name_unicode, superscript


class TextPrinter(StrPrinter):
    """Plain text in the reader's term order; symbols in `given` print as their numbers.

    `pretty` (the text format) writes math as a mathematician writes it on a plain-text page:
    Unicode names (W₁, Δ₃, ŷ, ℓ), ∂ for partials, `·` for a scalar product, juxtaposition for
    a matrix product (X W₁ᵀ), `⊙` entry-wise, `ᵀ`, the minus sign `−`, small powers raised.
    Without it (JSON) the text is code-like and parses: @, *, .T, **."""

    def __init__(self, given: Mapping[sympy.Symbol, Any] | None = None,
                 digits: int = DEFAULT_DIGITS, pretty: bool = True):
        super().__init__({"order": "none"})
        self.given = dict(given or {})
        self.scale = magnitude(self.given)  # noise below its resolution shows as 0
        self.digits = digits
        self.pretty = pretty
        self.minus = "−" if pretty else "-"

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if self.given and isinstance(expr, sympy.Basic) and expr in self.given:
            return shown(self.given[expr], self.digits, False, self.scale, not self.pretty)
        if type(expr).__name__ == "Updated":  # derive's node, whose _sympystr never groups
            return self._updated(expr)
        special = _UNICODE.get(type(expr).__name__) if self.pretty else None
        if special is not None:  # derive's own nodes, whose _sympystr writes ASCII
            return special(self, expr)
        return super()._print(expr, **kwargs)

    def _updated(self, expr: Any) -> str:
        """A parameter after a step with a prime: W₁', and a superscripted name grouped so the
        prime is not read into its superscript: (W¹)'."""
        name = self._print(expr.args[0])
        return f"({name})'" if superscripted(expr.args[0]) else f"{name}'"

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        """A name in Unicode (pretty) or as code; a primed superscripted name grouped: (Z¹)'."""
        primed = primed_superscript(expr.name)
        if primed:
            return f"({self._print_Symbol(sympy.Symbol(primed[0]))}){primed[1]}"
        if not self.pretty and expr.name.startswith("ell") and not expr.name[3:4].isalpha():
            return "l" + expr.name[3:]
        if self.pretty and PARAMETER.fullmatch(expr.name):
            return expr.name
        if self.pretty:  # a letter and digits (x1, w0, N1) as the captions write it: x₁
            return name_unicode(re.sub(r"^([A-Za-z])(\d+)$", r"\1_{\2}", expr.name))
        return expr.name.replace("{", "").replace("}", "").replace("\\", "")

    def _print_Function(self, expr: Any) -> str:
        """A function by its Unicode name: σ(z), ∇f(x), ReLU(z)."""
        name = expr.func.__name__
        if self.pretty:
            shown = function_unicode(name_unicode(name))
            return f"{shown}({self.stringify(expr.args, ', ')})"
        return str(super()._print_Function(expr))

    def _print_Mul(self, expr: sympy.Mul) -> str:
        """A scalar product with a dot, as a mathematician writes it: H·N₁, 2·E, −η·g; a chain
        of Leibniz factors spaced: ∂L/∂A₂ · ∂A₂/∂Z₂."""
        if self.pretty and all(_size(a) for a in expr.args):
            return "·".join(self._print(a) for a in expr.args)
        printed = str(super()._print_Mul(expr))
        if not self.pretty:
            return printed
        dot = " · " if any(type(a).__name__ in _LEIBNIZ for a in expr.args) else "·"
        printed = printed.replace("*", dot)
        return self.minus + printed[1:] if printed.startswith("-") else printed

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        """A positive whole power raised (gₜ², (ŷ₁ − y₁)²), any other with ^ (β₁^t)."""
        exponent = expr.exp
        if self.pretty and exponent.is_Integer and int(exponent) > 1:
            return self.parenthesize(expr.base, PRECEDENCE["Pow"], strict=False) + \
                str(superscript(str(exponent)))
        printed = str(super()._print_Pow(expr, rational))
        return printed.replace("**", "^") if self.pretty else printed

    def _print_MatrixSymbol(self, expr: sympy.MatrixSymbol) -> str:
        return self._print_Symbol(sympy.Symbol(expr.name))

    def _print_Derivative(self, expr: sympy.Derivative) -> str:
        """d(f)/d(x) in code; ∂f/∂x in Unicode, the function grouped only when it must be."""
        if self.pretty:
            wrt = " ".join(f"∂{self._leibniz_part(v)}" for v in expr.variables)
            return f"∂{self._leibniz_part(expr.expr)}/{wrt}"
        variables = "".join(f" d{self.parenthesize(v, PRECEDENCE['Atom'])}"
                            for v in expr.variables)
        return f"d{self.parenthesize(expr.expr, PRECEDENCE['Atom'])}/{variables.strip()}"

    def _leibniz_part(self, part: Any) -> str:
        """One side of ∂f/∂x: grouped when compound or a torch name (∂L/∂(2.weight))."""
        printed = self.parenthesize(part, PRECEDENCE["Pow"], strict=False)
        return f"({printed})" if PARAMETER.fullmatch(printed) else printed

    def _partial(self, expr: Any) -> str:
        """The Leibniz factor of a gradient with the captions' ∂: ∂L/∂W₁."""
        top, bottom = (self._leibniz_part(a) for a in expr.args)
        return f"∂{top}/∂{bottom}"

    def _elementwise(self, expr: Any) -> str:
        """A function applied entry by entry, named as in the captions: σ(Z₁), ∇f(x⁽⁰⁾)."""
        template = str(expr.args[1].name)
        head, bracket, tail = template.partition("(")
        if not bracket:
            return template.replace("{}", self._print(expr.arg))
        return function_unicode(head) + "(" + tail.replace("{}", self._print(expr.arg))

    def _norm(self, expr: Any) -> str:
        return f"‖{self._print(expr.args[0])}‖₂"

    def _sum_except(self, expr: Any) -> str:
        """Σⱼ≠ᵢ (term): over every j but i, as `_print_Sum` writes its range."""
        term, j, i = (self._print(a) for a in expr.args)
        if all(char in _SUBSCRIPTS for char in j + i):
            return f"Σ{_lowered(j)}≠{_lowered(i)} ({term})"
        return f"Σ({j} ≠ {i}) ({term})"

    def _print_Sum(self, expr: sympy.Sum) -> str:
        """Σᵢ₌₁..C (term), as the captions' Σᵢ with the range: the index and its start
        lowered, the end after `..` (grouped when compound: ..(N − 1)), one Σ per index;
        the summand always grouped, so the sum reads as one factor."""
        if not self.pretty:
            return str(super()._print_Sum(expr))
        sums = []
        for index, start, end in expr.limits:
            first, last = self._print(index) + "=" + self._print(start), self._print(end)
            if not all(char in _SUBSCRIPTS for char in first):  # no subscript c: Σ(c=0..d − 1)
                sums.append(f"Σ({first}..{last})")
                continue
            last = last if re.fullmatch(r"\w+", last) else f"({last})"
            sums.append(f"Σ{_lowered(first)}..{last}")
        return f"{' '.join(sums)} ({self._print(expr.function)})"

    def _indexed(self, expr: sympy.Indexed) -> str:
        """An entry as the captions write it: yᵢ, (z₂)ⱼ, (W¹)ₖ; with two indices, or one that
        has no subscript character, in brackets: Y[n, i], W¹[1, 2], h[C] (subscripts side by
        side would run together: W₁₂ for entry 1, 2 or entry 12)."""
        base = self._print(expr.base.label)
        indices = [self._print(i) for i in expr.indices]
        if len(indices) != 1 or len(indices[0]) != 1 or indices[0] not in _SUBSCRIPTS:
            return f"{base}[{', '.join(indices)}]"
        plain = len(unicodedata.normalize("NFD", base).rstrip("\u0302\u0303\u0304")) == 1
        return (base if plain else f"({base})") + _SUBSCRIPTS[indices[0]]

    def _print_Add(self, expr: sympy.Add, order: str | None = None) -> str:
        if not self.pretty:
            return str(super()._print_Add(reader_order(expr), order))
        terms = self._as_ordered_terms(reader_order(expr), order=order)
        return self._signed(terms)

    def _signed(self, terms: list[Any]) -> str:
        """Terms joined by + and −, each minus taken out of its term: a − 2·b, never a + -2*b."""
        parts = []
        for term in terms:
            printed = self._print(term)
            negative = printed.startswith(("-", "−")) and not term.is_Add
            printed = printed[1:] if negative else printed
            if term.is_Add or precedence(term) < PRECEDENCE["Add"]:
                printed = f"({printed})"
            parts.append(("− " if negative else "+ ") + printed)
        joined = " ".join(parts)
        return "−" + joined[2:] if joined.startswith("−") else joined[2:]

    def _print_Relational(self, expr: Any) -> str:
        printed = str(super()._print_Relational(expr))
        if not self.pretty:
            return printed
        for ascii_op, sign in ((" <= ", " ≤ "), (" >= ", " ≥ "), (" != ", " ≠ ")):
            printed = printed.replace(ascii_op, sign)
        return printed

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        """1[condition] for an indicator; SymPy's own form otherwise."""
        if len(expr.args) == 2 and expr.args[0].expr == 1 and expr.args[1].expr == 0:
            return f"1[{self._print(expr.args[0].cond)}]"
        if self.pretty:  # {a if c; b otherwise}
            return "{" + "; ".join(self._print(piece.expr) + (
                " otherwise" if piece.cond == sympy.true else f" if {self._print(piece.cond)}")
                for piece in expr.args) + "}"
        return self._print_Basic(expr)

    def _print_And(self, expr: sympy.And) -> str:
        if not self.pretty:
            return str(super()._print_And(expr))
        return " ∧ ".join(self.parenthesize(a, PRECEDENCE["And"]) for a in expr.args)

    def _print_MatrixBase(self, expr: sympy.MatrixBase) -> str:
        """A column as [a, b]ᵀ (code: [a, b]); a matrix as [[a, b], [c, d]], as
        `derive.render.values.text_value` writes numbers."""
        rows = ["[" + ", ".join(self._print(x) for x in expr.row(r)) + "]"
                for r in range(expr.rows)]
        if expr.cols == 1:
            column = "[" + ", ".join(self._print(x) for x in expr) + "]"
            return column + "ᵀ" if self.pretty and expr.rows > 1 else column
        return "[" + ", ".join(rows) + "]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase

    def _print_KroneckerDelta(self, expr: sympy.KroneckerDelta) -> str:
        return f"[{self._print(expr.args[0])} = {self._print(expr.args[1])}]"

    def _print_Float(self, expr: sympy.Float) -> str:
        return (text_number if self.pretty else format_number)(expr, self.digits)

    def _print_Equality(self, expr: sympy.Eq) -> str:
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_MatMul(self, expr: sympy.MatMul) -> str:
        """NumPy's notation (@ between matrices, * for a scalar factor) in code; in Unicode
        the matrices side by side and a scalar factor with a dot, a fraction grouped:
        (1/N)·(A₃ − Y) W₃."""
        scalars = [a for a in expr.args if not a.is_Matrix]
        matrices = (" " if self.pretty else " @ ").join(
            self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args if a.is_Matrix)
        if not scalars:
            return matrices
        factor = sympy.Mul(*scalars)
        if factor == -1:
            return self.minus + matrices
        shown = self.parenthesize(factor, PRECEDENCE["Mul"])
        if not self.pretty:
            return f"{shown}*{matrices}"
        grouped = "/" in shown and not shown.startswith("(")
        return (f"({shown})" if grouped else shown) + "·" + matrices

    def _print_MatAdd(self, expr: sympy.MatAdd) -> str:
        """Terms in order (in Unicode those without a minus first, diag(ŷ) − ŷ ŷᵀ); a term
        with a negative scalar factor is subtracted."""
        parts = []
        for term in sorted(expr.args, key=negative) if self.pretty else expr.args:
            factor = term.args[0] if isinstance(term, sympy.MatMul) else 1
            if getattr(factor, "is_negative", False):
                rest = [-factor] if -factor != 1 else []
                rest += list(term.args[1:])
                kept = rest[0] if len(rest) == 1 else sympy.MatMul(*rest, evaluate=False)
                parts.append(f"{self.minus} " + self.parenthesize(kept, PRECEDENCE["Add"]))
            else:
                parts.append("+ " + self._print(term))
        joined = " ".join(parts)
        return joined[2:] if joined.startswith("+ ") else self.minus + joined[2:]

    def _print_HadamardProduct(self, expr: sympy.HadamardProduct) -> str:
        return (" ⊙ " if self.pretty else " * ").join(
            self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_OneMatrix(self, expr: sympy.OneMatrix) -> str:
        return "1"

    def _print_Transpose(self, expr: sympy.Transpose) -> str:
        """Xᵀ, (Δ₃ W₃)ᵀ; in Unicode a diagonal factor is its own transpose: no ᵀ, and a given
        column's transpose is the row it is: δᵀ with δ = [1, 2]ᵀ as [[1, 2]], never [1, 2]ᵀᵀ."""
        if self.pretty and is_diagonal(expr.arg):
            return self._print(expr.arg)
        value = self.given.get(expr.arg) if self.pretty else None
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] == 1 \
                and value.shape[0] > 1:
            return shown(value.T, self.digits, False, self.scale)
        return self.parenthesize(expr.arg, PRECEDENCE["Pow"]) + ("ᵀ" if self.pretty else ".T")


# nodes that print themselves in ASCII (_sympystr: derive's, and SymPy's Indexed), written in
# Unicode instead
_LEIBNIZ = ("Partial", "MatrixPartial")
_UNICODE = {"Partial": TextPrinter._partial, "MatrixPartial": TextPrinter._partial,
            "Elementwise": TextPrinter._elementwise, "Norm": TextPrinter._norm,
            "SumExcept": TextPrinter._sum_except, "Indexed": TextPrinter._indexed}


def _lowered(text: str) -> str:
    """`text`, each of whose characters has one, in subscript characters: i=1 as ᵢ₌₁."""
    return "".join(_SUBSCRIPTS[char] for char in text)


def _size(factor: Any) -> bool:
    """A size letter (a positive integer symbol, as `--layers D,H,C` makes) or a count."""
    return bool((factor.is_Symbol and factor.is_integer and factor.is_positive)
                or (factor.is_Integer and factor > 0))
