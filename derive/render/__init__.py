"""Render solutions as text, Markdown, LaTeX or JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from derive.errors import InputError
from derive.render.options import Options
from derive.render.pictures import draw_pictures

if TYPE_CHECKING:
    from derive.solution import Solution

FORMATS = ("text", "markdown", "latex", "json")


def render_set(title: str, solutions: Sequence[Solution], fmt: str, *, fragment: bool = False,
               digits: int = 4, solutions_shown: bool = True,
               checks: Mapping[str, Sequence[Any]] | None = None,
               pictures: str | None = None) -> str:
    """Render several solutions as one document (LaTeX/Markdown through Jinja2 templates).

    `pictures` is the document's path without its suffix (`out/key` for `-o out/key.md`):
    drawn pictures go beside it (derive.render.pictures); None draws only those a problem
    names by path."""
    options = Options(digits=digits, solutions=solutions_shown)
    placed = draw_pictures(solutions, pictures) if solutions_shown else []
    if fmt == "text":
        from derive.render.text import render_text

        return render_text(title, solutions, options, placed)
    if fmt == "json":
        from derive.render.json import render_json

        return render_json(title, solutions)
    if fmt not in FORMATS:
        raise InputError(f"format: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    from derive.render.context import solution_context
    from derive.render.env import environment

    extension = "tex" if fmt == "latex" else "md"
    template = environment(fmt).get_template(f"{fmt}/document.{extension}.j2")
    contexts = [solution_context(s, i, options, fmt, (checks or {}).get(s.problem.id, ()),
                                 placed[i - 1] if placed else None)
                for i, s in enumerate(solutions, 1)]
    return template.render(title=title, solutions=contexts, fragment=fragment)


def render(solution: Solution, fmt: str = "text", *, fragment: bool = False,
           digits: int = 4, pictures: str | None = None) -> str:
    """Render one solution; `fragment` gives LaTeX without preamble, for \\input."""
    return render_set("", [solution], fmt, fragment=fragment, digits=digits, pictures=pictures)


def notebook_html(markdown: str) -> str:
    """Markdown of a key as HTML for a notebook: text HTML-escaped with its emphasis, bold and
    code as tags, math left in `$...$` and `$$...$$` for the notebook's MathJax or KaTeX; no
    script, no CDN."""
    import html

    blocks = [block.strip() for block in markdown.split("\n\n") if block.strip()]
    parts = []
    for block in blocks:
        if block.startswith("#"):
            level = len(block) - len(block.lstrip("#"))
            parts.append(f"<h{level}>{_inline_html(block.lstrip('#').strip())}</h{level}>")
        elif block.startswith("$$"):
            parts.append(f"<div>{html.escape(block, quote=False)}</div>")
        else:
            parts.append(f"<p>{_inline_html(block)}</p>")
    return '<div class="derive-key">\n' + "\n".join(parts) + "\n</div>"


def _inline_html(text: str) -> str:
    """Escaped text with `**bold**`, `*emphasis*` and `` `code` `` as tags; math untouched.

    >>> _inline_html("*Verification:* $a*b < c$ and **x**")
    '<em>Verification:</em> $a*b &lt; c$ and <strong>x</strong>'
    """
    import html
    import re

    pieces = re.split(r"(\$\$.+?\$\$|\$[^$]+?\$)", text, flags=re.S)
    out = []
    for index, piece in enumerate(pieces):
        escaped = html.escape(piece, quote=False)
        if index % 2 == 0:
            escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
            escaped = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", escaped)
            escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
        out.append(escaped)
    return "".join(out)
