"""One policy for numbers: integers whole, decimals as written, floats to `digits` significant.

Numbers show at most `digits` significant digits (default 4), exactly as written when
they were given with fewer; integers in full.

>>> format_number(1.2432865553)
'1.243'
>>> format_number(0.5)
'0.5'
>>> format_number(6585)
'6585'
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import sympy

DEFAULT_DIGITS = 4


def format_number(x: Any, digits: int = DEFAULT_DIGITS) -> str:
    """A number in the display policy: integers whole, decimals as written, floats rounded."""
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


def _decimal_text(x: Decimal) -> str:
    text = format(x, "f") if -20 < x.adjusted() < 20 else str(x)
    return "0" if text in {"-0", "0.0", "-0.0"} else text


def tex_number(x: Any, digits: int = DEFAULT_DIGITS) -> str:
    """A number for TeX math: scientific notation as ``m \\times 10^{e}``."""
    text = format_number(x, digits)
    if "e" in text and "inf" not in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text
