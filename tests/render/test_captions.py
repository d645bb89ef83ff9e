"""No ASCII math in a typeset key, no TeX source in plain text (issue 19), over every kind of
the built-in set and every example."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

import derive
from derive.problemset import builtin
from derive.render.captions import caption_tex, caption_unicode

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
SETS = ("builtin", *sorted(p.name for p in EXAMPLES.glob("*.toml")))
ASCII_MATH = re.compile(r"\b(sigma|eta|lambda|yhat|ell)\b|\d x \d|\\_|\\textasciicircum")
TEX_SOURCE = re.compile(r"\\(times|frac|mathbb|hat|partial|sigma|begin|text)\b|\$")


@functools.cache
def solved(name: str) -> tuple[derive.Solution, ...]:
    problems = builtin() if name == "builtin" else derive.load(EXAMPLES / name)
    return tuple(derive.solve(problem) for problem in problems.problems)


def _prose(latex: str) -> str:
    """A LaTeX caption without its math and code: what is left is set as words."""
    return re.sub(r"\$[^$]*\$|\\texttt\{[^{}]*\}", "", latex)


@pytest.mark.parametrize("name", SETS)
def test_latex_captions_hold_no_ascii_math(name: str) -> None:
    for solution in solved(name):
        latex = derive.render(solution, "latex")
        for inside in re.findall(r"\\text\{([^{}$]*)\}", latex):
            assert not re.search(r"[_^]|\b(sigma|eta|lambda)\b|\d x \d", inside), inside
        captions = [step.why for step in solution.steps] + list(solution.notes)
        for caption in captions:
            assert not ASCII_MATH.search(_prose(caption_tex(caption))), caption


@pytest.mark.parametrize("name", SETS)
def test_plain_text_holds_no_tex_source(name: str) -> None:
    for solution in solved(name):
        shown = derive.render(solution, "text")
        head = shown.split("Answers:")[0]  # answer names stay as typed claims
        assert not TEX_SOURCE.search(head), solution.problem.id


def test_captions_read_as_math() -> None:
    assert caption_tex("W_1 is 100 x 50") == r"$W_{1}$ is $100 \times 50$"
    assert caption_unicode("eta < 2 / lambda_max") == "η < 2 / λₘₐₓ"
    assert caption_tex("SGD step on W_0^{1}") == r"SGD step on $W_{0}^{1}$"


def test_notebook_reprs_leave_math_to_the_notebook() -> None:
    problems = derive.load(EXAMPLES / "seed-003.toml")
    page = problems._repr_html_()
    assert "<script" not in page and "http" not in page and "$$" in page
    assert problems._repr_markdown_().startswith("# ")
    solution = solved("seed-003.toml")[0]
    assert solution._repr_latex_().startswith(r"\subsection*")
    assert "&lt;" not in solution._repr_html_() or "<p>" in solution._repr_html_()
