"""Plain text for a terminal: numbered steps, formula -> substitution -> value, answers."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np

from derive.render.captions import caption_unicode
from derive.render.cells import math_text, number_rows, size_cell
from derive.render.figures import tree
from derive.render.given_data import given_text
from derive.render.keys import key_text
from derive.render.numbers import magnitude, text_minus
from derive.render.options import Options
from derive.render.pictures import NO_MATPLOTLIB, NOT_DRAWN, Placed, picture_code
from derive.render.printing import text
from derive.render.prose import heading, verification
from derive.render.stacks import stack_lines
from derive.render.unicode_tex import statement_unicode
from derive.render.values import claim_value, shape_math, text_value
from derive.solution import (
    Formula,
    GraphFigure,
    ImageFigure,
    MathCell,
    Solution,
    StackFigure,
    Step,
    Table,
)


def _caption(caption: Any) -> str:
    """A caption in Unicode, its numbers with the minus sign − as the formulas write them."""
    return text_minus(caption_unicode(caption))


def _step_chain(step: Step, digits: int) -> str:
    lhs, sides = step.sides
    parts = [text(lhs, digits=digits), *(text(side, digits=digits) for side in sides)]
    if sides and step.given:
        parts.append(text(sides[-1], step.given, digits))
    if step.value is not None:
        parts.append(text_value(_oriented(step.value, step.shape), digits,
                                magnitude(step.given)))
    return " = ".join(dict.fromkeys(parts))


def _oriented(value: Any, shape: Sequence[Any] | None) -> Any:
    """A flat vector as the column its step's shape (n × 1) says it is, so it prints as the
    given columns beside it do: [2.1, 0.3]ᵀ."""
    array = np.asarray(value) if isinstance(value, list | tuple | np.ndarray) else None
    if array is None or array.ndim != 1 or not shape or len(shape) != 2 or shape[1] != 1:
        return value
    return array.reshape(-1, 1)


def _table(table: Table, digits: int, indent: str = "") -> list[str]:
    """A table in aligned columns, its caption above it, each line indented."""
    caption = [_caption(table.caption) + ":"] if table.caption else []
    cells = [[_caption(str(cell)) for cell in table.header]]
    cells += [[math_text(c) if isinstance(c, MathCell) else text_minus(str(size_cell(c, "text")))
               for c in row]
              for row in number_rows(table.rows, digits)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    return [indent + line for line in
            (*caption, lines[0], "  ".join("-" * w for w in widths), *lines[1:])]


def _shape_tag(shape: Sequence[Any] | None) -> str:
    """A shape as the tag after a value: 2 × 1; one axis as its entries (3 entries, never
    a bare [3] that reads like a citation); a scalar's empty."""
    size = shape_math(shape, "text")
    if not shape or len(shape) != 1:
        return size
    return f"{size} {'entry' if size == '1' else 'entries'}"


def _answer(value: Any, digits: int) -> str:
    if isinstance(value, Formula):
        return text(value.expr, digits=digits) + (f"   [{_shape_tag(value.shape)}]"
                                                   if value.shape else "")
    return claim_value(value, digits)


def _picture_line(placed: Placed, figure: Any) -> str:
    """The placed picture in one line; one not drawn as what it is and how to get it."""
    drawing = figure.drawing if isinstance(figure, ImageFigure) else ()
    what = "contour plot" if len(drawing) > 2 and len(drawing[2]) == 2 else "plot"
    if placed.missing == NOT_DRAWN:
        return f"({what}: drawn when the key is written to a file, -o key.pdf)"
    if placed.missing == NO_MATPLOTLIB:
        return f"({what}: needs matplotlib, pip install matplotlib)"
    return picture_code(placed, "text")


def _id_tag(problem: Any) -> str:
    """The problem's id after its heading, `   [mlp-params]`; none for the placeholder id a
    problem from the command line has (`problem`)."""
    placeholder = next(f.default for f in dataclasses.fields(problem) if f.name == "id")
    return "" if problem.id == placeholder else f"   [{problem.id}]"


def render_solution(solution: Solution, number: int, options: Options,
                    placed: Placed | None = None) -> str:
    """One problem as indented text."""
    problem = solution.problem
    lines = [f"{number}. {heading(problem)}{_id_tag(problem)}"]
    if problem.statement:
        lines += textwrap.wrap(statement_unicode(problem.statement), 96, initial_indent="   ",
                               subsequent_indent="   ")
    lines += [f"   {line}" for line in given_text(problem, options.digits)]
    if options.solutions:
        if verification(solution.steps):
            lines.append(f"   Verification: {_caption(verification(solution.steps))}.")
        for table in (t for t in solution.tables if t.before):
            lines += _table(table, options.digits, indent="   ") + [""]
        for index, step in enumerate(solution.steps, 1):
            lines.append(f"   {number}.{index} {_caption(step.why)}")
            tail = [item for item in (_shape_tag(step.shape),
                                      "✓" if step.check is not None else "") if item]
            lines.append(f"       {_step_chain(step, options.digits)}"
                         + (f"   [{'; '.join(tail)}]" if tail else ""))
        if placed is not None and picture_code(placed, "text"):
            lines += ["", "   " + _picture_line(placed, solution.figure)]
        elif isinstance(solution.figure, StackFigure):
            lines += ["", *("   " + line for line in stack_lines(solution.figure))]
        elif isinstance(solution.figure, GraphFigure):
            lines += ["", "   The graph, from the output down:"]
            lines += ["     " + text_minus(line) for line in tree(solution.figure, options.digits)]
        for table in (t for t in solution.tables if not t.before):
            lines += [""] + _table(table, options.digits, indent="   ")
        if solution.notes:
            lines += ["", "   Conventions: " + "; ".join(map(_caption, solution.notes))]
        lines += ["", "   Answers:"]
        lines += [f"     {key_text(name)} = {_answer(value, options.digits)}"
                  for name, value in solution.answers.items()]
    return "\n".join(lines) + "\n"


def render_text(title: str, solutions: Sequence[Solution], options: Options,
                placed: Sequence[Placed] = ()) -> str:
    """A title underlined (none for a single problem, whose title is empty), then every
    problem (`placed`: each one's drawn picture, if any)."""
    body = "\n".join(render_solution(s, i, options, placed[i - 1] if placed else None)
                     for i, s in enumerate(solutions, 1))
    return f"{title}\n{'=' * len(title)}\n\n{body}" if title else body
