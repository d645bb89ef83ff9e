"""Argument values of a description: literals and small integer arithmetic, never evaluated.

The literals are `derive.call_syntax`'s (numbers, strings, True/False/None, tuples and lists
of them, a sign; reals read as floats) under this module's `CAPS`; added here are
``+ - * // % /`` and a bounded ``**``. Every integer stays within limits.MAX_INT, and an
argument nests at most limits.MAX_NESTING levels (operators count).

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

from derive.call_syntax import Caps, LiteralReader, is_number
from derive.errors import InputError
from derive.models.limits import MAX_INT, MAX_NESTING, MAX_POWER, MAX_SEQUENCE

CAPS = Caps(integer=MAX_INT, real=1e300, items=MAX_SEQUENCE, depth=MAX_NESTING)
OPERATORS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
    ast.FloorDiv: ("//", operator.floordiv), ast.Mod: ("%", operator.mod),
    ast.Div: ("/", operator.truediv), ast.Pow: ("**", operator.pow),
}


def value(node: ast.AST, label: str, source: str | None = None) -> Any:
    """The value written at `node` (parsed from `source`, which messages quote); anything
    beyond literals and arithmetic is refused."""
    return _Arithmetic(CAPS, label, source).read(node)


class _Arithmetic(LiteralReader):
    """The shared literals (reals as floats), and ``+ - * // % /`` and a bounded ``**``."""

    __slots__ = ()
    hint = "numbers, 'strings', True/False/None, (tuples) or integer arithmetic"
    exact = False

    def other(self, node: ast.AST, depth: int) -> Any:
        if not isinstance(node, ast.BinOp) or type(node.op) not in OPERATORS:
            return super().other(node, depth)
        symbol, apply = OPERATORS[type(node.op)]
        left, right = self.read(node.left, depth + 1), self.read(node.right, depth + 1)
        written = f"{left!r} {symbol} {right!r}"
        label = self.where
        if not (is_number(left) and is_number(right)):
            raise InputError(f"{label}: {written}: arithmetic needs numbers")
        if symbol in ("//", "%", "/") and right == 0:
            raise InputError(f"{label}: {written} divides by zero")
        if symbol == "**" and (not isinstance(right, int) or not 0 <= right <= MAX_POWER
                               or abs(left) > MAX_INT):
            raise InputError(f"{label}: {written}: the exponent must be a whole number from 0 "
                             f"to {MAX_POWER}")
        if symbol == "**" and abs(left) > 1 and right * int(abs(left)).bit_length() > 64:
            raise InputError(f"{label}: {written} is too large; at most {MAX_INT:,}")
        result = apply(left, right)
        if symbol == "/" and isinstance(result, float) and result.is_integer() \
                and isinstance(left, int) and isinstance(right, int):
            result = left // right  # 768/12 is the int 64, as a reader means it
        return self.bounded(result, written)
