"""A student's answer text read as the entries of a part list: numbers, shapes, never guessed.

A number is ``[+-]digits[.digits][e[+-]digits]`` (a Unicode minus is a minus). With
``decimal_comma`` a comma is the decimal mark (``0,5``) and entries are separated by ``;``;
without it entries are separated by ``,`` and ``0,5`` is two entries (so a scalar answer
``0,5`` is unparsable, never read as 0.5 or 5). Brackets around a vector or matrix are
ignored. A unit after a number is stripped when it is the part's unit, else the answer is
unparsable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from derive.classroom.asks import Part

_NUMBER = re.compile(r"^[+-]?(\d{1,40}(\.\d{0,40})?|\.\d{1,40})([eE][+-]?\d{1,3})?$")


class Unparsable(ValueError):
    """An answer that is not what its parts ask; the message says why."""


def number(text: str, part: Part, decimal_comma: bool) -> Decimal:
    """One entry as the decimal it was written as.

    >>> p = Part("total", None, "numeric", 5560, 0.0, 1.0, "parameters")
    >>> number("5560 parameters", p, False), number("0,5", p, True), number("−2e3", p, False)
    (Decimal('5560'), Decimal('0.5'), Decimal('-2E+3'))
    """
    text = text.strip().replace("\u2212", "-")
    if part.unit and text.endswith(part.unit):
        text = text[: -len(part.unit)].strip()
    if decimal_comma:
        if "." in text:
            raise Unparsable(f"{text!r} has a '.' but --decimal-comma says ',' is the mark")
        text = text.replace(",", ".")
    if not _NUMBER.match(text):
        hint = "; with decimal commas, add --decimal-comma" if re.fullmatch(
            r"[+-]?\d+,\d+", text) else ""
        raise Unparsable(f"{text!r} is not a number{hint}")
    return Decimal(text)


def entries(text: str, parts: Sequence[Part], decimal_comma: bool) -> list[Decimal | str]:
    """The entries of one answer (its parts in order) from the text written for it."""
    if parts and parts[0].kind == "short":
        return [text.strip()]
    separator = ";" if decimal_comma else ","
    bare = re.sub(r"[\[\]()]", " ", text)
    pieces = [piece for piece in re.split(rf"\s*{separator}\s*|\n", bare) if piece.strip()]
    if len(parts) > 1 and len(pieces) == 1:
        pieces = pieces[0].split()  # a vector written with spaces: 1 2 3
    if len(pieces) != len(parts):
        raise Unparsable(f"{len(pieces)} entries where {len(parts)} are asked")
    return [number(piece, part, decimal_comma) for piece, part in zip(pieces, parts, strict=True)]


def listed(values: Sequence[str], parts: Sequence[Part], decimal_comma: bool
           ) -> list[Decimal | str | None]:
    """An LMS response's entries, one per part; '' is an unanswered part (None)."""
    if len(values) != len(parts):
        raise Unparsable(f"{len(values)} entries where {len(parts)} are asked")
    return [None if not value.strip() else value.strip() if part.kind == "short"
            else number(value, part, decimal_comma) for value, part in zip(values, parts,
                                                                           strict=True)]
