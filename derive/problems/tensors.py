"""Tensor fields of the layer and model worked examples: values, named parameters, seeds.

A tensor is a TOML nested list (any depth up to `MAX_DEPTH`), a JSON-style text
``[[1, 2], [3, 4]]``, or rows ``1,2;3,4`` (one row ``1,2``); ``SHAPE:values`` such as
``1x1x3x3:1,0,-1,1,0,-1,1,0,-1`` fills a shape in row-major order. Parameters map
torch's state_dict names (``weight``, ``0.bias``) to tensors: a TOML table, or text
``NAME=TENSOR`` (a CLI option, repeatable). Every list has one maximum, checked here.

>>> tensor("1x2x2:1,2,3,4", "x").tolist()
[[[1.0, 2.0], [3.0, 4.0]]]
>>> sorted(named_tensors(["0.weight=1,2;3,4", "0.bias=[0, 1]"], "params"))
['0.bias', '0.weight']
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from derive.errors import FieldError

MAX_ENTRIES = 200_000  # numbers in one tensor
MAX_DEPTH = 6  # axes of one tensor
MAX_TEXT = 2_000_000  # characters of one tensor's text
MAX_NAMED = 200  # named parameter tensors


def _from_text(text: str, name: str) -> Any:
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise FieldError(name, f"at most {MAX_TEXT:,} characters")
    head, colon, rest = text.partition(":")
    if colon and re.fullmatch(r"\d{1,7}(x\d{1,7})*", head.strip()):
        shape = tuple(int(d) for d in head.split("x"))
        flat = _from_text(rest, name)
        array = np.asarray(flat, dtype=float).reshape(-1)
        if array.size != math.prod(shape):
            raise FieldError(name, f"shape {head.strip()} takes {math.prod(shape)} numbers, "
                             f"got {array.size}")
        return array.reshape(shape).tolist()
    if text.startswith("["):
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raise FieldError(name, f"not a nested list of numbers: {text[:40]!r}") from None
    rows = [row.split(",") for row in re.split(r"\s*;\s*", text)]
    try:
        values = [[float(item) for item in row] for row in rows]
    except ValueError:
        raise FieldError(name, f"write numbers as 1,2;3,4 or [[1, 2], [3, 4]]; got "
                         f"{text[:40]!r}") from None
    return values if ";" in text else values[0]


def tensor(value: Any, name: str) -> np.ndarray:
    """A float64 array from a nested list, a text, or a number (checked: finite, rectangular,
    at most `MAX_ENTRIES` numbers and `MAX_DEPTH` axes)."""
    raw = _from_text(value, name) if isinstance(value, str) else value
    if isinstance(raw, bool) or not isinstance(raw, int | float | Sequence) and not hasattr(
            raw, "__float__"):
        raise FieldError(name, f"expected numbers, got {value!r}")
    try:
        array = np.array(raw, dtype=float)
    except (ValueError, TypeError, OverflowError):
        raise FieldError(name, "expected a rectangular nested list of numbers") from None
    if array.ndim > MAX_DEPTH or array.size > MAX_ENTRIES:
        raise FieldError(name, f"at most {MAX_DEPTH} axes and {MAX_ENTRIES:,} numbers")
    if array.size == 0 or not np.all(np.isfinite(array)) or np.max(np.abs(array)) > 1e300:
        raise FieldError(name, "expected finite numbers below 1e300, at least one")
    return array


def named_tensors(value: Any, name: str) -> dict[str, np.ndarray]:
    """{state_dict name: array} from a table or from NAME=TENSOR texts."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, Sequence):
        items = []
        for item in value:
            key, sep, text = str(item).partition("=")
            if not sep or not key.strip():
                raise FieldError(name, f"write NAME=TENSOR, e.g. 0.weight=1,2;3,4; got "
                                 f"{str(item)[:40]!r}")
            items.append((key.strip(), text))
    else:
        raise FieldError(name, "expected a table of state_dict names to tensors")
    if len(items) > MAX_NAMED:
        raise FieldError(name, f"at most {MAX_NAMED} tensors")
    result = {}
    for key, text in items:
        if not re.fullmatch(r"[A-Za-z0-9_.]{1,100}", str(key)):
            raise FieldError(name, f"{key!r} is not a state_dict name such as 0.weight")
        result[str(key)] = tensor(text, f"{name}.{key}")
    return result


def names(value: Any, name: str) -> tuple[str, ...]:
    """state_dict names: a list, or a comma-separated text."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, Sequence) or len(items) > MAX_NAMED:
        raise FieldError(name, f"expected at most {MAX_NAMED} names such as 0.bias")
    result = tuple(str(item).strip() for item in items if str(item).strip())
    for item in result:
        if not re.fullmatch(r"[A-Za-z0-9_.]{1,100}", item):
            raise FieldError(name, f"{item!r} is not a state_dict name such as 0.bias")
    return result


def draw(rng: np.random.Generator, shape: tuple[int, ...], bound: float) -> np.ndarray:
    """Entries uniform on [-bound, bound], rounded to 2 decimals (so a hand check is
    possible)."""
    return np.round(rng.uniform(-bound, bound, shape), 2)


def matrix_view(value: np.ndarray) -> Any:
    """A tensor as the renderer shows it: a scalar or vector as is, more axes as a matrix
    whose rows run over the leading axes (the last axis across)."""
    array = np.asarray(value)
    if array.ndim <= 2:
        return array if array.ndim else float(array)
    return array.reshape(-1, array.shape[-1])
