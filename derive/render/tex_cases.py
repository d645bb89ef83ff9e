r"""A piecewise formula as a TeX `cases` that fits the page: a wide condition (a conjunction
`a,\ b,\ c`) continues on the rows under it, aligned after its "for", so the display's fit
macro (which cannot break inside a `cases`) need not shrink the whole line.

>>> print(cases([("x", "x > 0"), ("0", None)]))
\begin{cases} x & \text{for}\: x > 0 \\0 & \text{otherwise} \end{cases}
>>> glyphs(r"D_{1} \le y < D_{1} + O_{1} s")
10
"""

from __future__ import annotations

import re

# a row of about this many glyphs (a value and its condition) overflows a display line
# beside a left-hand side; a condition's continued rows hold about this many each
ROW_GLYPHS = 50
LINE_GLYPHS = 24

_FOR = r"\text{for}\: "
_SILENT = re.compile(r"\\(?:left|right|frac|text|mathrm|operatorname|[,:;! ])(?![A-Za-z])"
                     r"|[{}^_\s&]")
_COMMAND = re.compile(r"\\[A-Za-z]+")


def glyphs(tex: str) -> int:
    """About how many characters wide `tex` sets: a command (\\le) one, grouping, spacing,
    scripts' markers and \\left/\\right/\\frac none."""
    return len(_COMMAND.sub("x", _SILENT.sub("", tex)))


def cases(rows: list[tuple[str, str | None]]) -> str:
    """`cases` of (value, condition) rows, condition None for "otherwise"; as SymPy sets it
    when every row is narrow, else each wide condition broken at its top-level commas."""
    wide = any(glyphs(value) + glyphs(condition or "") > ROW_GLYPHS
               for value, condition in rows)
    lines = []
    for value, condition in rows:
        if condition is None:
            lines.append(rf"{value} & \text{{otherwise}}")
            continue
        parts = _lines(condition) if wide else [condition]
        lines.append(f"{value} & {_FOR}{parts[0]}")
        lines += [rf"& \phantom{{{_FOR.strip()}}} {part}" for part in parts[1:]]
    return r"\begin{cases} " + r" \\".join(lines) + r" \end{cases}"


def _lines(condition: str) -> list[str]:
    r"""A condition's conjuncts (`,\ `-separated at the top level) packed into lines of about
    LINE_GLYPHS, each but the last ending in its comma."""
    lines: list[str] = []
    for part in _top_level_parts(condition):
        if lines and glyphs(lines[-1] + part) <= LINE_GLYPHS:
            lines[-1] += r",\ " + part
        else:
            lines.append(part)
    return [line + "," for line in lines[:-1]] + lines[-1:]


def _top_level_parts(condition: str) -> list[str]:
    r"""`condition` split at each `,\ ` outside braces and \left...\right groups."""
    parts, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\\(?:left|right)(?![A-Za-z])|,\\ ", condition):
        token = match[0]
        if token in ("{", r"\left"):
            depth += 1
        elif token in ("}", r"\right"):
            depth -= 1
        elif depth == 0:
            parts.append(condition[start:match.start()])
            start = match.end()
    return parts + [condition[start:]]
