"""Question text and feedback as HTML for an LMS: a small, escaping Markdown conversion.

Text is HTML-escaped first (``<``, ``&``: ``a < b`` is text, never a tag); math goes to
MathJax's delimiters, ``$x$`` -> ``\\(x\\)`` and ``$$ ... $$`` / ```` ```math ```` ->
``\\[ ... \\]``. Only what derive's Markdown renderer writes is converted (headings, bold,
code, lists, display math, paragraphs); tables and anything else stay as preformatted text.
The XML library escapes the HTML once more when it writes it into the file.

>>> inline("a < b, $x_1^2$ and **bold**")
'a &lt; b, \\\\(x_1^2\\\\) and <strong>bold</strong>'
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np

from derive.solution import Solution

_INLINE_MATH = re.compile(r"\$([^$\n]+)\$")
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")
HIDDEN_FIELDS = {"id", "statement", "claims", "given", "title"}  # shown otherwise, or not data


def inline(text: str) -> str:
    """One line of Markdown as HTML: escaped, inline math, bold, code."""
    pieces = _INLINE_MATH.split(text)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.append(f"\\({html.escape(piece, quote=False)}\\)")
        else:
            escaped = html.escape(piece, quote=False)
            escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
            out.append(_CODE.sub(r"<code>\1</code>", escaped))
    return "".join(out)


def markdown_html(text: str) -> str:
    """Markdown (as derive renders it) as HTML."""
    blocks: list[str] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].rstrip()
        if line.strip() == "$$" or line.startswith("```"):
            closing = "$$" if line.strip() == "$$" else "```"
            body, index = _until(lines, index + 1, closing)
            math = line.strip() in ("$$", "```math")
            blocks.append(f"\\[{html.escape(body, quote=False)}\\]" if math
                          else f"<pre>{html.escape(body, quote=False)}</pre>")
            continue
        index += 1
        if not line.strip():
            continue
        blocks.append(_line_block(line))
    return "\n".join(_join_lists(blocks))


def _until(lines: list[str], start: int, closing: str) -> tuple[str, int]:
    end = start
    while end < len(lines) and lines[end].strip() != closing:
        end += 1
    return "\n".join(lines[start:end]), end + 1


def _line_block(line: str) -> str:
    heading = re.match(r"^(#{1,6})\s+(.*)$", line)
    if heading:
        level = min(6, len(heading.group(1)) + 2)
        return f"<h{level}>{inline(heading.group(2))}</h{level}>"
    if line.lstrip().startswith(("- ", "* ")):
        return f"<li>{inline(line.lstrip()[2:])}</li>"
    if line.lstrip().startswith("|"):
        return f"<pre>{html.escape(line, quote=False)}</pre>"
    return f"<p>{inline(line)}</p>"


def _join_lists(blocks: list[str]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if block.startswith("<li>"):
            if out and out[-1].endswith("</ul>"):
                out[-1] = out[-1][: -len("</ul>")] + block + "</ul>"
            else:
                out.append(f"<ul>{block}</ul>")
        else:
            out.append(block)
    return out


def statement_html(problem: Any, parts: Any, stated: dict[str, Any], marker: str) -> str:
    """A question's text: the statement, the problem's numbers, the numbers a formula is
    asked at, and the question's id marker."""
    blocks = [markdown_html(problem.statement)] if problem.statement else []
    fields = {name: value for name, value in problem.field_values().items()
              if name not in HIDDEN_FIELDS and value not in (None, [], {}, "")}
    items = "".join(f"<li><code>{html.escape(name)}</code> = "
                    f"{html.escape(_plain(value), quote=False)}</li>"
                    for name, value in fields.items())
    blocks.append(f"<p>Problem <code>{html.escape(problem.kind)}</code> with:</p><ul>{items}</ul>")
    if stated:
        blocks.append("<p>Give the formula answers' values at:</p>" + "".join(
            f"\\[{html.escape(name)} = {matrix_tex(value)}\\]" for name, value in stated.items()))
    blocks.append(f"<p><small>{html.escape(marker)}</small></p>")
    return "\n".join(blocks)


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_plain(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_plain(v)}" for k, v in value.items()) + "}"
    return str(value)


def matrix_tex(value: Any) -> str:
    """A number, vector or matrix as TeX (4 significant digits, rows as rows).

    >>> matrix_tex(np.array([[1.0, 0.5]]))
    '\\\\begin{bmatrix} 1 & 0.5 \\\\end{bmatrix}'
    """
    array = np.atleast_2d(np.asarray(value, dtype=float))
    if array.size == 1:
        return f"{array.item():.4g}"
    rows = [" & ".join(f"{x:.4g}" for x in row) for row in array.reshape(array.shape[0], -1)]
    return "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"


def feedback_html(solution: Solution, digits: int) -> str:
    """The worked solution, rendered by derive's Markdown renderer, as HTML."""
    from derive.render import render_set

    return markdown_html(render_set("", [solution], "markdown", fragment=True, digits=digits))
