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
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from derive.render.numbers import DEFAULT_DIGITS, format_number, tex_number
from derive.render.term_order import reader_order
from derive.render.text_names import function_unicode, name_unicode, superscript
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
    """Plain text in the reader's term order; symbols in `given` print as their numbers.

    `pretty` (the text format) writes math as a mathematician writes it on a plain-text page:
    Unicode names (W₁, Δ₃, ŷ, ℓ), ∂ for partials, `·` for a scalar product, juxtaposition for
    a matrix product (X W₁ᵀ), `⊙` entry-wise, `ᵀ`, the minus sign `−`, small powers raised.
    Without it (JSON) the text is code-like and parses: @, *, .T, **."""

    def __init__(self, given: Mapping[sympy.Symbol, Any] | None = None,
                 digits: int = DEFAULT_DIGITS, pretty: bool = True):
        super().__init__({"order": "none"})
        self.given = dict(given or {})
        self.digits = digits
        self.pretty = pretty
        self.minus = "−" if pretty else "-"

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if self.given and isinstance(expr, sympy.Basic) and expr in self.given:
            return _shown(self.given[expr], self.digits, False)
        special = _UNICODE.get(type(expr).__name__) if self.pretty else None
        if special is not None:  # derive's own nodes, whose _sympystr writes ASCII
            return special(self, expr)
        return super()._print(expr, **kwargs)

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        if not self.pretty and expr.name.startswith("ell") and not expr.name[3:4].isalpha():
            return "l" + expr.name[3:]
        if self.pretty and _PARAMETER.fullmatch(expr.name):
            return expr.name
        if self.pretty:  # a size letter N1 as N₁, like N_1
            return name_unicode(re.sub(r"^([A-Za-z])(\d+)$", r"\1_{\2}", expr.name)
                                if _size(expr) else expr.name)
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
        return f"({printed})" if _PARAMETER.fullmatch(printed) else printed

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
        term, j, i = (self._print(a) for a in expr.args)
        return f"Σ_({j} ≠ {i})({term})"

    def _print_Sum(self, expr: sympy.Sum) -> str:
        """Σ_(i=1..C)(term): the summand always grouped, so the sum reads as one factor."""
        if not self.pretty:
            return str(super()._print_Sum(expr))
        limits = ", ".join(f"{self._print(i)}={self._print(a)}..{self._print(b)}"
                           for i, a, b in expr.limits)
        return f"Σ_({limits})({self._print(expr.function)})"

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
        for term in sorted(expr.args, key=_negative) if self.pretty else expr.args:
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
        """Xᵀ, (Δ₃ W₃)ᵀ; in Unicode a diagonal factor is its own transpose: no ᵀ."""
        if self.pretty and _is_diagonal(expr.arg):
            return self._print(expr.arg)
        return self.parenthesize(expr.arg, PRECEDENCE["Pow"]) + ("ᵀ" if self.pretty else ".T")


# derive's nodes that print themselves in ASCII (_sympystr), written in Unicode instead
_LEIBNIZ = ("Partial", "MatrixPartial")
_UNICODE = {"Partial": TextPrinter._partial, "MatrixPartial": TextPrinter._partial,
            "Elementwise": TextPrinter._elementwise, "Norm": TextPrinter._norm,
            "SumExcept": TextPrinter._sum_except}


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
