"""Table cells and headers in TeX: numbers with a real minus sign, a tuple of numbers as a
column vector (a table of 2-D iterates stays narrow), names typeset as math.

>>> tex_cell("(0.1, -0.9)")
'$\\\\left(\\\\begin{smallmatrix} 0.1 \\\\\\\\ -0.9 \\\\end{smallmatrix}\\\\right)$'
>>> tex_cell(-2), tex_cell("does not fit"), tex_cell("1.5e-06")
('$-2$', 'does not fit', '$1.5 \\\\times 10^{-6}$')
>>> tex_header("mhat_t"), tex_header("layer")
('$\\\\hat{m}_{t}$', 'layer')
"""

from __future__ import annotations

import re
from typing import Any

from derive.render.tex import tex_escape
from derive.solution import MathCell

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_VECTOR = re.compile(rf"\(\s*{_NUMBER}(?:\s*,\s*{_NUMBER})+\s*\)")
TEX_TIMES = r" \times "
SHAPE = re.compile(r"\d+(?: x \d+)+")  # a feature map's size: 32 x 32
SIZES = re.compile(r"[A-Za-z0-9_]+(?: x [A-Za-z0-9_]+)+")  # a factor's shape: N x C_in x H_1


def shape_cell(value: Any, times: str) -> Any:
    """A size cell written with a real times sign (`times`: \\times, ×); others unchanged.

    >>> shape_cell("32 x 32", " × "), shape_cell("conv", " × ")
    ('32 × 32', 'conv')
    """
    return value.replace(" x ", times) if isinstance(value, str) and SHAPE.fullmatch(value) \
        else value


def tex_cell(value: Any) -> str:
    """A cell: a number in math, a tuple of numbers as a column vector, other text escaped."""
    if isinstance(value, MathCell):  # fractions at full size, as in the steps
        tex = math_tex(value)
        return (f"$\\displaystyle {tex}\\rule[-2ex]{{0pt}}{{5ex}}$" if "\\frac" in tex
                else f"${tex}$")
    text = str(value).strip()
    if SIZES.fullmatch(text):
        return size_cell(text, "latex")
    if re.fullmatch(_NUMBER, text):
        return f"${_scientific(text)}$"
    if _VECTOR.fullmatch(text):
        entries = [entry.strip() for entry in text[1:-1].split(",")]
        return (r"$\left(\begin{smallmatrix} " + r" \\ ".join(entries)
                + r" \end{smallmatrix}\right)$")
    return tex_escape(text)


CELL_DIGITS = 4


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


def size_cell(value: Any, fmt: str) -> Any:
    """A shape cell (32 x 32, N x C_in x H_1) typeset as the captions' math (32 × 32,
    N × C_{in} × H_{1}); any other cell unchanged."""
    if not (isinstance(value, str) and SIZES.fullmatch(value.strip())):
        return value
    from derive.render.captions import caption_unicode
    from derive.render.prose import printer

    return caption_unicode(value) if fmt == "text" else printer(fmt)(value.strip())


def tex_header(value: Any) -> str:
    """A column header typeset as a caption: names with scripts (`lr_t`, `mhat_t`) and
    math words (`eta = 0.1`, `||grad f||`) as math, words as text."""
    from derive.render.prose import printer

    return printer("latex")(str(value))
