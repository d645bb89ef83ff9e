"""A Solution as template-ready data: every relation, value and shape already in TeX."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from derive.render.cells import math_tex, number_rows, size_cell
from derive.render.figures import mermaid, tikz
from derive.render.given_data import given_tex
from derive.render.keys import key_display, key_text
from derive.render.numbers import magnitude
from derive.render.options import Options
from derive.render.pictures import Placed, picture_code
from derive.render.printing import tex
from derive.render.prose import heading, math_printer, printer, shape_words, verification
from derive.render.report import check_context
from derive.render.stacks import stack_markdown, stack_tikz
from derive.render.tex import statement_tex
from derive.render.values import check_text, shape_math, tex_value
from derive.solution import Formula, ImageFigure, MathCell, Solution, StackFigure, Step


def step_lines(step: Step, digits: int) -> list[str]:
    """The right-hand sides of a step's chain: formula, substitution, value (duplicates dropped)."""
    return list(dict.fromkeys(line for line, _ in _chain(step, digits)))


def _chain(step: Step, digits: int) -> list[tuple[str, bool]]:
    """Each right-hand side of a step's chain in TeX, and whether it is the substitution."""
    _, sides = step.sides
    lines = [(tex(side, digits=digits), False) for side in sides]
    if sides and step.given:
        lines.append((tex(sides[-1], step.given, digits), True))
    if step.value is not None:
        lines.append((tex_value(step.value, digits, magnitude(step.given)), False))
    return lines


def substitution_note(step: Step, sources: Mapping[str, int]) -> str:
    """What a substitution too wide to print at a legible size says instead (its value line
    follows): the steps its numbers come from (`sources`: a name's TeX -> the step that
    computed it), or the data.
    """
    names = [tex(symbol) for symbol in step.given]
    steps = sorted({sources[name] for name in names if name in sources})
    if not steps:
        return r"\text{(numbers as given)}"
    items = [("steps " if len(steps) > 1 else "step ") + str(steps[0])]
    items += [str(number) for number in steps[1:]]
    items += ["the given data"] if any(name not in sources for name in names) else []
    words = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    return rf"\text{{(numbers as in {words})}}"


def step_context(step: Step, digits: int, fmt: str = "latex",
                 sources: Mapping[str, int] | None = None) -> dict[str, Any]:
    """A step's caption (typeset), its chain of sides in TeX, its shape and its check mark;
    `fallbacks` holds, per line, what LaTeX shows instead of a substitution too wide to read
    (empty for every other line), given `sources` (see `substitution_note`)."""
    note = substitution_note(step, sources or {})
    fallbacks = dict(reversed([(line, note if substituted else "")
                               for line, substituted in _chain(step, digits)]))
    lines = step_lines(step, digits)
    return {"lhs": tex(step.sides[0], digits=digits), "lines": lines,
            "fallbacks": [fallbacks[line] for line in lines],
            "why": printer(fmt)(step.why), "shape": shape_math(step.shape, fmt),
            "check": check_text(step.check)}


def steps_context(steps: Sequence[Step], digits: int, fmt: str) -> list[dict[str, Any]]:
    """Every step's context, each substitution pointing to the steps its numbers come from."""
    sources: dict[str, int] = {}
    contexts = []
    for number, step in enumerate(steps, 1):
        contexts.append(step_context(step, digits, fmt, sources))
        sources[contexts[-1]["lhs"]] = number
    return contexts


def answer_context(name: Any, value: Any, digits: int, fmt: str,
                   ell: bool = False, reads: str = "") -> dict[str, Any]:
    """An answer's typeset name (or label), boxed value and shape in words; `ell`: the
    solution writes the loss as ell; `reads`: the box in words, where the answer says how
    it reads (`derive.answers.Answer.reads`)."""
    shape = getattr(value, "shape", None) if isinstance(value, Formula) else None
    return {"key": key_text(name), "name": math_printer(fmt)(key_display(name, ell)),
            "tex": words_tex(reads) if reads else answer_tex(value, digits),
            "label": tex(value.label) if getattr(value, "label", None) else "",
            "shape": printer(fmt)(shape_words(shape)) if shape else ""}


def words_tex(words: str) -> str:
    r"""A caption as the math of a box: its words upright, its math as math (the same in
    LaTeX and in Markdown's MathJax, which reads no $ inside \text)."""
    pieces = printer("latex")(words).split("$")
    return " ".join(piece if i % 2 else rf"\text{{{piece}}}"
                    for i, piece in enumerate(pieces) if piece)


