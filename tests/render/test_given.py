"""Given data under a statement: matrices typeset in LaTeX and Markdown, readable in text, and
every drawn number of a variant on its question sheet (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive import load, solve
from derive.errors import InputError
from derive.problemset import parse_problem
from derive.render import render_set
from derive.variants import draw_variant

ROOT = Path(__file__).resolve().parents[2]


def test_seed_003_given_matrices_are_typeset() -> None:
    solution = solve(load(ROOT / "examples" / "seed-003.toml").problems[1])
    latex = render_set("t", [solution], "latex", solutions_shown=False)
    markdown = render_set("t", [solution], "markdown", solutions_shown=False)
    text = render_set("t", [solution], "text", solutions_shown=False)
    assert r"W^{1} = \begin{bmatrix} 3 & 6 \\ 4 & 5 \end{bmatrix}" in latex
    assert "[[3, 6]" not in latex and "[[3, 6]" not in markdown.split("$$")[0]
    assert "$$\n" in markdown and "W¹ = [[3, 6], [4, 5]]" in text


def test_a_variant_question_sheet_shows_its_drawn_numbers() -> None:
    problem_set = load(ROOT / "examples" / "quiz.toml")
    variant = draw_variant(problem_set, seed=7, index=2)
    sheet = render_set("t", variant.solutions, "text", solutions_shown=False)
    for solution, vary in zip(variant.solutions, problem_set.vary, strict=True):
        if "x0" in vary:
            line = next(line for line in sheet.splitlines() if "x⁽⁰⁾ = [" in line)
            entries = line.split("[")[1].rstrip("]").replace("−", "-").split(",")
            assert [float(v) for v in entries] == [
                float(v) for v in solution.problem.x0]


def test_a_given_entry_must_name_a_field() -> None:
    with pytest.raises(InputError, match="given"):
        parse_problem({"kind": "params", "layers": [2, 3], "given": ["nothing"]}, 1)


def test_a_drawn_layer_list_is_shown_in_words_on_the_question_sheet() -> None:
    """A varied conv layer (kernel 5 or 7) must reach the student: in words, not left out."""
    quiz = load(Path(__file__).resolve().parents[2] / "examples" / "quiz.toml")
    variant = draw_variant(quiz, 7, 1)
    sheet = render_set(variant.title, variant.solutions, "markdown", solutions_shown=False)
    conv = next(s for s in variant.solutions if s.problem.kind == "conv-size")
    kernel = conv.problem.field_values()["layers"][0]["kernel"][0]
    assert f"kernel {kernel}×{kernel}" in sheet
