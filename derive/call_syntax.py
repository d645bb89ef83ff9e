"""The `ast` reading shared by every parser of constructor calls: literals, names and caps.

`derive.constructor_calls` (one call: ``Adam(lr=0.1)``) and `derive.models` (a whole
description) both parse with `ast` and never evaluate. What they share is here: a literal's
value (numbers, 'strings', True/False/None, tuples and lists, a leading sign), each under the
caller's `Caps` (magnitude, entries, nesting depth, string length), a dotted name
(``torch.nn.Conv2d``) for the caller's own allowlist of qualifiers, a repeated keyword, and a
bounded excerpt of the text for messages. A caller reads further node types (a nested call, an
arithmetic operator) by overriding `LiteralReader.other`; anything else is refused in one line.

>>> caps = Caps(integer=100, real=1e3, items=4, depth=3)
>>> LiteralReader(caps, "arg", "(-2, 0.10)").read(ast.parse("(-2, 0.10)", mode="eval").body)
(-2, Decimal('0.10'))
>>> LiteralReader(caps, "arg").read(ast.parse("[[[[1]]]]", mode="eval").body)
Traceback (most recent call last):
derive.errors.InputError: arg: nested deeper than 3 levels
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from derive.errors import InputError

CONSTANTS = (int, float, str, type(None))  # bool is an int
NUMBERS = (int, float, Decimal)

@dataclass(frozen=True)
class Caps:
    """One caller's maximums, each checked while reading."""

    integer: int  # |an integer|
    real: float  # |a real number|; infinities and NaN are refused too
    items: int  # entries of one tuple or list
    depth: int  # tuples, lists, signs and the caller's own nodes nested in one argument
    string: int = 64  # characters of one string


class LiteralReader:
    """Reads the literal written at a node: ints as `int`, reals as the `Decimal` of the digits
    written in `source` (the text parsed, which messages quote) or, in a reader not `exact`, as
    Python's `float`, strings, booleans, None, and tuples (lists become tuples)."""

    __slots__ = ("caps", "where", "source")
    hint = "numbers, 'strings', True/False/None, (tuples) or [lists]"  # what may be written
    exact = True

    def __init__(self, caps: Caps, where: str, source: str | None = None) -> None:
        self.caps, self.where, self.source = caps, where, source

    def read(self, node: ast.AST, depth: int = 0) -> Any:
        """The value at `node`, `depth` levels inside the argument."""
        if depth > self.caps.depth:
            raise InputError(f"{self.where}: nested deeper than {self.caps.depth} levels")
        if isinstance(node, ast.Constant) and isinstance(node.value, CONSTANTS):
            return self.constant(node)
        if isinstance(node, ast.Tuple | ast.List):
            if len(node.elts) > self.caps.items:
                raise InputError(f"{self.where}: at most {self.caps.items} entries in a tuple "
                                 "or list")
            return tuple(self.read(item, depth + 1) for item in node.elts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.read(node.operand, depth + 1)
            if not is_number(operand):
                raise InputError(f"{self.where}: a sign needs a number, got {operand!r}")
            return -operand if isinstance(node.op, ast.USub) else operand
        return self.other(node, depth)

    def other(self, node: ast.AST, depth: int) -> Any:
        """A node that is not a literal: refused here; a caller reads its own kinds."""
        raise InputError(f"{self.where}: {shown(node, self.source)!r} is not a literal; write "
                         f"{self.hint}")

    def constant(self, node: ast.Constant) -> Any:
        value = node.value
        if isinstance(value, float) and self.exact:
            segment = ast.get_source_segment(self.source, node) if self.source else None
            digits = (segment or repr(value)).replace("_", "")
            return self.bounded(Decimal(digits), digits)
        return self.bounded(value)

    def bounded(self, value: Any, written: str = "") -> Any:
        """`value` (written as `written`, if not as itself) within the caps."""
        kind, caps = type(value), self.caps  # exact types: a bool is not capped as an int
        if kind is int and not -caps.integer <= value <= caps.integer:
            raise InputError(f"{self.where}: {written or value} is too large; at most "
                             f"{caps.integer:,}")
        if kind in (float, Decimal) and not -caps.real <= value <= caps.real:
            raise InputError(f"{self.where}: {written or value} is not a finite number of at "
                             f"most {caps.real:g}")
        if kind is str and len(value) > caps.string:
            raise InputError(f"{self.where}: a string of at most {caps.string} characters, "
                             f"got {len(value)}")
        return value


def is_number(value: Any) -> bool:
    """An int, float or Decimal, not a bool."""
    return isinstance(value, NUMBERS) and not isinstance(value, bool)


def dotted(node: ast.AST) -> tuple[str, ...] | None:
    """``('torch', 'nn', 'Conv2d')`` for ``torch.nn.Conv2d``; None for anything but a name
    with attributes (the caller checks the qualifiers against its allowlist)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


def shown(node: ast.AST, source: str | None) -> str:
    """At most 60 characters of the text written at `node` (or its kind, without the text);
    the text is sliced, never rebuilt: `ast.unparse` recurses and fails on deep input."""
    segment = ast.get_source_segment(source, node) if source is not None else None
    return (segment or type(node).__name__)[:60]


def refuse_repeated_keywords(tree: ast.AST, where: str, source: str) -> None:
    """Python refuses `f(a=1, a=2)` only when compiling; `ast.parse` lets it through.

    >>> text = "Linear(2, 3, bias=True, bias=False)"
    >>> refuse_repeated_keywords(ast.parse(text), "layer", text)
    Traceback (most recent call last):
    ...
    derive.errors.InputError: layer: keyword argument 'bias' repeated in Linear(...); give it once
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            seen: set[str] = set()
            for keyword in node.keywords:
                if keyword.arg in seen:
                    called = shown(node.func, source)
                    raise InputError(f"{where}: keyword argument {keyword.arg!r} repeated in "
                                     f"{called if len(called) < 40 else 'a call'}(...); give it "
                                     "once")
                if keyword.arg is not None:
                    seen.add(keyword.arg)
