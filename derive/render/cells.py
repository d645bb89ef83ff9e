"""Table cells and headers in TeX: numbers with a real minus sign, a tuple of numbers as a
column vector (a table of 2-D iterates stays narrow), names typeset as math.

>>> tex_cell("(0.1, -0.9)")
'$\\\\left(\\\\begin{smallmatrix} 0.1 \\\\\\\\ -0.9 \\\\end{smallmatrix}\\\\right)$'
>>> tex_cell(-2), tex_cell("does not fit")
('$-2$', 'does not fit')
>>> tex_header("mhat_t"), tex_header("layer")
('$\\\\hat{m}_{t}$', 'layer')
"""

from __future__ import annotations

import re
from typing import Any

from derive.render.tex import tex_escape

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_VECTOR = re.compile(rf"\(\s*{_NUMBER}(?:\s*,\s*{_NUMBER})+\s*\)")
_HEADER = re.compile(r"[A-Za-z][\w^]*(?:\s*=\s*\([\w, ]+\)|\([\w]+\))?")  # x_t = (x1, x2), f(x_t)


def tex_cell(value: Any) -> str:
    """A cell: a number in math, a tuple of numbers as a column vector, other text escaped."""
    text = str(value).strip()
    if re.fullmatch(_NUMBER, text):
        return f"${text}$"
    if _VECTOR.fullmatch(text):
        entries = [entry.strip() for entry in text[1:-1].split(",")]
        return (r"$\left(\begin{smallmatrix} " + r" \\ ".join(entries)
                + r" \end{smallmatrix}\right)$")
    return tex_escape(text)


def tex_header(value: Any) -> str:
    """A column header: a name with scripts (`lr_t`, `mhat_t`) as math, words as text."""
    from derive.render.prose import printer

    text = str(value)
    if ("_" in text or "^" in text) and _HEADER.fullmatch(text):
        return printer("latex")(text)
    return tex_escape(text)
