"""A problem's given data in each format: a display of typeset values (LaTeX, Markdown) or
readable Unicode lines (text); up to three values to a row, as many as fit the page."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from derive.given import given_values
from derive.render.prose import math_printer, printer
from derive.render.tex import tex_escape
from derive.render.values import tex_value, text_value

PER_ROW = 3
LINE_CHARACTERS = 90  # of a display row at the page's width, counted roughly


def given_tex(problem: Any, fmt: str, digits: int) -> str:
    """The given values as display math (LaTeX `gather*`, Markdown `$$`); "" when none."""
    values = given_values(problem)
    if not values:
        return ""
    name = math_printer(fmt)
    shown = [f"{_math_label(name(label))} = "
             + (rf"\text{{{tex_escape(value)}}}" if isinstance(value, str) else
                tex_value(value, digits, whole=True)) for label, value in values]
    rows = [r",\qquad ".join(shown[i] for i in row) for row in _rows(values, digits)]
    if fmt == "latex":  # a row wider than the page is scaled to fit
        # one display a row: a page may break between rows (one gather* would move whole)
        return "\n".join("\\begin{gather*}\n" + rf"\derivefitto{{\linewidth}}{{{row}}}"
                         + "\n\\end{gather*}" for row in rows)
    return "$$\n" + r"\begin{gathered}" + " \\\\\n".join(rows) + r"\end{gathered}" + "\n$$"


def _rows(values: list[tuple[str, Any]], digits: int) -> list[list[int]]:
    """The values' indices packed into display rows: at most `PER_ROW` a row, and a row no
    wider than the page by a rough count of characters (a wide matrix gets a row of its own,
    never a label at a line's end with its matrix on the next)."""
    rows: list[list[int]] = []
    used = 0
    for index, (label, value) in enumerate(values):
        width = len(label) + 4 + _width(value, digits)
        if not rows or len(rows[-1]) == PER_ROW or used + width > LINE_CHARACTERS:
            rows.append([])
            used = 0
        rows[-1].append(index)
        used += width
    return rows


def _width(value: Any, digits: int) -> int:
    """A value's printed width in characters, roughly: a matrix's widest row."""
    if isinstance(value, str):
        return len(value)
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return digits + 3
    columns = 1 if array.ndim == 1 else array.shape[-1]
    return columns * (digits + 4)


def _math_label(printed: str) -> str:
    r"""A printed label inside display math: Markdown's code (`0.weight`, a state_dict name)
    as \texttt, since backticks are no math.

    >>> print(_math_label("`0.in_proj_weight`"), _math_label("$\\gamma$"))
    \texttt{0.in\_proj\_weight} \gamma
    """
    code = re.fullmatch(r"`([^`]*)`", printed)
    return rf"\texttt{{{tex_escape(code[1])}}}" if code else printed.strip("$")


def given_text(problem: Any, digits: int) -> list[str]:
    """The given values as lines of Unicode text: `W¹ = [[3, 6], [4, 5]]`."""
    name = printer("text")
    return [f"{name(label)} = "
            + (value if isinstance(value, str) else text_value(value, digits, whole=True))
            for label, value in given_values(problem)]
