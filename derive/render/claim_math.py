"""A claimed formula typeset as math: read as `derive check` reads it (`claim_tree`), built
into SymPy against the names of the right answer's sample, printed by the TeX printer."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy
from sympy import (
    HadamardPower,
    HadamardProduct,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    OneMatrix,
    Transpose,
)
from sympy.core.symbol import Str

from derive.claimed_formula import claim_tree, identifier
from derive.errors import InputError
from derive.render.printing import tex
from derive.symbolic.matrices import Diag, Elementwise


def claim_tex(claim: str, values: Mapping[str, Any], digits: int) -> str | None:
    """A claimed formula in TeX, read as `derive check` reads it (`claim_tree`) against the
    names in `values` (name -> the number or matrix it is judged at); None where it does not
    parse or names something else."""
    try:
        return tex(_claim_expr(claim_tree(claim, values), _claim_symbols(values)), digits=digits)
    except (InputError, TypeError, ValueError, NotImplementedError):
        return None


_SIZE = sympy.Symbol("k")  # every claimed matrix is k x k: a claim whose shapes do not fit
# (a transpose missing) prints all the same


def _claim_symbols(values: Mapping[str, Any]) -> dict[str, sympy.Basic]:
    """A symbol per name a claim may use, printed as the problem writes it: W1 as W^1."""
    symbols: dict[str, sympy.Basic] = {}
    for name in sorted(values, key=lambda name: identifier(name) == name):  # W^1 before W1
        symbol = MatrixSymbol(name, _SIZE, _SIZE) if np.ndim(values[name]) else \
            sympy.Symbol(name)
        symbols.setdefault(name, symbol)
        symbols.setdefault(identifier(name), symbol)
    return symbols


class _Applied(sympy.Expr):  # type: ignore[misc]
    """A scalar the TeX printer writes from a template with one `{}`: sum(M), exp(N)."""

    is_commutative = True

    def __new__(cls, template: str | Str, arg: sympy.Basic) -> _Applied:
        return sympy.Basic.__new__(cls, template if isinstance(template, Str) else
                                   Str(template), arg)

    def _latex(self, printer: Any) -> str:
        return str(self.args[0].name).replace("{}", printer._print(self.args[1]))


_FUNCTIONS = {"sigmoid": r"\sigma\left({}\right)", "relu": r"\operatorname{ReLU}\left({}\right)",
              "tanh": r"\tanh\left({}\right)", "exp": r"\exp\left({}\right)",
              "log": r"\log\left({}\right)", "sqrt": r"\sqrt{{}}", "abs": r"\left|{}\right|",
              "softmax": r"\operatorname{softmax}\left({}\right)"}


def _claim_expr(node: ast.AST, symbols: Mapping[str, sympy.Basic]) -> Any:
    """The SymPy expression of a parsed claim: `@` a matrix product, `*` entry-wise (⊙)
    between matrices, `.T` a transpose, a scalar beside a matrix a multiple of the ones."""
    if isinstance(node, ast.Constant):
        return sympy.Integer(node.value) if isinstance(node.value, int) else \
            sympy.Float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in symbols:
            raise InputError(f"claims: unknown name {node.id!r}")
        return symbols[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _claim_expr(node.operand, symbols)
        return _times(sympy.Integer(-1), operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Attribute):
        value = _claim_expr(node.value, symbols)
        return Transpose(value) if isinstance(value, MatrixExpr) else value
    if isinstance(node, ast.BinOp):
        return _binary(node.op, _claim_expr(node.left, symbols),
                       _claim_expr(node.right, symbols))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1:
        return _applied(node.func.id, _claim_expr(node.args[0], symbols))
    raise InputError("claims: not a formula of the claim syntax")


def _applied(name: str, arg: Any) -> Any:
    """A function of the claim syntax applied: entry-wise to a matrix, or sum(M), diag(v)."""
    matrix = isinstance(arg, MatrixExpr)
    if name == "diag" and matrix:
        return Diag(arg)
    if name == "sum":
        return _Applied(r"\sum\left({}\right)", arg)
    if name not in _FUNCTIONS:
        raise InputError(f"claims: the function {name!r} is not in the claim syntax")
    template = _FUNCTIONS[name]
    return Elementwise(name, f"{name}({{}})", template, arg) if matrix else \
        _Applied(template, arg)


def _binary(op: ast.operator, a: Any, b: Any) -> Any:
    """a op b, as the claim syntax reads it (`derive.claimed_formula.evaluate_claim`)."""
    both = isinstance(a, MatrixExpr) and isinstance(b, MatrixExpr)
    if isinstance(op, ast.MatMult) and isinstance(a, MatrixExpr) and b == 1:
        return MatMul(a, OneMatrix(_SIZE, _SIZE), evaluate=False)  # A 1: its row sums
    if isinstance(op, ast.MatMult | ast.Mult):
        if both:
            return MatMul(a, b, evaluate=False) if isinstance(op, ast.MatMult) else \
                HadamardProduct(*_entrywise(a), *_entrywise(b))
        return _times(a, b)
    if isinstance(op, ast.Add | ast.Sub):
        return _plus(a, b if isinstance(op, ast.Add) else _times(sympy.Integer(-1), b))
    if isinstance(op, ast.Div):
        return _quotient(a, b) if isinstance(b, MatrixExpr) else _times(sympy.Pow(b, -1), a)
    return HadamardPower(a, b) if isinstance(a, MatrixExpr) else sympy.Pow(a, b)


def _quotient(a: Any, b: MatrixExpr) -> Any:
    """a / B entry by entry: a times the reciprocals of B's entries."""
    reciprocal = Elementwise("reciprocal", "1/({})", r"\frac{1}{{}}", b)
    return reciprocal if a == 1 else HadamardProduct(_matrix(a), reciprocal)


def _entrywise(factor: MatrixExpr) -> tuple[MatrixExpr, ...]:
    """The factors of an entry-wise product, so that A * B * C prints without parentheses."""
    return factor.args if isinstance(factor, HadamardProduct) else (factor,)


def _times(a: Any, b: Any) -> Any:
    """A product where a factor may be a scalar: the scalar first beside a matrix."""
    if isinstance(b, MatrixExpr) and not isinstance(a, MatrixExpr):
        return MatMul(a, b, evaluate=False)
    if isinstance(a, MatrixExpr):
        return MatMul(b, a, evaluate=False)
    return sympy.Mul(a, b)


def _plus(a: Any, b: Any) -> Any:
    """A sum; beside a matrix, a scalar c is c times the matrix of ones (1 - sigma(Z))."""
    if isinstance(a, MatrixExpr) or isinstance(b, MatrixExpr):
        return MatAdd(_matrix(a), _matrix(b), evaluate=False)
    return sympy.Add(a, b, evaluate=False)


def _matrix(value: Any) -> Any:
    """A scalar as that multiple of the matrix of ones; a matrix as it is."""
    if isinstance(value, MatrixExpr):
        return value
    ones = OneMatrix(_SIZE, _SIZE)
    return ones if value == 1 else MatMul(value, ones, evaluate=False)
