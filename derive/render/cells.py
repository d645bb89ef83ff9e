"""Table cells and headers in TeX: numbers with a real minus sign, a tuple of numbers as a row
tuple (as a table's header (x_1, x_2) names it; a small column vector reads as a binomial
coefficient), an elided row's "..." as a vertical ellipsis, names typeset as math.

>>> tex_cell("(0.1, -0.9)"), tex_cell("...")
('$(0.1,\\\\ -0.9)$', '$\\\\vdots$')
>>> tex_cell(-2), tex_cell("does not fit"), tex_cell("1.5e-06")
('$-2$', 'does not fit', '$1.5 \\\\times 10^{-6}$')
>>> tex_header("mhat_t"), tex_header("layer")
('$\\\\hat{m}_{t}$', 'layer')
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from derive.render.numbers import DEFAULT_DIGITS, format_number, magnitude
from derive.render.tex import tex_escape
from derive.solution import MathCell

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TUPLE = re.compile(rf"\(\s*{_NUMBER}(?:\s*,\s*{_NUMBER})*\s*\)")  # an iterate: (0.1, -0.9)
SHAPE = re.compile(r"\d+(?: x \d+)+")  # a feature map's size: 32 x 32
SIZES = re.compile(r"[A-Za-z0-9_]+(?: x [A-Za-z0-9_]+)+")  # a factor's shape: N x C_in x H_1


def shape_cell(value: Any, times: str) -> Any:
    """A size cell written with a real times sign (`times`: \\times, ×); others unchanged.

    >>> shape_cell("32 x 32", " × "), shape_cell("conv", " × ")
    ('32 × 32', 'conv')
    """
    return value.replace(" x ", times) if isinstance(value, str) and SHAPE.fullmatch(value) \
        else value


def tex_cell(value: Any, digits: int = DEFAULT_DIGITS) -> str:
    """A cell: a number in math, a tuple of numbers as a row tuple (both in the number
    policy, see `number_cell`), other text escaped."""
    if isinstance(value, MathCell):  # fractions at full size, as in the steps
        tex = math_tex(value)
        return (f"$\\displaystyle {tex}\\rule[-2ex]{{0pt}}{{5ex}}$" if "\\frac" in tex
                else f"${tex}$")
    text = str(value).strip()
    if SIZES.fullmatch(text):
        return size_cell(text, "latex")
    if re.fullmatch(_NUMBER, text):
        return f"${_scientific(number_cell(text, digits))}$"
    if _TUPLE.fullmatch(text):
        entries = [_scientific(entry) for entry in _entries(text, digits)]
        return "$(" + r",\ ".join(entries) + ")$"
    if text == "...":
        return r"$\vdots$"
    return tex_escape(text)


def number_cell(value: Any, digits: int = DEFAULT_DIGITS, scale: float = 0.0) -> Any:
    """A cell that is a number or a tuple of numbers, written as the steps write numbers:
    `digits` significant, and a value that is rounding noise beside the tuple's largest entry
    or `scale` (its column's largest) as 0; any other cell unchanged. Problems hand over
    numbers at full precision, so a table and the steps show the same digits.

    >>> number_cell("28.460512"), number_cell("(3.42, -3.552713678800501e-15)")
    ('28.46', '(3.42, 0)')
    >>> number_cell("(2.220446049250313e-16)", scale=1.0), number_cell("conv")
    ('(0)', 'conv')
    """
    text = value.strip() if isinstance(value, str) else ""
    if re.fullmatch(_NUMBER, text):
        return format_number(_parsed(text), digits, scale)
    if _TUPLE.fullmatch(text):
        return "(" + ", ".join(_entries(text, digits, scale)) + ")"
    return value


def number_rows(rows: Sequence[Sequence[Any]], digits: int = DEFAULT_DIGITS
                ) -> list[list[Any]]:
    """A table's cells with every number cell in the number policy (`number_cell`), a value
    that is noise beside the largest number of its column written 0.

    >>> number_rows([["1", "(1.0, 2.0)"], ["2", "(2.220446049250313e-16, 0.5)"]])
    [['1', '(1, 2)'], ['2', '(0, 0.5)']]
    """
    scales = [magnitude([_numbers(cell) for cell in column])
              for column in itertools.zip_longest(*rows, fillvalue="")]
    return [[number_cell(cell, digits, scale) for cell, scale in zip(row, scales, strict=False)]
            for row in rows]


def _numbers(cell: Any) -> list[Any]:
    """The numbers a cell holds: one, a tuple's entries, or none."""
    text = cell.strip() if isinstance(cell, str) else ""
    if re.fullmatch(_NUMBER, text):
        return [_parsed(text)]
    if _TUPLE.fullmatch(text):
        return [_parsed(entry) for entry in text[1:-1].split(",")]
    return []


def _parsed(number: str) -> Any:
    """An integer as an int (counts stay whole at any size), any other number as a float."""
    number = number.strip()
    return int(number) if re.fullmatch(r"[-+]?\d+", number) else float(number)


def _entries(vector: str, digits: int, scale: float = 0.0) -> list[str]:
    """The entries of a tuple cell '(a, b)' in the number policy, noise beside the tuple's
    largest entry (or `scale`) 0."""
    values = _numbers(vector)
    scale = max(scale, magnitude(values))
    return [format_number(v, digits, scale) for v in values]


CELL_DIGITS = DEFAULT_DIGITS


def math_tex(cell: MathCell) -> str:
    """A math cell's TeX."""
    from derive.render.printing import tex

    return tex(cell.expr, cell.given, CELL_DIGITS)


def math_text(cell: MathCell) -> str:
    """A math cell as Unicode text."""
    from derive.render.printing import text

    return text(cell.expr, cell.given, CELL_DIGITS)


def _scientific(number: str) -> str:
    """``1.6844e-06`` as ``1.6844 \\times 10^{-6}``; other numbers as written."""
    mantissa, _, exponent = number.lower().partition("e")
    if not exponent:
        return number
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def size_cell(value: Any, fmt: str, digits: int = DEFAULT_DIGITS) -> Any:
    """A shape cell (32 x 32, N x C_in x H_1) typeset as the captions' math (32 × 32,
    N × C_{in} × H_{1}); a number cell in the number policy (`number_cell`); any other cell
    unchanged."""
    if not (isinstance(value, str) and SIZES.fullmatch(value.strip())):
        return number_cell(value, digits)
    from derive.render.captions import caption_unicode
    from derive.render.prose import printer

    return caption_unicode(value) if fmt == "text" else printer(fmt)(value.strip())


def tex_header(value: Any) -> str:
    """A column header typeset as a caption: names with scripts (`lr_t`, `mhat_t`) and
    math words (`eta = 0.1`, `||grad f||`) as math, words as text."""
    from derive.render.prose import printer

    return printer("latex")(str(value))
