"""Render solutions as text, Markdown, LaTeX or JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from derive.errors import InputError
from derive.render.options import Options
from derive.solution import ImageFigure

if TYPE_CHECKING:
    from derive.solution import Solution

FORMATS = ("text", "markdown", "latex", "json")


def render_set(title: str, solutions: Sequence[Solution], fmt: str, *, fragment: bool = False,
               digits: int = 4, solutions_shown: bool = True,
               checks: Mapping[str, Sequence[Any]] | None = None) -> str:
    """Render several solutions as one document (LaTeX/Markdown through Jinja2 templates)."""
    options = Options(digits=digits, solutions=solutions_shown)
    draw_pictures(solutions)
    if fmt == "text":
        from derive.render.text import render_text

        return render_text(title or "derive", solutions, options)
    if fmt == "json":
        from derive.render.json import render_json

        return render_json(title, solutions)
    if fmt not in FORMATS:
        raise InputError(f"format: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    from derive.render.context import solution_context
    from derive.render.env import environment

    extension = "tex" if fmt == "latex" else "md"
    template = environment(fmt).get_template(f"{fmt}/document.{extension}.j2")
    contexts = [solution_context(s, i, options, fmt, (checks or {}).get(s.problem.id, ()))
                for i, s in enumerate(solutions, 1)]
    return template.render(title=title, solutions=contexts, fragment=fragment)


def draw_pictures(solutions: Sequence[Solution]) -> None:
    """Write the pictures the documents place (a gradient-descent plot) to their paths."""
    for solution in solutions:
        figure = solution.figure
        if isinstance(figure, ImageFigure) and figure.drawing:
            from pathlib import Path

            from derive.render.plot import plot_descent

            plot_descent(Path(figure.path), *figure.drawing)


def render(solution: Solution, fmt: str = "text", *, fragment: bool = False,
           digits: int = 4) -> str:
    """Render one solution; `fragment` gives LaTeX without preamble, for \\input."""
    return render_set("", [solution], fmt, fragment=fragment, digits=digits)


def notebook_html(markdown: str) -> str:
    """Markdown of a key as HTML for a notebook: text HTML-escaped, math left in `$...$` and
    `$$...$$` for the notebook's MathJax or KaTeX; no script, no CDN."""
    import html

    blocks = [block.strip() for block in markdown.split("\n\n") if block.strip()]
    parts = []
    for block in blocks:
        escaped = html.escape(block, quote=False)
        if block.startswith("#"):
            level = len(block) - len(block.lstrip("#"))
            parts.append(f"<h{level}>{escaped.lstrip('#').strip()}</h{level}>")
        elif block.startswith("$$"):
            parts.append(f"<div>{escaped}</div>")
        else:
            parts.append(f"<p>{escaped}</p>")
    return '<div class="derive-key">\n' + "\n".join(parts) + "\n</div>"
