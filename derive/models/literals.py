"""Argument values of a description: literals and small integer arithmetic, never evaluated.

Only numbers, strings, True/False/None, tuples and lists of them, unary minus and
``+ - * // % /`` and a bounded ``**`` are read; every integer stays within limits.MAX_INT.

>>> import ast
>>> value(ast.parse("16 * 5 * 5", mode="eval").body, "arg")
400
>>> value(ast.parse("(3, 2**10)", mode="eval").body, "arg")
(3, 1024)
>>> value(ast.parse("10**20", mode="eval").body, "arg")
Traceback (most recent call last):
derive.errors.InputError: arg: 10 ** 20 is too large; at most 1,000,000,000,000
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from derive.errors import InputError
from derive.models.limits import MAX_INT, MAX_POWER, MAX_SEQUENCE

OPERATORS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
    ast.FloorDiv: ("//", operator.floordiv), ast.Mod: ("%", operator.mod),
    ast.Div: ("/", operator.truediv), ast.Pow: ("**", operator.pow),
}


def value(node: ast.AST, label: str) -> Any:
    """The value written at `node`; anything beyond literals and arithmetic is refused."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | None):
        return _bounded(node.value, label, "")
    if isinstance(node, ast.Tuple | ast.List):
        if len(node.elts) > MAX_SEQUENCE:
            raise InputError(f"{label}: at most {MAX_SEQUENCE} entries in a tuple or list")
        return tuple(value(item, label) for item in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = value(node.operand, label)
        if not _is_number(operand):
            raise InputError(f"{label}: a sign needs a number, got {operand!r}")
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        return _arithmetic(node, label)
    raise InputError(f"{label}: only numbers, strings, True/False/None, tuples and integer "
                     f"arithmetic are read, not {ast.unparse(node)[:60]!r}")


def _is_number(item: Any) -> bool:
    return isinstance(item, int | float) and not isinstance(item, bool)


def _arithmetic(node: ast.BinOp, label: str) -> Any:
    symbol, apply = OPERATORS[type(node.op)]
    left, right = value(node.left, label), value(node.right, label)
    written = f"{left!r} {symbol} {right!r}"
    if not (_is_number(left) and _is_number(right)):
        raise InputError(f"{label}: {written}: arithmetic needs numbers")
    if symbol in ("//", "%", "/") and right == 0:
        raise InputError(f"{label}: {written} divides by zero")
    if symbol == "**" and (not isinstance(right, int) or not 0 <= right <= MAX_POWER
                           or abs(left) > MAX_INT):
        raise InputError(f"{label}: {written}: the exponent must be a whole number from 0 to "
                         f"{MAX_POWER}")
    if symbol == "**" and abs(left) > 1 and right * abs(left).bit_length() > 64:
        raise InputError(f"{label}: {written} is too large; at most {MAX_INT:,}")
    result = apply(left, right)
    if symbol == "/" and isinstance(result, float) and result.is_integer() \
            and isinstance(left, int) and isinstance(right, int):
        result = left // right  # 768/12 is the int 64, as a reader means it
    return _bounded(result, label, written)


def _bounded(item: Any, label: str, written: str) -> Any:
    if isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INT:
        raise InputError(f"{label}: {written or item} is too large; at most {MAX_INT:,}")
    if isinstance(item, float) and not abs(item) <= 1e300:
        raise InputError(f"{label}: {written or item} is not a finite number")
    if isinstance(item, str) and len(item) > 64:
        raise InputError(f"{label}: a string of at most 64 characters, got {len(item)}")
    return item
