"""The one safe parser for formulas a user writes.

Text is parsed by Python's `ast` and walked against a whitelist of node types, names
and functions, within limits on length, nesting and exponent size; the SymPy
expression is then built node by node. Nothing is ever passed to `eval`, `exec`,
`sympify` or `parse_expr`.

>>> parse("x1**2 + x1*x2 + 4*x2**2")
x1**2 + x1*x2 + 4*x2**2
>>> parse("relu(w0*x0 + b0)")
Max(0, b0 + w0*x0)
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from typing import Any

import sympy

from derive.errors import FieldError, InputError

MAX_LENGTH = 2000
MAX_DEPTH = 200
MAX_NODES = 1000
MAX_EXPONENT = 64
MAX_LITERAL = 10**15
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")


def _sigmoid(x: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-x))


FUNCTIONS: dict[str, tuple[int, Callable[..., sympy.Expr]]] = {  # name -> (arity, builder)
    "relu": (1, lambda x: sympy.Max(0, x)),
    "sigmoid": (1, _sigmoid),
    "tanh": (1, sympy.tanh),
    "exp": (1, sympy.exp),
    "log": (1, sympy.log),
    "sqrt": (1, sympy.sqrt),
    "abs": (1, sympy.Abs),
    "max": (2, sympy.Max),
    "min": (2, sympy.Min),
}
RESERVED = set(FUNCTIONS) | {"pi", "e", "E", "I", "oo", "nan", "zoo"}

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: lambda a: -a,
    ast.UAdd: lambda a: a,
}


def _refuse(field: str, why: str) -> InputError:
    return InputError(f"{field}: {why}; write arithmetic (+ - * / **), numbers, variable names "
                      f"and the functions {', '.join(FUNCTIONS)}")


MATRIX_FUNCTIONS = {"softmax": 1, "diag": 1, "sum": 1}  # only in matrix formulas


def validate(text: str, field: str = "expression", matrices: bool = False) -> ast.expr:
    """The checked AST of `text`; an `InputError` naming `field` for anything not allowed.

    With `matrices`, `@` (matrix product), `.T` (transpose) and softmax, diag and sum are
    allowed too, for formulas someone claims about matrices."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{field}: empty; write a formula such as x1**2 + 3*x2")
    if len(text) > MAX_LENGTH:
        raise InputError(f"{field}: longer than {MAX_LENGTH} characters; shorten it")
    if text.count("(") > MAX_DEPTH:
        raise InputError(f"{field}: too many parentheses; simplify it")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise _refuse(field, f"cannot read {text.strip()[:60]!r}") from None
    nodes = list(_walk(tree.body, 0, field, matrices))
    if len(nodes) > MAX_NODES:
        raise InputError(f"{field}: more than {MAX_NODES} operations; shorten it")
    return tree.body


def _walk(node: ast.AST, depth: int, field: str, matrices: bool) -> Iterable[ast.AST]:
    if depth > MAX_DEPTH:
        raise InputError(f"{field}: nested more than {MAX_DEPTH} levels deep; flatten it")
    yield node
    if matrices and isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        children: list[ast.AST] = [node.left, node.right]
    elif matrices and isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(
            node.ctx, ast.Load):
        children = [node.value]
    elif matrices and isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in MATRIX_FUNCTIONS and len(node.args) == 1 and not node.keywords:
        children = list(node.args)
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        if isinstance(node.op, ast.Pow):
            _check_exponent(node.right, field)
        children = [node.left, node.right]
    elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        children = [node.operand]
    elif isinstance(node, ast.Call):
        children = _call_arguments(node, field)
    elif isinstance(node, ast.Name):
        _check_name(node.id, field)
        children = []
    elif isinstance(node, ast.Constant):
        _check_constant(node.value, field)
        children = []
    else:
        raise _refuse(field, f"{type(node).__name__} is not allowed")
    for child in children:
        yield from _walk(child, depth + 1, field, matrices)


def _call_arguments(node: ast.Call, field: str) -> list[ast.AST]:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        name = node.func.id if isinstance(node.func, ast.Name) else type(node.func).__name__
        raise _refuse(field, f"the function {name!r} is not allowed")
    arity = FUNCTIONS[node.func.id][0]
    if node.keywords or len(node.args) != arity or any(
            isinstance(arg, ast.Starred) for arg in node.args):
        raise InputError(f"{field}: {node.func.id} takes {arity} argument(s), written f(x)")
    return list(node.args)


def _check_name(name: str, field: str) -> None:
    if not NAME.match(name) or name in RESERVED:
        raise InputError(f"{field}: {name!r} cannot be a variable name; use letters, digits "
                         "and '_' (e.g. x1, w_0), not a function name")


def _check_constant(value: Any, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(field, f"the constant {value!r} is not a number")
    if abs(value) > MAX_LITERAL or value != value:
        raise InputError(f"{field}: the number {value!r} is too large; keep numbers below 1e15")


def _check_exponent(node: ast.AST, field: str) -> None:
    """Exponents must be small numbers (or expressions of variables), never towers."""
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and abs(
            node.value) > MAX_EXPONENT:
        raise InputError(f"{field}: the exponent {node.value!r} is too large; keep exponents "
                         f"within +-{MAX_EXPONENT}")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        raise InputError(f"{field}: powers of powers (a**b**c) are not allowed; add parentheses "
                         "or simplify")


def build(node: ast.AST, symbols: dict[str, sympy.Symbol] | None = None) -> sympy.Expr:
    """SymPy expression of a validated AST; names become real symbols."""
    table = symbols if symbols is not None else {}
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](build(node.left, table), build(node.right, table))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](build(node.operand, table))
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return FUNCTIONS[node.func.id][1](*(build(arg, table) for arg in node.args))
    if isinstance(node, ast.Name):
        return table.setdefault(node.id, sympy.Symbol(node.id, real=True))
    assert isinstance(node, ast.Constant)
    value = node.value
    return sympy.Integer(value) if isinstance(value, int) else sympy.Float(repr(value))


def parse(text: str, field: str = "expression") -> sympy.Expr:
    """Validate `text` and build its SymPy expression."""
    return build(validate(text, field))


def formula_field(value: Any, name: str) -> str:
    """A problem field holding a formula: text the safe parser accepts, kept as written."""
    if not isinstance(value, str):
        raise FieldError(name, f"expected a formula as text, got {value!r}")
    try:
        validate(value, name)
    except FieldError:
        raise
    except InputError as error:  # the parser names the field itself: a FieldError, once
        raise FieldError(name, str(error).removeprefix(f"{name}: ")) from None
    return value
