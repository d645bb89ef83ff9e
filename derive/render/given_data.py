"""A problem's given data in each format: a display of typeset values (LaTeX, Markdown) or
readable Unicode lines (text); three values to a row so a display never runs off the page."""

from __future__ import annotations

import re
from typing import Any

from derive.given import given_values
from derive.render.prose import math_printer, printer
from derive.render.tex import tex_escape
from derive.render.values import tex_value, text_value

PER_ROW = 3


def given_tex(problem: Any, fmt: str, digits: int) -> str:
    """The given values as display math (LaTeX `gather*`, Markdown `$$`); "" when none."""
    values = given_values(problem)
    if not values:
        return ""
    name = math_printer(fmt)
    shown = [f"{_math_label(name(label))} = "
             + (rf"\text{{{tex_escape(value)}}}" if isinstance(value, str) else
                tex_value(value, digits)) for label, value in values]
    rows = [r",\qquad ".join(shown[i:i + PER_ROW]) for i in range(0, len(shown), PER_ROW)]
    if fmt == "latex":  # a row wider than the page is scaled to fit
        rows = [rf"\derivefitto{{\linewidth}}{{{row}}}" for row in rows]
        return "\\begin{gather*}\n" + " \\\\\n".join(rows) + "\n\\end{gather*}"
    return "$$\n" + r"\begin{gathered}" + " \\\\\n".join(rows) + r"\end{gathered}" + "\n$$"


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
    return [f"{name(label)} = {value if isinstance(value, str) else text_value(value, digits)}"
            for label, value in given_values(problem)]
