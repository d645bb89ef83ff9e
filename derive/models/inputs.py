"""The inputs of a model: tensor shapes per example, or integer token sequences.

Written ``3x32x32`` (or the list [3, 32, 32]) for real numbers, ``tokens:128`` for a
sequence of 128 token ids; several inputs as a list (BERT: tokens, positions, segments).

>>> parse_inputs("3x32x32", "input")
(Input(shape=(3, 32, 32), integer=False),)
>>> parse_inputs(["tokens:128", "tokens:128"], "input")[1]
Input(shape=(128,), integer=True)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from derive.converters import MAX_SIZE
from derive.errors import FieldError
from derive.models.limits import MAX_DIMS, MAX_ELEMENTS, MAX_INPUTS

TOKENS = "tokens:"


@dataclass(frozen=True)
class Input:
    """One tensor flowing through the model: its shape per example, and whether it holds
    token ids (integers) rather than real numbers."""

    shape: tuple[int, ...]
    integer: bool = False


def _shape(value: Any, name: str) -> Input:
    integer = False
    if isinstance(value, str):
        text = value.strip()
        integer = text.startswith(TOKENS)
        text = text[len(TOKENS):] if integer else text
        if not re.fullmatch(r"\d{1,10}(\s*[x×,]\s*\d{1,10})*", text.strip()):
            raise FieldError(name, f"write a shape such as 3x32x32, or tokens:128; got {value!r}")
        dims = [int(item) for item in re.split(r"\s*[x×,]\s*", text.strip())]
    elif isinstance(value, Sequence) and all(isinstance(v, int) and not isinstance(v, bool)
                                             for v in value):
        dims = list(value)
    else:
        raise FieldError(name, f"write a shape such as 3x32x32, or tokens:128; got {value!r}")
    if not 1 <= len(dims) <= MAX_DIMS or not all(1 <= d <= MAX_SIZE for d in dims):
        raise FieldError(name, f"1 to {MAX_DIMS} sizes from 1 to {MAX_SIZE:,}, got {value!r}")
    if math.prod(dims) > MAX_ELEMENTS:
        raise FieldError(name, f"at most {MAX_ELEMENTS:,} elements per input")
    return Input(tuple(dims), integer)


def parse_inputs(value: Any, name: str) -> tuple[Input, ...]:
    """One input (a string or a list of sizes) or several (a list of those)."""
    if isinstance(value, Input):
        return (value,)
    if isinstance(value, str) or (isinstance(value, Sequence) and value
                                  and all(isinstance(v, int) for v in value)):
        return (_shape(value, name),)
    if not isinstance(value, Sequence) or not 1 <= len(value) <= MAX_INPUTS:
        raise FieldError(name, f"one shape such as 3x32x32, or a list of 1 to {MAX_INPUTS}")
    return tuple(item if isinstance(item, Input) else _shape(item, f"{name}[{index}]")
                 for index, item in enumerate(value, 1))
