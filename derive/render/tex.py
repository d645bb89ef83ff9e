"""Prose in TeX: escaping, and Markdown-with-$math$ statements made safe for pdflatex.

>>> tex_escape("50% of x_1 & {y}")
'50\\\\% of x\\\\_1 \\\\& \\\\{y\\\\}'
>>> statement_tex("Find $\\\\hat{y}_i$ for 10% of *rows*.")
'Find $\\\\hat{y}_i$ for 10\\\\% of \\\\emph{rows}.'
"""

from __future__ import annotations

import re

from derive.errors import InputError
from derive.render.math_commands import COMMANDS, ENVIRONMENTS, SYMBOL_COMMANDS

_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}",
}
_ESCAPE_PATTERN = re.compile("|".join(re.escape(key) for key in _ESCAPES))

_MATH = re.compile(r"(\$\$.+?\$\$|\$[^$]+?\$)", re.DOTALL)
# A control word (ASCII letters), a would-be one in other letters (`\іnput`, Cyrillic і), or a
# control symbol (one character, none at the very end).
_COMMAND = re.compile(r"\\([A-Za-z]+|[^\W\d_]+|.?)", re.DOTALL)
_ENVIRONMENT = re.compile(r"\s*\{([^{}]*)\}")
# An array's column spec: letters and rules only (no *{N}{...} repeat, no p{}/@{}/>{} code).
_ARRAY_COLUMNS = re.compile(r"\s*\{array\}\s*\{[lcr| ]{1,64}\}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def tex_escape(text: str) -> str:
    """Escape every TeX special character in prose."""
    return _ESCAPE_PATTERN.sub(lambda match: _ESCAPES[match.group()], str(text))


def safe_math(math: str, field: str = "statement") -> str:
    """Math from a user, refused unless every command in it is on the allowlist.

    >>> safe_math(r"\\frac{\\partial L}{\\partial W^{(1)}}")
    '\\\\frac{\\\\partial L}{\\\\partial W^{(1)}}'
    """
    for match in _COMMAND.finditer(math):
        _check_command(match.group(1), math[match.end():], field)
    for pattern, what in ((_CONTROL, "control characters"), (re.compile(r"\^\^"), "'^^'"),
                          (re.compile("@"), "'@'"), (re.compile(r"(?<!\\)%"), "a bare '%'")):
        if pattern.search(re.sub(r"\\\\", "", math)):
            raise InputError(f"{field}: {what} are not allowed in math; remove them "
                             "(write \\% for a percent sign)")
    _check_braces(math, field)
    return math


def _check_command(name: str, rest: str, field: str) -> None:
    """Refuse a command that is not on the allowlist, and an environment that is not."""
    if not name:
        raise InputError(f"{field}: math ends with a lone backslash; remove it")
    allowed = SYMBOL_COMMANDS if len(name) == 1 and not name.isalpha() else COMMANDS
    if name not in allowed:
        shown = "".join(c if c.isprintable() else f"<U+{ord(c):04X}>" for c in name)
        raise InputError(f"{field}: the TeX command \\{shown} is not allowed in math; remove it or "
                         "use one of the allowed commands (see the README)")
    if name in ("begin", "end"):
        environment = _ENVIRONMENT.match(rest)
        if environment is None or environment.group(1) not in ENVIRONMENTS:
            given = environment.group(1) if environment else rest[:20]
            raise InputError(f"{field}: the environment {given!r} is not allowed in math; use "
                             f"one of {', '.join(sorted(ENVIRONMENTS))}")
        if name == "begin" and environment.group(1) == "array" \
                and not _ARRAY_COLUMNS.match(rest):
            raise InputError(f"{field}: an array's columns are written with l, c, r and | only "
                             "(at most 64); write them out, e.g. \\begin{array}{cc}")


def _check_braces(math: str, field: str) -> None:
    depth = 0
    for char in re.sub(r"\\[{}\\]", "", math):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        raise InputError(f"{field}: unbalanced braces in math {math!r}; balance them")


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
