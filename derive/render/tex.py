"""Prose in TeX: escaping, and Markdown-with-$math$ statements made safe for pdflatex.

>>> tex_escape("50% of x_1 & {y}")
'50\\\\% of x\\\\_1 \\\\& \\\\{y\\\\}'
>>> statement_tex("Find $\\\\hat{y}_i$ for 10% of *rows*.")
'Find $\\\\hat{y}_i$ for 10\\\\% of \\\\emph{rows}.'
"""

from __future__ import annotations

import re

from derive.errors import InputError

_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}",
}
_ESCAPE_PATTERN = re.compile("|".join(re.escape(key) for key in _ESCAPES))

# TeX primitives and macros that read or write files, redefine tokens or run code.
FORBIDDEN = (
    "input", "include", "includeonly", "write", "openin", "openout", "immediate", "catcode",
    "def", "edef", "gdef", "xdef", "let", "csname", "read", "readline", "usepackage",
    "newcommand", "renewcommand", "providecommand", "documentclass", "special", "shipout",
    "output", "everyjob", "everypar", "makeatletter", "newread", "newwrite", "closein",
    "closeout", "openany", "verbatiminput", "lstinputlisting", "directlua", "ShellEscape",
    "write18", "jobname", "endinput", "scantokens", "uppercase", "lowercase", "expandafter",
    "loop", "repeat", "afterassignment",
)
ENVIRONMENTS = {"matrix", "bmatrix", "pmatrix", "vmatrix", "Bmatrix", "cases", "aligned",
                "array", "gathered", "smallmatrix"}
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{([^}]*)\}")
_COMMAND = re.compile(r"\\([A-Za-z@]+)")
_MATH = re.compile(r"(\$\$.+?\$\$|\$[^$]+?\$)", re.DOTALL)


def tex_escape(text: str) -> str:
    """Escape every TeX special character in prose."""
    return _ESCAPE_PATTERN.sub(lambda match: _ESCAPES[match.group()], str(text))


def safe_math(math: str, field: str = "statement") -> str:
    """Math from a user, refused when it holds a command that can touch files or redefine TeX."""
    for name in _COMMAND.findall(math):
        if name in FORBIDDEN or name.startswith("@"):
            raise InputError(f"{field}: the TeX command \\{name} is not allowed in math; remove it")
    if "^^" in math or "@" in math:
        raise InputError(f"{field}: '^^' and '@' are not allowed in math; remove them")
    for name in _ENVIRONMENT.findall(math):
        if name not in ENVIRONMENTS:
            raise InputError(f"{field}: the environment {name!r} is not allowed in math; use one "
                             f"of {', '.join(sorted(ENVIRONMENTS))}")
    depth = 0
    for char in re.sub(r"\\[{}]", "", math):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        raise InputError(f"{field}: unbalanced braces in math {math!r}; balance them")
    return math


def _markup(text: str) -> str:
    escaped = tex_escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"\\textbf{\1}", escaped)
    escaped = re.sub(r"\*(.+?)\*", r"\\emph{\1}", escaped)
    return re.sub(r"`(.+?)`", r"\\texttt{\1}", escaped)


def statement_tex(statement: str, field: str = "statement") -> str:
    """A Markdown statement as TeX: $math$ kept (after the safety check), prose escaped."""
    pieces = _MATH.split(statement)
    return "".join(safe_math(piece, field) if index % 2 else _markup(piece)
                   for index, piece in enumerate(pieces))
