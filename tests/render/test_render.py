"""Renderers: every format of every kind, escaping, JSON shape and the number policy."""

from __future__ import annotations

import json

import pytest

import derive
from derive.errors import InputError
from derive.problemset import builtin
from derive.render.numbers import format_number
from derive.render.tex import statement_tex, tex_escape

SOLUTIONS = derive.solve_set(builtin())


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda s: s.problem.id)
def test_every_kind_renders_in_every_format(solution, fmt: str) -> None:
    output = derive.render(solution, fmt)
    assert output.strip()
    if fmt == "latex":
        assert output.startswith("\\documentclass") and output.rstrip().endswith("\\end{document}")
        assert "\\boxed{" in output
    if fmt == "markdown":
        assert "$$" in output and "**Answers**" in output


def test_fragment_has_no_preamble() -> None:
    fragment = derive.render(SOLUTIONS[0], "latex", fragment=True)
    assert "\\documentclass" not in fragment and "\\begin{align*}" in fragment


def test_json_has_kind_problem_answers_steps_sorted() -> None:
    losses = next(s for s in SOLUTIONS if s.problem.kind == "loss")
    data = json.loads(derive.render(losses, "json"))
    assert set(data) >= {"kind", "problem", "answers", "steps"}
    assert data["problem"]["logits"] == [[0.5, 0.3, 0.8]]
    assert all(isinstance(data["answers"][name], float) for name in ("mse", "ce"))
    text = derive.render(losses, "json")
    assert text == json.dumps(data, sort_keys=True, indent=2) + "\n"


def test_solution_displays_in_jupyter() -> None:
    assert "$$" in SOLUTIONS[0]._repr_markdown_()
    assert "6585" in str(SOLUTIONS[0])


@pytest.mark.parametrize("value, digits, expected", [
    (1.2432865553, 4, "1.243"), (0.62, 4, "0.62"), (6585, 4, "6585"), (2.0, 4, "2"),
    (1e-10, 4, "1e-10"), (-0.000123456, 3, "-0.000123"), (123456.789, 4, "1.235e5"),
])
def test_number_policy(value, digits: int, expected: str) -> None:
    assert format_number(value, digits) == expected


def test_prose_is_escaped_and_math_is_kept() -> None:
    assert tex_escape("100% & $5 #1 a_b {c} ~^\\") == (
        "100\\% \\& \\$5 \\#1 a\\_b \\{c\\} \\textasciitilde{}\\textasciicircum{}\\textbackslash{}")
    assert statement_tex("cost $x_1^2$ 50%") == "cost $x_1^2$ 50\\%"


@pytest.mark.parametrize("statement", [
    "$\\input{/etc/passwd}$", "$\\write18{rm -rf /}$", "$\\def\\x{1}$", "$\\csname end\\endcsname$",
    "$\\begin{filecontents}{a}x\\end{filecontents}$", "$\\catcode`\\@=11$", "$^^5cinput$",
])
def test_dangerous_tex_in_statements_is_refused(statement: str) -> None:
    problem = derive.problem("params", layers="2,2", statement=statement)
    with pytest.raises(InputError):
        derive.render(derive.solve(problem), "latex")


def test_dangerous_tex_in_prose_is_escaped() -> None:
    problem = derive.problem("params", layers="2,2", statement="\\input{/etc/passwd}")
    output = derive.render(derive.solve(problem), "latex")
    assert "\\input{/etc" not in output and "\\textbackslash{}input\\{/etc/passwd\\}" in output
