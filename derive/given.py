"""A problem's given data: the fields a student needs, shown as typeset values under its
statement (matrices as matrices, never Python lists), and the numbers a variant drew.

An entry names a field (`x`), or labels one entry of a list field (`W^1 = weights[0]`):

>>> given_entries(["x", "W^1 = weights[0]"], "given")
(('x', 'x', None), ('W^1', 'weights', 0))
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from derive.errors import FieldError

# a label may hold a layer or step in parentheses: x^{(0)}, Z^{(1)}
_ENTRY = re.compile(r"(?:(?P<label>[A-Za-z][\w^{}]*(?:\{\(\w+\)\})?)\s*=\s*)?"
                    r"(?P<field>[a-z_][a-z0-9_]*)"
                    r"(?:\[(?P<index>\d+)\])?")
MAX_ENTRIES = 50
MAX_SHOWN = 300  # entries of a tensor shown as given data; a larger one is described in words

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


def with_varied(problem: Any, vary: Mapping[str, Any]) -> Any:
    """The problem with every field its `vary` table draws among its given data, as each
    variant shows it, so its base answer key states the numbers its statement refers to."""
    listed = {field for _, field, _ in problem.given}
    drawn = tuple((name, name, None) for name in vary if name not in listed)
    return dataclasses.replace(problem, given=problem.given + drawn) if drawn else problem


def given_values(problem: Any) -> list[tuple[str, Any]]:
    """(label, value) of each given entry; a list of matrices gives one labelled matrix each."""
    shown: list[tuple[str, Any]] = []
    listed = tuple(getattr(problem, "given", ()))
    named = {field for _, field, _ in listed}
    referred = tuple((field, field, None) for field in referred_fields(problem)
                     if field not in named)
    for label, field, index in listed + referred:
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
    labels = {label for label, _ in shown}
    worked = getattr(problem, "worked_data", None)  # the numbers a kind works with or draws
    return shown + [item for item in (worked() if callable(worked) else ())
                    if item[0] not in labels]


def tensor_data(label: str, value: Any, origin: str) -> tuple[str, Any]:
    """A tensor as given data: its entries (more than 2 axes as a matrix whose rows run over
    the leading axes), or beyond `MAX_SHOWN` entries its shape and `origin` in words.

    >>> tensor_data("b", [0.5, 0.25], "given")
    ('b', [0.5, 0.25])
    >>> tensor_data("W", np.zeros((20, 20)), "drawn from seed 1")
    ('W', '20 × 20 tensor drawn from seed 1 (not printed)')
    """
    array = np.asarray(value, dtype=float)
    if array.size > MAX_SHOWN:
        return label, f"{' × '.join(map(str, array.shape))} tensor {origin} (not printed)"
    return label, (array.reshape(-1, array.shape[-1]) if array.ndim > 2 else array).tolist()


_REFERRED = re.compile(r"\b(?:the|an?)\s+((?:[a-z]+\s+){0,4}?[a-z]+)\s+given below",
                       re.IGNORECASE)


def referred_fields(problem: Any) -> list[str]:
    """The fields a statement refers to as given ("the step size given below"): those whose
    help begins with words the phrase before "given below" holds ("step sizes, one or
    several: 0.1"), else those whose name it holds ("the layer sizes"); plurals read as
    singulars.

    >>> from derive import problem
    >>> referred_fields(problem("gd", function="x**2", x0="1", statement="Use the step "
    ...                         "size given below."))
    ['lr']
    """
    phrases = [_singular(found) for found in _REFERRED.findall(getattr(problem, "statement",
                                                                       None) or "")]
    if not phrases or not dataclasses.is_dataclass(problem):
        return []
    found: list[str] = []
    for phrase in phrases:
        heads = [field.name for field in dataclasses.fields(problem)
                 if _holds(phrase, re.split(r"[,:(]", str(field.metadata.get("help", "")))[0])]
        found += heads or [field.name for field in dataclasses.fields(problem)
                           if _holds(phrase, field.name.replace("_", " "))]
    return list(dict.fromkeys(found))


def _holds(phrase: str, words: str) -> bool:
    """Whether the (singular) phrase holds the words, as whole words."""
    words = _singular(words)
    return bool(words) and f" {words} " in f" {phrase} "


def _singular(words: str) -> str:
    """Words lower-cased, each without a plural s: 'Layer sizes' -> 'layer size'."""
    return " ".join(re.sub(r"(?<=[a-z]{3})s$", "", word) for word in words.lower().split())


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
    """A batch of one example (one row) as its vector, shown as a column; a list of one
    number (one step size) as that number."""
    if isinstance(value, Sequence) and len(value) == 1 and not isinstance(value[0], str):
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