TIMES = r" \times "


def writes_ell(solution: Solution) -> bool:
    """Whether the solution's steps name the loss ell (ℓ)."""
    return any(getattr(symbol, "name", "") in ("ell", r"\ell") for step in solution.steps
               for symbol in getattr(step.relation, "free_symbols", ()))


def details(solution: Solution, fmt: str) -> list[str]:
    """The captions of the answers not boxed (per-entry values a table or the steps show),
    each family once, in order."""
    families = dict.fromkeys(a.detail for a in solution.answers.entries() if a.detail)
    return [printer(fmt)(family) for family in families]


def answer_tex(value: Any, digits: int) -> str:
    if isinstance(value, Formula):
        return tex(value.expr, digits=digits)
    return tex_value(value, digits)


def figure_code(solution: Solution, fmt: str, digits: int) -> str:
    """The solution's drawing as TikZ (latex) or Mermaid (markdown), placed before its steps;
    empty when none (a picture file goes after the steps: `picture_code`)."""
    figure = solution.figure
    if figure is None or isinstance(figure, ImageFigure):
        return ""
    if isinstance(figure, StackFigure):
        return stack_tikz(figure) if fmt == "latex" else stack_markdown(figure)
    return tikz(figure, digits) if fmt == "latex" else mermaid(figure, digits)


def solution_context(solution: Solution, number: int, options: Options,
                     fmt: str = "latex", checks: Sequence[Any] = (),
                     placed: Placed | None = None) -> dict[str, Any]:
    """Everything a solution template places; the kind's module name picks its template."""
    problem = solution.problem
    statement = problem.statement or ""
    caption = printer(fmt)
    ell = writes_ell(solution)  # once: it walks every step's symbols
    return {
        "number": number,
        "id": problem.id,
        "heading": heading(problem),
        "verified": caption(verification(solution.steps)),
        "kind": problem.kind,
        "module": problem.kind.replace("-", "_"),
        "statement": statement,
        "statement_tex": statement_tex(statement, f"problem {problem.id!r}, field 'statement'"),
        "given": given_tex(problem, fmt, options.digits),
        "steps": steps_context(solution.steps, options.digits, fmt),
        "answers": [answer_context(answer.key, answer.value, options.digits, fmt, ell,
                                   answer.reads)
                    for answer in solution.answers.entries() if not answer.detail],
        "details": details(solution, fmt),
        "notes": [caption(note) for note in solution.notes],
        "tables": [{"header": _header(table.header, fmt), "rows": _rows(table.rows, fmt,
                                                                   options.digits),
                    "caption": caption(table.caption), "before": table.before}
                   for table in solution.tables],
        "show_solution": options.solutions,
        "figure": figure_code(solution, fmt, options.digits) if options.solutions else "",
        "picture": picture_code(placed, fmt) if placed and options.solutions else "",
        "checks": [check_context(verdict, options.digits, fmt, ell)
                   for verdict in checks],
    }


def _header(header: Sequence[str], fmt: str) -> Sequence[str]:
    """LaTeX headers stay raw (the template's tex_header filter); Markdown's are typeset here,
    a pipe escaped so it stays inside its cell."""
    if fmt == "latex":
        return header
    return [printer(fmt)(str(cell)).replace("|", "\\|") for cell in header]


def _rows(rows: Sequence[Sequence[Any]], fmt: str, digits: int) -> Sequence[Sequence[Any]]:
    """Number cells in the number policy (`number_rows`: the steps' digits, noise beside a
    column's largest as 0); LaTeX cells then as they are (the template's tex_cell filter),
    Markdown's math cells (`derive.solution.MathCell`) as inline math."""
    rows = number_rows(rows, digits)
    if fmt == "latex":
        return rows
    return [[f"${_inline(math_tex(cell))}$".replace("|", "\\|") if isinstance(cell, MathCell)
             else size_cell(cell, fmt) for cell in row] for row in rows]


def _inline(math: str) -> str:
    r"""Math for a Markdown table cell: a row break `\\` (a `cases`) as `\cr`, which Markdown
    does not unescape into `\` before MathJax reads it.

    >>> _inline(r"\begin{cases} 1 \\0 \end{cases}")
    '\\begin{cases} 1 \\cr 0 \\end{cases}'
    """
    return math.replace("\\\\", "\\cr ")
