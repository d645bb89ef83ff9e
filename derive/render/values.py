"""Values, shapes and checks as TeX or plain text, under the one number policy."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from derive.render.numbers import (
    DEFAULT_DIGITS,
    format_number,
    magnitude,
    tex_number,
    text_number,
)
from derive.solution import Shape

MAX_SHOWN = 8  # entries per axis before a matrix is elided
WIDEST = 16  # columns of a matrix shown whole (given data); the preamble's MaxMatrixCols


def _grid(value: Any) -> list[Any] | None:
    """A vector or matrix (sequence or array) as nested lists; None for anything else."""
    items = value.tolist() if hasattr(value, "tolist") and hasattr(value, "ndim") else value
    if not isinstance(items, Sequence) or isinstance(items, str) or not items:
        return None
    nested = [isinstance(item, Sequence) and not isinstance(item, str) for item in items]
    if all(nested) and all(not isinstance(x, Sequence) for row in items for x in row):
        return [list(row) for row in items]
    return list(items) if not any(nested) else None


def _elide(items: list[Any], filler: str, show: Callable[[Any], str],
           limit: int | None = MAX_SHOWN) -> list[str]:
    """`show` of each item; a list longer than `limit` (None: no limit) keeps its first and
    last items around `filler`."""
    if limit is None or len(items) <= limit:
        return [show(x) for x in items]
    return [*(show(x) for x in items[: limit - 2]), filler, show(items[-1])]


def _is_shape_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Shape) for v in value)


def tex_value(value: Any, digits: int = DEFAULT_DIGITS, scale: float = 0.0,
              whole: bool = False) -> str:
    r"""A scalar as a number; a vector or matrix as a bmatrix (a vector as a column), long
    axes elided unless `whole` (given data a reader recomputes from: every row, up to
    `WIDEST` columns). An entry below the float64 resolution of the matrix's largest entry,
    or of `scale` (the largest number it was computed from), is 0
    (`derive.render.numbers.below_resolution`).

    >>> tex_value([3.42, -3.552713678800501e-15]), tex_value(2.2e-16, scale=18.0)
    ('\\begin{bmatrix} 3.42 \\\\ 0 \\end{bmatrix}', '0')
    """
    if isinstance(value, Shape):
        return shape_math(value)
    if _is_shape_list(value):
        return r",\; ".join(shape_math(shape) for shape in value)
    grid = _grid(value)
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z][A-Za-z ]*", value):
        return rf"\text{{{value}}}"  # a verdict such as 'converged', upright
    if grid is None:
        return tex_number(value, digits, scale) if not isinstance(value, str) else value
    rows = grid if isinstance(grid[0], list) else [[x] for x in grid]
    scale = max(scale, magnitude(grid))
    columns = WIDEST if whole else MAX_SHOWN
    width = len(_elide(rows[0], "", str, columns))
    lines = _elide(rows, " & ".join([r"\vdots"] * width), lambda row: " & ".join(
        _elide(row, r"\cdots", lambda x: tex_number(x, digits, scale), columns)),
        None if whole else MAX_SHOWN)
    return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"


def text_value(value: Any, digits: int = DEFAULT_DIGITS, scale: float = 0.0,
               whole: bool = False) -> str:
    """A value for plain text to read: a scalar as a number with the minus sign −; a vector
    as [a, b]; a column (n × 1) as [a, b]ᵀ, as statements write one; a matrix (a row too) as
    [[a, b], [c, d]]; noise below the resolution of the largest entry (or of `scale`) as 0,
    as `tex_value` writes it.

    >>> text_value([0.5751, 2.220446049250313e-16]), text_value([1.0, -1e-9])
    ('[0.5751, 0]', '[1, −1e-9]')
    >>> text_value([[3], [-3]]), text_value([[1, 2]])
    ('[3, −3]ᵀ', '[[1, 2]]')
    """
    return _listed_text(value, digits, scale, whole, claim=False)


def claim_value(value: Any, digits: int = DEFAULT_DIGITS, scale: float = 0.0) -> str:
    """A value as a claim writes it in a problem-set file (a TOML value): the ASCII minus,
    a column as the matrix [[a], [b]]; otherwise as `text_value`.

    >>> claim_value([[3], [-3]]), claim_value(-0.5)
    ('[[3], [-3]]', '-0.5')
    """
    return _listed_text(value, digits, scale, False, claim=True)


def _listed_text(value: Any, digits: int, scale: float, whole: bool, claim: bool) -> str:
    """`text_value` (`claim` False) or `claim_value` (True) of any value."""
    if isinstance(value, Shape):
        return shape_math(value, "text")
    if _is_shape_list(value):
        return ", ".join(shape_math(shape, "text") for shape in value)
    number = format_number if claim else text_number
    grid = _grid(value)
    if grid is None:
        return number(value, digits, scale) if not isinstance(value, str) else value
    scale = max(scale, magnitude(grid))
    limit = None if whole else MAX_SHOWN  # given data whole: a reader recomputes from it
    if not isinstance(grid[0], list):
        return "[" + ", ".join(_elide(grid, "...", lambda x: number(x, digits, scale),
                                      limit)) + "]"
    if not claim and len(grid) > 1 and all(len(row) == 1 for row in grid):
        return _listed_text([row[0] for row in grid], digits, scale, whole, claim) + "ᵀ"
    return "[" + ", ".join(_elide(grid, "...", lambda row: _listed_text(
        row, digits, scale, whole, claim), limit)) + "]"


def shape_text(shape: Sequence[Any] | None, separator: str = " x ") -> str:
    """(3, 30, 30) -> '3 x 30 x 30'."""
    return "" if shape is None else separator.join(str(n) for n in shape)


def shape_math(shape: Sequence[Any] | None, fmt: str = "latex") -> str:
    """A step's shape in the captions' letters: (N1, 1) -> 'N_{1} \\times 1' (TeX, for
    LaTeX and Markdown math) or 'N₁ × 1' (text); a size polynomial in a reader's order, a
    size already in TeX kept."""
    if not shape:
        return ""
    from derive.render.captions import caption_math_tex, caption_unicode

    if fmt == "text":
        return caption_unicode(shape_text(shape))
    from derive.render.printing import tex

    return r" \times ".join((n if re.search(r"[\\{]", n) else caption_math_tex(n))
                             if isinstance(n, str) else tex(n)
                             for n in shape)


def check_text(check: float | None) -> str:
    """How a step was verified, in words."""
    if check is None:
        return ""
    if check == 0:
        return "verified exactly"
    return f"verified numerically, rel. error {check:.0e}"
