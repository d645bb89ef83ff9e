"""One policy for numbers: integers whole, decimals as written, floats to `digits` significant.

Numbers show at most `digits` significant digits (default 4), exactly as written when
they were given with fewer; integers in full. A float below the float64 resolution of the
quantities it was computed from (`scale`: the largest of them) prints as 0: it is 0 up to
rounding, and its digits are noise.

>>> format_number(1.2432865553)
'1.243'
>>> format_number(0.5)
'0.5'
>>> format_number(6585)
'6585'
>>> format_number(-3.552713678800501e-15, scale=18.0), format_number(1e-9, scale=1.0)
('0', '1e-9')
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import numpy as np
import sympy

DEFAULT_DIGITS = 4

# float64 resolves 2.2e-16 of a value (machine epsilon); a course-sized step (a sum of a few
# thousand products, or a few hundred optimizer updates, each rounding once) accumulates at
# most a few thousand such roundings: about 1e-12 of the largest quantity it touched. Below
# that a result is 0 that rounding moved (x2 of Nesterov's momentum landing on 0 as 2.2e-16),
# while a genuinely small answer (a gradient of 1e-9 beside inputs of order 1) sits a
# thousand times above it.
RESOLUTION = 1e-12


def below_resolution(x: Any, scale: float) -> bool:
    """Whether float `x` is 0 up to float64 rounding of quantities as large as `scale`.

    >>> below_resolution(2.22e-16, 0.58), below_resolution(1e-9, 1.0), below_resolution(0.0, 1)
    (True, False, False)
    """
    if isinstance(x, bool | int | Decimal | sympy.Integer | sympy.Rational) or \
            (isinstance(x, sympy.Basic) and not x.is_Float):
        return False  # exact: a count, a fraction, a decimal as written
    try:
        value = float(x)
    except (TypeError, ValueError):
        return False
    return 0 < abs(value) < RESOLUTION * scale and math.isfinite(scale)


def magnitude(values: Any) -> float:
    """The largest finite |number| among `values` (a number, an array, nested lists, a
    mapping's values); 0 when there is none.

    >>> magnitude([[0.5, -18.0], [3.42, float("nan")]]), magnitude({"eta": 0.05, "f": "x"})
    (18.0, 0.05)
    """
    if isinstance(values, dict):
        values = list(values.values())
    if isinstance(values, str | bool):
        return 0.0
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        finite = np.abs(values[np.isfinite(values)])
        return float(finite.max()) if finite.size else 0.0
    if isinstance(values, list | tuple | np.ndarray):
        return max((magnitude(item) for item in values), default=0.0)
    try:
        value = abs(float(values))
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def format_number(x: Any, digits: int = DEFAULT_DIGITS, scale: float = 0.0) -> str:
    """A number in the display policy: integers whole, decimals as written, floats rounded;
    a float below the resolution of `scale` (see `below_resolution`) as 0."""
    if below_resolution(x, scale):
        return "0"
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int | sympy.Integer):
        return str(int(x))
    if isinstance(x, Decimal):
        return _decimal_text(x)
    if isinstance(x, sympy.Basic) and not x.is_number:  # a symbolic value: N_1 H + H
        from derive.render.printing import text as symbolic_text

        return symbolic_text(x)
    value = float(x)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    short = repr(value)
    if "e" not in short and len(short.lstrip("-0.").replace(".", "")) <= digits:
        return short
    text = f"{value:.{digits}g}"
    return text.replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def text_number(x: Any, digits: int = DEFAULT_DIGITS, scale: float = 0.0) -> str:
    """A number for plain text to read: `format_number` with the minus sign − (the formulas'
    sign) for a negative number; its exponent stays as written (1e-6). JSON and claims keep
    the ASCII hyphen (`format_number`).

    >>> text_number(-0.62671), text_number(-1.5e-7), text_number(3)
    ('−0.6267', '−1.5e-7', '3')
    """
    text = format_number(x, digits, scale)
    return "−" + text[1:] if text.startswith("-") else text


def text_minus(text: str) -> str:
    """The numbers' ASCII minus signs in a line of text as the minus sign −, exponents and
    hyphens between words kept: '(-0.08) + 1e-6, 5-4-3' -> '(−0.08) + 1e-6, 5-4-3'.

    >>> text_minus("(-0.08) + 1e-6, 5-4-3, value -.5")
    '(−0.08) + 1e-6, 5-4-3, value −.5'
    """
    return re.sub(r"(?<![\w.])-(?=\.?\d)", "−", text)


def _decimal_text(x: Decimal) -> str:
    text = format(x, "f") if -20 < x.adjusted() < 20 else str(x)
    return "0" if text in {"-0", "0.0", "-0.0"} else text


def tex_number(x: Any, digits: int = DEFAULT_DIGITS, scale: float = 0.0) -> str:
    """A number for TeX math: scientific notation as ``m \\times 10^{e}``; 0 below the
    resolution of `scale`."""
    text = format_number(x, digits, scale)
    if "e" in text and "inf" not in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text
