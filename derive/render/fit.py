"""The LaTeX documents' fit-to-width macros (\\derivefit, \\derivefitto, \\derivewide) taken out
again for a notebook's `_repr_latex_`, whose MathJax knows no savebox: each call becomes its
content.

>>> unfit(r"a &= \\derivefit{a}{\\boxed{x_{1}}} \\\\ b &: \\derivefitto{0.5\\linewidth}{y}")
'a &= \\\\boxed{x_{1}} \\\\\\\\ b &: y'
"""

from __future__ import annotations

import re

_DEFINITIONS = re.compile(r"\\ifdefined\\derivefit\\else\n.*?\n\\fi\n", re.S)
_CALL = re.compile(r"\\derive(fit|fitto|wide)\{")
_ARGUMENTS = {"fit": 2, "fitto": 2, "wide": 1}  # the last one is the content kept


def _group_end(text: str, start: int) -> int:
    """The index just after the brace group opening at `start`."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    return len(text)


def unfit(latex: str) -> str:
    """`latex` without the fit macros' definitions, each call replaced by its content."""
    latex = _DEFINITIONS.sub("", latex)
    while (found := _CALL.search(latex)) is not None:
        position, content = found.end() - 1, ""
        for _ in range(_ARGUMENTS[found.group(1)]):
            end = _group_end(latex, position)
            content, position = latex[position + 1:end - 1], end
        latex = latex[:found.start()] + content + latex[position:]
    return latex
