"""Matrix-level building blocks: element-wise functions, Leibniz factors, numeric evaluation.

Derivations work on `MatrixSymbol`s of symbolic size, never on expanded entries, so their
cost does not depend on the widths. `evaluate` turns a printed formula into numbers, with
the rule table's kernels for the element-wise functions, so checks test what is printed.

>>> import numpy as np, sympy
>>> n = sympy.Symbol("n")
>>> W, x = sympy.MatrixSymbol("W", 2, n), sympy.MatrixSymbol("x", n, 1)
>>> evaluate(W * x, {W: np.ones((2, 3)), x: np.arange(3.0)[:, None]}, {n: 3}, {}).ravel()
array([3., 3.])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce, singledispatch
from typing import Any

import numpy as np
import sympy
from sympy import (
    Basic,
    HadamardPower,
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    OneMatrix,
    Transpose,
)
from sympy.core.symbol import Str

Kernels = Mapping[str, Callable[[Any], Any]]


class Elementwise(MatrixExpr):  # type: ignore[misc]
    """A function applied entry by entry; `text` and `tex` are templates with one `{}`.

    `kernel` names the numeric kernel that `evaluate` applies.
    """

    def __new__(cls, kernel: str | Str, text: str | Str, tex: str | Str,
                arg: MatrixExpr) -> Elementwise:
        names = (name if isinstance(name, Str) else Str(name) for name in (kernel, text, tex))
        return Basic.__new__(cls, *names, arg)

    @property
    def kernel(self) -> str:
        return str(self.args[0].name)

    @property
    def arg(self) -> MatrixExpr:
        return self.args[3]

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.arg.shape

    def _latex(self, printer: Any) -> str:
        return str(self.args[2].name).replace("{}", printer._print(self.arg))

    def _sympystr(self, printer: Any) -> str:
        return str(self.args[1].name).replace("{}", printer._print(self.arg))


class Diag(MatrixExpr):  # type: ignore[misc]
    """diag(v): the square matrix with the vector v on its diagonal."""

    def __new__(cls, vector: MatrixExpr) -> Diag:
        return Basic.__new__(cls, vector)

    @property
    def shape(self) -> tuple[Any, Any]:
        return (self.args[0].shape[0], self.args[0].shape[0])

    def _latex(self, printer: Any) -> str:
        return rf"\operatorname{{diag}}\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer: Any) -> str:
        return f"diag({printer._print(self.args[0])})"


class Partial(sympy.Expr):  # type: ignore[misc]
    """The Leibniz factor d(numerator)/d(denominator); kept in order inside a product."""

    is_commutative = False

    def __new__(cls, numerator: Basic, denominator: Basic) -> Partial:
        return Basic.__new__(cls, numerator, denominator)

    def _latex(self, printer: Any) -> str:
        top, bottom = (printer._print(a) for a in self.args)
        return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"

    def _sympystr(self, printer: Any) -> str:
        top, bottom = (printer._print(a) for a in self.args)
        return f"d{top}/d{bottom}"


class Entry(sympy.Expr):  # type: ignore[misc]
    """An entry of a quantity written as an expression: (dL/dY_2)_{n,o}, so a left side is
    indexed like the index form on its right."""

    def __new__(cls, whole: Basic, *indices: Basic) -> Entry:
        return Basic.__new__(cls, whole, *indices)

    def _latex(self, printer: Any) -> str:
        whole, *indices = (printer._print(a) for a in self.args)
        return rf"\left({whole}\right)_{{{','.join(indices)}}}"

    def _sympystr(self, printer: Any) -> str:
        whole, *indices = (printer._print(a) for a in self.args)
        return f"({whole})[{', '.join(indices)}]"


class MatrixPartial(MatrixExpr):  # type: ignore[misc]
    """d(loss)/d(matrix) as a matrix shaped like the matrix: a gradient that can be used
    in matrix formulas (an SGD update) and given numbers."""

    def __new__(cls, loss: Basic, matrix: MatrixExpr) -> MatrixPartial:
        return Basic.__new__(cls, loss, matrix)

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[1].shape

    def _latex(self, printer: Any) -> str:
        return Partial(*self.args)._latex(printer)

    def _sympystr(self, printer: Any) -> str:
        return Partial(*self.args)._sympystr(printer)


class Updated(MatrixExpr):  # type: ignore[misc]
    """A parameter after an update step, printed with a prime: W_1'."""

    def __new__(cls, matrix: MatrixExpr) -> Updated:
        return Basic.__new__(cls, matrix)

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape

    def _latex(self, printer: Any) -> str:
        return f"{{{printer._print(self.args[0])}}}'"  # braces: W^{1}' is a double superscript

    def _sympystr(self, printer: Any) -> str:
        return f"{printer._print(self.args[0])}'"


