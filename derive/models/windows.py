"""Sliding windows: the output size of convolutions and pools, as a formula and directly.

Per spatial dimension (torch's Conv2d / MaxPool2d docs):
n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1, with ceil for a pool's ceil_mode (and
torch's rule that the last window must start inside the input or its left padding);
a transposed convolution: n_out = (n - 1) s - 2p + d(k - 1) + output_padding + 1.
"""

from __future__ import annotations

import sympy

from derive.models.rules import ShapeError, SizeFormula
from derive.symbolic.build import add, div, floor, mul, neg

n, k, s, p, d, o = sympy.symbols("n k s p d o_p", integer=True)
AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def sliding(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool,
            axis: str) -> int:
    """The output size of a window sliding over `size` positions, checked to fit.

    >>> sliding(32, 5, 1, 0, 1, False, "height"), sliding(5, 2, 2, 0, 1, True, "height")
    (28, 3)
    """
    span = dilation * (kernel - 1) + 1
    if span > size + 2 * pad:
        raise ShapeError(f"the {axis} of the dilated kernel ({span}) exceeds the padded input "
                         f"({size} + 2*{pad} = {size + 2 * pad}); use a smaller kernel or more "
                         "padding")
    numerator = size + 2 * pad - span
    out = (-(-numerator // stride) if ceil else numerator // stride) + 1
    if ceil and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def sliding_formula(name: str, values: tuple[int, int, int, int, int], out: int,
                    ceil: bool) -> SizeFormula:
    """``H_out = floor((H_in + 2p - d(k - 1) - 1)/s) + 1`` with its symbols' values; a
    setting at its default (no padding, no dilation, stride 1) left out, as a course writes
    it: ``H_out = H_in - k + 1``, ``floor((H_in - k)/s) + 1``.

    >>> sliding_formula("H", (28, 5, 1, 0, 1), 24, False).formula
    H_in - k + 1
    """
    n_in = sympy.Symbol(f"{name}_in", integer=True)
    size, ker, st, pad, dil = values
    span = [neg(mul(d, add(k, -1))), -1] if dil != 1 else [neg(k)]
    numerator = add(n_in, *([mul(2, p)] if pad else []), *span)
    given = {symbol: value for symbol, value in zip((n_in, k, s, p, d), values, strict=True)
             if symbol in numerator.free_symbols or (symbol is s and st != 1)}
    if st == 1:  # every position: no division, nothing to round
        return SizeFormula(f"{name}_out", add(*numerator.args, 1), given, out)
    inner = div(numerator, s)
    rounded = sympy.ceiling(inner, evaluate=False) if ceil else floor(inner)
    rounded_up = -(-(size + 2 * pad - dil * (ker - 1) - 1) // st) + 1
    if ceil and rounded_up != out:  # torch drops a last window that starts in the padding
        return SizeFormula(f"{name}_out", add(rounded, 1, -1), given, out)
    return SizeFormula(f"{name}_out", add(rounded, 1), given, out)


def transposed(size: int, kernel: int, stride: int, pad: int, dilation: int,
               extra: int) -> int:
    """The output size of a transposed convolution.

    >>> transposed(5, 3, 2, 1, 1, 1)
    10
    """
    out = (size - 1) * stride - 2 * pad + dilation * (kernel - 1) + extra + 1
    if out < 1:
        raise ShapeError(f"the output size would be {out}; reduce the padding")
    return out


def transposed_formula(name: str, values: tuple[int, ...], out: int) -> SizeFormula:
    """``H_out = (H_in - 1) s - 2p + d(k - 1) + o_p + 1`` with its symbols' values."""
    n_in = sympy.Symbol(f"{name}_in", integer=True)
    formula = add(mul(add(n_in, -1), s), neg(mul(2, p)), mul(d, add(k, -1)), o, 1)
    given = dict(zip((n_in, k, s, p, d, o), values, strict=True))
    return SizeFormula(f"{name}_out", formula, given, out)
