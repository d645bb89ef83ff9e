"""Claimed numbers, shapes and words against the right ones: correct or wrong.

A real claim is judged by the digits it was written with. Its *unit* is one unit of its last
written digit: 0.01 for ``0.67``, 1 for ``-1``, 100 for ``1.2e3``. It is **correct** when

1. the right value rounds to it, ``|claim - truth| <= unit / 2``, and
2. it keeps at least `MIN_DIGITS` (2) significant digits of the right value, or the right
   value is exactly what was written (``0.5``, ``0``, a whole number).

The *significant digits kept* are the digits from the right value's leading digit down to
the unit: ``floor(log10 |scale|) - log10(unit) + 1``, where the scale is the right value (the
largest entry's magnitude, for a vector or matrix, so an entry written with the matrix's
decimals is judged by the matrix's scale). ``1`` for 0.6657 keeps none, ``0.7`` keeps one,
``0.67`` two. A claim that rounds right but keeps fewer digits is **wrong: too few digits**
(`coarse_cause`): a grader cannot tell ``1`` for 0.6657 from a guess, and a coarse claim
would be matched by almost any slip (``0`` for 0.6657 is 0.6657 / 2 "rounded").

It is **wrong** otherwise: a claim off in its last digits is wrong too, unless it is what
the answer's own relation gives from inputs the claimant rounded as written, which
`derive.causes.rounded_inputs` finds (a *rounding slip*, seed 003's dL/dW2 from .982 and
.627).

The same rule decides whether a slip of the catalogue explains a wrong claim
(`derive.causes`): the slip's value must be a value this claim would be correct for. So a
cause matches at least as closely as the claim's digits can tell, never more loosely.

With `rtol` the written digits are ignored: correct within the relative tolerance, else wrong.
Integers compare exactly, shapes as shapes, vectors and matrices entry by entry (the worst
entry's verdict).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from derive.solution import Shape

VERDICTS = ("correct", "rounding slip", "wrong")
FLOAT_SLACK = 1e-9  # relative: the truth is a float64 computation
MIN_DIGITS = 2


def written(claim: Any) -> Decimal | None:
    """The claim as the decimal it was written as; None for a text or a non-finite number.

    >>> written(0.98), written(7), written(Decimal("1.2E+3"))
    (Decimal('0.98'), Decimal('7'), Decimal('1.2E+3'))
    """
    if isinstance(claim, str | bool):
        return None
    if isinstance(claim, float):
        claim = Decimal(repr(claim))  # the shortest digits that read back as the float
    number = claim if isinstance(claim, Decimal) else Decimal(claim)
    return number if number.is_finite() else None


def judge_real(truth: float, claim: Any, rtol: float | None = None,
               scale: float | None = None) -> str:
    """The verdict of one real claim (see the module's rules); `scale` is the magnitude its
    significant digits are counted against (the truth's, by default).

    >>> [judge_real(0.98531, Decimal(c)) for c in ("0.985", "0.986", "0.987", "0.99")]
    ['correct', 'wrong', 'wrong', 'correct']
    >>> [judge_real(0.6657, Decimal(c)) for c in ("1", "0.7", "0.67", "-1", "2")]
    ['wrong', 'wrong', 'correct', 'wrong', 'wrong']
    >>> judge_real(0.5, Decimal("0.5")), judge_real(0.0031, Decimal("0.003"), scale=0.62)
    ('correct', 'correct')
    >>> judge_real(0.00004, Decimal("-0.0001")), judge_real(0.98531, "0.985")
    ('wrong', 'wrong')
    """
    number = written(claim)
    if number is None:
        return "wrong"
    truth_exact = Decimal(float(truth))
    difference = abs(truth_exact - number)
    if rtol is not None:
        bound = Decimal(rtol) * max(abs(truth_exact), Decimal("1e-300"))
        return "correct" if difference <= bound else "wrong"
    unit = _unit(number)
    slack = Decimal(FLOAT_SLACK) * max(Decimal(1), abs(truth_exact))
    if difference <= slack:
        return "correct"  # exactly what was written
    if difference > unit / 2 + slack:
        return "wrong"
    return "correct" if kept_digits(abs(truth) if scale is None else scale,
                                    number) >= MIN_DIGITS else "wrong"


def _unit(number: Decimal) -> Decimal:
    return Decimal(1).scaleb(int(number.as_tuple().exponent))


def kept_digits(scale: float, number: Decimal) -> int:
    """How many significant digits of a value of magnitude `scale` a number written as
    `number` keeps (see the module's docstring); 0 or less when none.

    >>> [kept_digits(0.6657, Decimal(c)) for c in ("1", "0.7", "0.67", "0.666")]
    [0, 1, 2, 3]
    >>> kept_digits(1234.5, Decimal("1.2E+3")), kept_digits(0.0, Decimal("0.0"))
    (2, 0)
    """
    if not scale or not math.isfinite(scale):
        return 0
    return math.floor(math.log10(abs(scale))) - int(number.as_tuple().exponent) + 1


def coarse_cause(truth: Any, claim: Any) -> str:
    """The cause of a claim that rounds right but keeps too few digits; "" for any other.

    >>> print(coarse_cause(0.6657, Decimal("1")))
    too few digits: 1 keeps no significant digit; to 2 significant digits it is 0.67
    >>> print(coarse_cause(0.6657, Decimal("0.7")))
    too few digits: 0.7 keeps 1 significant digit; to 2 significant digits it is 0.67
    >>> coarse_cause(0.6657, Decimal("0.67")), coarse_cause(0.6657, Decimal("2"))
    ('', '')
    """
    truths, claims = flat(truth), flat(claim)
    if isinstance(truth, str) or len(truths) != len(claims):
        return ""
    try:
        scale = max(abs(float(t)) for t in truths)
    except (TypeError, ValueError):
        return ""
    coarse = []
    for value, entry in zip(truths, claims, strict=True):
        number = written(entry)
        if number is None or judge_real(value, number, scale=scale) == "correct":
            continue
        if abs(Decimal(float(value)) - number) <= _unit(number) / 2 + Decimal(FLOAT_SLACK):
            coarse.append((value, number))
        else:
            return ""  # an entry wrong for another reason
    if not coarse:
        return ""
    value, number = coarse[0]
    digits = kept_digits(scale, number)
    kept = "no significant digit" if digits <= 0 else (
        f"{digits} significant digit{'s' if digits > 1 else ''}")
    return (f"too few digits: {number} keeps {kept}; to {MIN_DIGITS} significant digits it "
            f"is {_to_digits(value, scale)}")


def _to_digits(value: float, scale: float) -> str:
    """`value` rounded to `MIN_DIGITS` significant digits of `scale`."""
    places = MIN_DIGITS - 1 - math.floor(math.log10(abs(scale)))
    return f"{round(value, places):.{max(places, 0)}f}"


def flat(value: Any) -> list[Any]:
    """The entries of a number, vector or matrix (lists, tuples or arrays), in order."""
    if isinstance(value, str):
        return [value]
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, Sequence):
        return [item for part in value for item in flat(part)]
    return [value]


def negative(claim: Any) -> bool:
    """Whether any entry of a claimed number, vector or matrix is below zero."""
    return any((number := written(item)) is not None and number < 0 for item in flat(claim))


def claimed_shape(claim: Any) -> tuple[int | str, ...] | None:
    """A claimed shape: ``16 x 5 x 5``, ``N x 100``, ``10 x (100 x 10)`` (a factor's shape,
    read flat) or a list of sizes; None when it is not one.

    >>> claimed_shape("10 x (100 x 10)"), claimed_shape("N × 100"), claimed_shape("2²")
    ((10, 100, 10), ('N', 100), None)
    >>> claimed_shape("16x5x5"), claimed_shape("30 X 30"), claimed_shape("N_1 x K")
    ((16, 5, 5), (30, 30), ('N1', 'K'))
    """
    if isinstance(claim, str):
        flat_text = claim.replace("(", " ").replace(")", " ")
        parts = [part.strip() for part in re.split(r"\s*×\s*|\s+[xX]\s+|(?<=\d)[xX](?=\d)",
                                                    flat_text.strip())]
        # '²'.isdigit() is True: sizes are ASCII digits, or a size's letter (N)
        if not all(re.fullmatch(r"[0-9]{1,9}|[A-Za-z]\w{0,9}|[A-Z]_\{[0-9]{1,3}\}", part)
                   for part in parts):
            return None
        return tuple(int(p) if p.isdigit() else _letter(p) for p in parts)
    return tuple(int(c) for c in claim) if isinstance(claim, Sequence) else None


def _letter(size: str) -> str:
    """A size's letter as derive names it: ``N_1`` and ``N_{1}`` are N1."""
    return re.sub(r"[_{}]", "", size)


def _sizes(shape: Any) -> tuple[int | str, ...]:
    return tuple(int(n) if str(n).isdigit() else _letter(str(n)) for n in shape)


def compare(truth: Any, claim: Any, rtol: float | None = None) -> str:
    """The verdict of `claim` against the right value `truth`.

    >>> compare(6585, 6585), compare(Shape((16, 5, 5)), "16 x 5 x 5"), compare([0.3], [1])
    ('correct', 'correct', 'wrong')
    """
    if isinstance(truth, Shape):
        return "correct" if claimed_shape(claim) == _sizes(truth) else "wrong"
    if isinstance(truth, list) and truth and isinstance(truth[0], Shape):
        claimed = claim.split(",") if isinstance(claim, str) else claim
        shapes = [claimed_shape(c) for c in claimed]
        return "correct" if shapes == [_sizes(t) for t in truth] else "wrong"
    if isinstance(truth, str):
        return "correct" if str(claim).strip().lower() == truth.lower() else "wrong"
    if isinstance(truth, int) and not isinstance(truth, bool):
        return "correct" if written(claim) == truth else "wrong"
    truths, claims = flat(truth), flat(claim)
    if len(truths) != len(claims):
        return "wrong"
    try:
        scale: float | None = max(abs(float(t)) for t in truths) if truths else None
    except (TypeError, ValueError):
        scale = None
    verdicts = [judge_real(t, c, rtol, scale) for t, c in zip(truths, claims, strict=True)]
    return max(verdicts, key=VERDICTS.index)
