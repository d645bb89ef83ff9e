"""Values, shapes and checks as TeX or plain text, under the one number policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from derive.render.printing import DEFAULT_DIGITS, format_number, tex_number
from derive.solution import Shape

MAX_SHOWN = 8  # entries per axis before a matrix is elided


def _grid(value: Any) -> list[Any] | None:
    """A vector or matrix (sequence or array) as nested lists; None for anything else."""
    items = value.tolist() if hasattr(value, "tolist") and hasattr(value, "ndim") else value
    if not isinstance(items, Sequence) or isinstance(items, str) or not items:
        return None
    nested = [isinstance(item, Sequence) and not isinstance(item, str) for item in items]
    if all(nested) and all(not isinstance(x, Sequence) for row in items for x in row):
        return [list(row) for row in items]
    return list(items) if not any(nested) else None


def _elide(items: list[str], filler: str) -> list[str]:
    if len(items) <= MAX_SHOWN:
        return items
    return items[: MAX_SHOWN - 2] + [filler] + items[-1:]


def _is_shape_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Shape) for v in value)


def tex_value(value: Any, digits: int = DEFAULT_DIGITS) -> str:
    """A scalar as a number; a vector or matrix as a bmatrix (a vector as a column)."""
    if isinstance(value, Shape):
        return shape_text(value, r" \times ")
    if _is_shape_list(value):
        return ",\; ".join(shape_text(shape, r" \times ") for shape in value)
    grid = _grid(value)
    if grid is None:
        return tex_number(value, digits) if not isinstance(value, str) else value
    rows = grid if isinstance(grid[0], list) else [[x] for x in grid]
    lines = [" & ".join(_elide([tex_number(x, digits) for x in row], r"\cdots")) for row in rows]
    width = len(_elide(["" for _ in rows[0]], ""))
    lines = _elide(lines, " & ".join([r"\vdots"] * width))
    return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"


def text_value(value: Any, digits: int = DEFAULT_DIGITS) -> str:
    """A scalar as a number; a vector as [a, b]; a matrix as [[a, b], [c, d]]."""
    if isinstance(value, Shape):
        return shape_text(value)
    if _is_shape_list(value):
        return ", ".join(shape_text(shape) for shape in value)
    grid = _grid(value)
    if grid is None:
        return format_number(value, digits) if not isinstance(value, str) else value
    if any(isinstance(row, list) and isinstance(row[0], Sequence) for row in grid):
        return "[" + ", ".join(text_value(row, digits) for row in grid) + "]"
    if not isinstance(grid[0], list):
        return "[" + ", ".join(_elide([format_number(x, digits) for x in grid], "...")) + "]"
    return "[" + ", ".join(_elide([text_value(row, digits) for row in grid], "...")) + "]"


def shape_text(shape: Sequence[Any] | None, separator: str = " x ") -> str:
    """(3, 30, 30) -> '3 x 30 x 30'."""
    return "" if shape is None else separator.join(str(n) for n in shape)


def check_text(check: float | None) -> str:
    """How a step was verified, in words."""
    if check is None:
        return ""
    if check == 0:
        return "verified exactly"
    return f"verified numerically, rel. error {check:.0e}"
