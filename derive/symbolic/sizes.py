"""Sizes named by letters (``--layers D,H,C``): symbols for the derivation, numbers for checks.

A width is a positive integer or a letter; a letter is a SymPy symbol (positive integer,
like the batch N), so every shape and count is a polynomial in the letters. Each letter also
gets a *stand-in*: a random small integer (seeded; distinct letters get distinct numbers,
the same letter the same number) at which the numeric path runs, so every letter formula
is checked by substituting the stand-ins and comparing with the numeric count or derivation.

>>> stand_ins(("D", "H", "C")) == stand_ins(("D", "H", "C"))
True
>>> sizes = stand_ins(("D", 7, "D")); sizes[0] == sizes[2] and sizes[1] == 7
True
>>> size_symbols(("N", "N1", 2))
(N, N1, None)
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

import sympy

from derive import converters
from derive.errors import FieldError

SMALLEST = 2  # a softmax needs two outputs; a 1 would hide a transposed factor
SEED = 2024


def letter(name: str) -> sympy.Symbol:
    """A size's symbol: a positive integer, with the same assumptions as the batch N."""
    return sympy.Symbol(name, positive=True, integer=True)


def has_letters(sizes: Sequence[int | str]) -> bool:
    """Whether any width is named by a letter."""
    return any(isinstance(size, str) for size in sizes)


def size_symbols(sizes: Sequence[int | str]) -> tuple[sympy.Symbol | None, ...]:
    """Each width's symbol when it is a letter, else None."""
    return tuple(letter(size) if isinstance(size, str) else None for size in sizes)


def stand_ins(sizes: Sequence[int | str], seed: int = SEED,
              given: Mapping[str, int] | None = None) -> tuple[int, ...]:
    """The widths with each letter replaced by its number in `given` (``--sizes N=3``), else by
    a random small integer (seeded), distinct letters by distinct numbers so a swapped pair of
    sizes cannot go unnoticed.

    >>> stand_ins(("N", "N1", "K"), given={"N": 3, "N1": 4, "K": 2})
    (3, 4, 2)
    """
    given = dict(given or {})
    names = [name for name in dict.fromkeys(s for s in sizes if isinstance(s, str))
             if name not in given]
    start = SMALLEST + len(given)  # a drawn number stays clear of the given ones
    pool = [n for n in range(SMALLEST, start + max(6, 2 * len(names))) if n not in
            given.values()]
    numbers = {**dict(zip(names, random.Random(seed).sample(pool, len(names)), strict=True)),
               **given}
    return tuple(numbers[size] if isinstance(size, str) else size for size in sizes)


def substitution(sizes: Sequence[int | str], seed: int = SEED,
                 given: Mapping[str, int] | None = None) -> dict[sympy.Symbol, int]:
    """Letter symbol -> its stand-in, for checking a letter formula against numbers."""
    numbers = stand_ins(sizes, seed, given)
    return {symbol: number for symbol, number in zip(size_symbols(sizes), numbers, strict=True)
            if symbol is not None}


def named_sizes(value: Any, name: str) -> tuple[tuple[str, int], ...]:
    """Numbers for size letters: 'N=3,N1=4,K=2' or a table {N = 3, N1 = 4, K = 2}.

    >>> named_sizes("N=3, N1=4,K=2", "sizes")
    (('N', 3), ('N1', 4), ('K', 2))
    """
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in re.split(r"[,;\s]+",
                                                      re.sub(r"\s*=\s*", "=", value.strip()))
                 if part]
        if any(len(pair) != 2 for pair in pairs):
            raise FieldError(name, f"write letter=number pairs such as N=3,K=2, got {value!r}")
    elif isinstance(value, dict):
        pairs = [[str(key), item] for key, item in value.items()]
    else:
        raise FieldError(name, f"expected letter=number pairs such as N=3,K=2, got {value!r}")
    if not 1 <= len(pairs) <= converters.MAX_LETTERS:
        raise FieldError(name, f"give 1 to {converters.MAX_LETTERS} letter=number pairs")
    for key, _ in pairs:
        if not converters.SIZE_LETTER.fullmatch(key.strip()):
            raise FieldError(name, f"{key.strip()!r} is not a size's letter (a capital, then "
                             "digits or a lowercase word: N, N1)")
    size = converters.bounded_int(1, 10_000)
    return tuple((key.strip(), size(item, name)) for key, item in pairs)


def shown(sizes: Sequence[int | str], widths: Sequence[int]) -> str:
    """The letters at their numbers, as a caption says them: 'N = 3, N1 = 4, K = 2'."""
    pairs = dict(zip(sizes, widths, strict=True))
    return ", ".join(f"{size} = {number}" for size, number in pairs.items()
                     if isinstance(size, str))


def display(size: sympy.Basic | int) -> int | str:
    """A size as a shape shows it: an int, or the letter (a polynomial) as text."""
    value = sympy.sympify(size)
    return int(value) if value.is_Integer else str(value)
