"""The LaTeX documents' fit-to-width macros (\\derivefit, \\derivefitor, \\derivefitto,
\\derivewide) taken out again for a notebook's `_repr_latex_`, whose MathJax knows no savebox:
each call becomes its content (\\derivefitor's fallback, for a line too wide, is dropped), and
the break hints that go with them (\\allowbreak) are dropped.

>>> unfit(r"a &= \\derivefit{a}{\\boxed{x_{1}}} \\\\ b &: \\derivefitto{0.5\\linewidth}{y}")
'a &= \\\\boxed{x_{1}} \\\\\\\\ b &: y'
>>> unfit(r"c &= \\derivefitor{c}{1 + 2}{\\text{(numbers as given)}}")
'c &= 1 + 2'
>>> unfit(r"a &: \\derivefit{a}{\\boxed{1}\\allowbreak\\quad x}")
'a &: \\\\boxed{1}\\\\quad x'
"""

from __future__ import annotations

import re

_DEFINITIONS = re.compile(r"\\ifdefined\\derivefit\\else\n.*?\n\\fi\n", re.S)
_CALL = re.compile(r"\\derive(fit|fitor|fitto|wide)\{")
# each macro's number of arguments, and which one is the content kept
_ARGUMENTS = {"fit": (2, 1), "fitor": (3, 1), "fitto": (2, 1), "wide": (1, 0)}


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
    latex = _DEFINITIONS.sub("", latex).replace(r"\allowbreak", "")
    while (found := _CALL.search(latex)) is not None:
        position, arguments = found.end() - 1, []
        count, kept = _ARGUMENTS[found.group(1)]
        for _ in range(count):
            end = _group_end(latex, position)
            arguments.append(latex[position + 1:end - 1])
            position = end
        content = arguments[kept]
        latex = latex[:found.start()] + content + latex[position:]
    return latex
