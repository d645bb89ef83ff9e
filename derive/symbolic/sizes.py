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
from collections.abc import Sequence

import sympy

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


def stand_ins(sizes: Sequence[int | str], seed: int = SEED) -> tuple[int, ...]:
    """The widths with each letter replaced by its random small integer (seeded), distinct
    letters by distinct numbers so a swapped pair of sizes cannot go unnoticed."""
    names = list(dict.fromkeys(size for size in sizes if isinstance(size, str)))
    pool = range(SMALLEST, SMALLEST + max(6, 2 * len(names)))
    numbers = dict(zip(names, random.Random(seed).sample(pool, len(names)), strict=True))
    return tuple(numbers[size] if isinstance(size, str) else size for size in sizes)


def substitution(sizes: Sequence[int | str], seed: int = SEED) -> dict[sympy.Symbol, int]:
    """Letter symbol -> its stand-in, for checking a letter formula against numbers."""
    return {symbol: number for symbol, number in zip(size_symbols(sizes), stand_ins(sizes, seed),
                                                     strict=True) if symbol is not None}


def display(size: sympy.Basic | int) -> int | str:
    """A size as a shape shows it: an int, or the letter (a polynomial) as text."""
    value = sympy.sympify(size)
    return int(value) if value.is_Integer else str(value)
