"""Converters of layer arguments: each checks one written value and returns it normalized.

A converter takes the value the parser read (an int, float, str, bool, None or a tuple of
them) and a label for messages, and raises `InputError` saying what was expected.

>>> spatial(2)(3, "k"), spatial(2)((3, 5), "k")
((3, 3), (3, 5))
>>> padding(2)("same", "p")
'same'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derive.converters import MAX_SIZE
from derive.errors import InputError

Convert = Callable[[Any, str], Any]


def _integer(value: Any, label: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{label}: expected a whole number, got {value!r}")
    if not minimum <= value <= MAX_SIZE:
        raise InputError(f"{label}: expected {minimum} to {MAX_SIZE:,}, got {value}")
    return value


def at_least(minimum: int) -> Convert:
    """A whole number from `minimum` to converters.MAX_SIZE."""
    return lambda value, label: _integer(value, label, minimum)


size = at_least(1)
count = at_least(0)


def dim(value: Any, label: str) -> int:
    """A dimension index as torch counts it (the batch is 0; negative from the end)."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 8:
        raise InputError(f"{label}: expected a dimension from -8 to 8, got {value!r}")
    return value


def optional(convert: Convert) -> Convert:
    """None, or what `convert` accepts."""
    return lambda value, label: None if value is None else convert(value, label)


def spatial(n: int, minimum: int = 1) -> Convert:
    """An int (the same for every one of the n spatial dimensions) or a tuple of n ints."""
    def convert(value: Any, label: str) -> tuple[int, ...]:
        if isinstance(value, tuple | list):
            if len(value) != n:
                raise InputError(f"{label}: expected one number or {n} of them, got {value!r}")
            return tuple(_integer(item, label, minimum) for item in value)
        return (_integer(value, label, minimum),) * n
    return convert


def padding(n: int) -> Convert:
    """Zero padding per spatial dimension, or torch's 'same' / 'valid'."""
    def convert(value: Any, label: str) -> tuple[int, ...] | str:
        if value in ("same", "valid"):
            return "valid" if value == "valid" else "same"
        if isinstance(value, str):
            raise InputError(f"{label}: expected a number, 'same' or 'valid', got {value!r}")
        return spatial(n, 0)(value, label)
    return convert


def flag(value: Any, label: str) -> bool:
    """True or False."""
    if not isinstance(value, bool):
        raise InputError(f"{label}: expected True or False, got {value!r}")
    return value


def real(value: Any, label: str) -> float:
    """A finite real number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value \
            or abs(value) > 1e300:
        raise InputError(f"{label}: expected a number, got {value!r}")
    return float(value)


def choice(*options: str) -> Convert:
    """One of the given words."""
    def convert(value: Any, label: str) -> str:
        if value not in options:
            raise InputError(f"{label}: expected one of {', '.join(map(repr, options))}, "
                             f"got {value!r}")
        return str(value)
    return convert


def sizes(value: Any, label: str) -> tuple[int, ...]:
    """One size or a tuple of sizes (LayerNorm's normalized_shape)."""
    items = value if isinstance(value, tuple | list) else (value,)
    if not items:
        raise InputError(f"{label}: expected at least one size")
    return tuple(_integer(item, label, 1) for item in items)


def output_size(n: int) -> Convert:
    """An adaptive pool's output size: an int or n entries, each a size or None (keep)."""
    def convert(value: Any, label: str) -> tuple[int | None, ...]:
        items = value if isinstance(value, tuple | list) else (value,) * n
        if len(items) != n:
            raise InputError(f"{label}: expected one number or {n} of them, got {value!r}")
        return tuple(None if item is None else _integer(item, label, 1) for item in items)
    return convert


def anything(value: Any, label: str) -> Any:
    """A value that changes nothing counted (inplace, momentum, eps): accepted as written."""
    return value


def index(value: Any, label: str) -> int:
    """A whole number, possibly negative (an index counted from the end)."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_SIZE:
        raise InputError(f"{label}: expected a whole number, got {value!r}")
    return value
