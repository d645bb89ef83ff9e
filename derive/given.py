"""A problem's given data: the fields a student needs, shown as typeset values under its
statement (matrices as matrices, never Python lists), and the numbers a variant drew.

An entry names a field (`x`), or labels one entry of a list field (`W^1 = weights[0]`):

>>> given_entries(["x", "W^1 = weights[0]"], "given")
(('x', 'x', None), ('W^1', 'weights', 0))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from derive.errors import FieldError

_ENTRY = re.compile(r"(?:(?P<label>[A-Za-z][\w^{}]*)\s*=\s*)?(?P<field>[a-z_][a-z0-9_]*)"
                    r"(?:\[(?P<index>\d+)\])?")
MAX_ENTRIES = 50

Entry = tuple[str, str, int | None]


def given_entries(value: Any, name: str) -> tuple[Entry, ...]:
    """(label, field, index) of each entry: `field`, `field[i]` or `label = field[i]`."""
    if not isinstance(value, list | tuple) or len(value) > MAX_ENTRIES:
        raise FieldError(name, f"expected a list of at most {MAX_ENTRIES} field names")
    entries = []
    for item in value:
        found = _ENTRY.fullmatch(item.strip()) if isinstance(item, str) else None
        if not found:
            raise FieldError(name, f"{item!r}: write a field name, field[i] or label = field[i]")
        index = found["index"]
        entries.append((found["label"] or found["field"], found["field"],
                        None if index is None else int(index)))
    return tuple(entries)


def given_values(problem: Any) -> list[tuple[str, Any]]:
    """(label, value) of each given entry; a list of matrices gives one labelled matrix each."""
    shown: list[tuple[str, Any]] = []
    for label, field, index in getattr(problem, "given", ()):
        value = getattr(problem, field, None)
        if value is None or value == () or value == []:
            continue
        if not _numbers(value):  # a drawn layer list or activation: shown in words
            shown.append((label, described(problem.field_values().get(field, value))))
            continue
        if index is not None:
            if isinstance(value, Sequence) and index < len(value):
                shown.append((label, value[index]))
        elif _matrices(value) and isinstance(value, Sequence):
            shown += [(f"{label}_{i}", item) for i, item in enumerate(value, 1)]
        else:
            shown.append((label, _column(value)))
    return shown


def described(value: Any) -> str:
    """A field that is not numbers, in words: tables as `key value` pairs, pairs as 3×3.

    >>> described([{"type": "conv", "kernel": (7, 7), "stride": (2, 2), "bias": None}])
    'conv, kernel 7×7, stride 2×2'
    """
    if isinstance(value, dict):
        return ", ".join(str(v) if k == "type" else f"{k} {described(v)}"
                         for k, v in value.items() if v is not None and k != "bias")
    if isinstance(value, tuple) and value and all(isinstance(v, int) for v in value):
        return "×".join(str(v) for v in value)
    if isinstance(value, list | tuple):
        return "; ".join(described(item) for item in value)
    return str(value)


def _column(value: Any) -> Any:
    """A batch of one example (one row) as its vector, shown as a column."""
    if isinstance(value, Sequence) and len(value) == 1 and isinstance(value[0], Sequence):
        return value[0]
    return value


def _numbers(value: Any) -> bool:
    """A number, or a (nested) list of numbers: data a display can typeset."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return False
    if isinstance(value, Sequence):
        return bool(value) and all(_numbers(item) for item in value)
    return isinstance(value, int | float | Decimal)


def _matrices(value: Any) -> bool:
    """A list of matrices (each a list of rows), such as `weights`."""
    return (isinstance(value, Sequence) and not isinstance(value, str) and bool(value)
            and all(isinstance(m, Sequence) and m and isinstance(m[0], Sequence)
                    for m in value))


def check_given(problem: Any, names: Sequence[str]) -> None:
    """Refuse an entry naming no field of the problem."""
    for _, field, _ in getattr(problem, "given", ()):
        if field not in names or field == "given":
            raise FieldError("given", f"{field!r} is not a field of this problem")