def chain(*factors: Partial) -> sympy.Expr:
    """The product of Leibniz factors, in the order given."""
    return sympy.Mul(*factors, evaluate=False)


def matmul(*factors: Any) -> MatrixExpr:
    """Matrix product in the order given (scalars allowed), without simplification."""
    return MatMul(*factors, evaluate=False)


def hadamard(*factors: MatrixExpr) -> MatrixExpr:
    """Entry-wise product."""
    return HadamardProduct(*factors)


def minus(a: MatrixExpr, b: MatrixExpr) -> MatrixExpr:
    """a - b, printed in that order."""
    return MatAdd(a, MatMul(-1, b), evaluate=False)


def scaled(factor: Any, matrix: MatrixExpr) -> MatrixExpr:
    """factor * matrix, unless the factor is 1."""
    return matrix if factor == 1 else MatMul(factor, matrix, evaluate=False)


def size(dimension: Any, dims: Mapping[sympy.Symbol, int]) -> int:
    """A symbolic dimension at the sizes in `dims`."""
    return int(sympy.sympify(dimension).xreplace(dims))


@singledispatch
def _value(expr: Basic, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
           kernels: Kernels) -> Any:
    raise TypeError(f"cannot evaluate {type(expr).__name__}")


@_value.register
def _(expr: MatrixSymbol, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    return arrays[expr]


@_value.register
def _(expr: MatrixPartial, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    return arrays[expr]


@_value.register
def _(expr: Identity, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    return np.eye(size(expr.shape[0], dims))


@_value.register
def _(expr: Diag, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    return np.diagflat(_value(expr.args[0], arrays, dims, kernels))


@_value.register
def _(expr: Transpose, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    return _value(expr.arg, arrays, dims, kernels).T


@_value.register
def _(expr: MatMul, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    scalar = sympy.Mul(*(a for a in expr.args if not a.is_Matrix)).xreplace(dims)
    matrices = [_value(a, arrays, dims, kernels) for a in expr.args if a.is_Matrix]
    return float(scalar) * reduce(lambda a, b: a @ b, matrices)


@_value.register
def _(expr: MatAdd, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    return sum(_value(a, arrays, dims, kernels) for a in expr.args)


@_value.register
def _(expr: HadamardProduct, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    return reduce(lambda a, b: a * b, (_value(a, arrays, dims, kernels) for a in expr.args))


@_value.register
def _(expr: HadamardPower, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    return _value(expr.base, arrays, dims, kernels) ** float(expr.exp)


@_value.register
def _(expr: Elementwise, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    return kernels[expr.kernel](_value(expr.arg, arrays, dims, kernels))


@_value.register
def _(expr: OneMatrix, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
      kernels: Kernels) -> Any:
    return np.ones((size(expr.shape[0], dims), size(expr.shape[1], dims)))


def evaluate(expr: MatrixExpr, arrays: Mapping[Basic, Any], dims: Mapping[sympy.Symbol, int],
             kernels: Kernels) -> Any:
    """The value of a matrix formula for the given matrices, sizes and kernels."""
    return _value(expr, arrays, dims, kernels)
