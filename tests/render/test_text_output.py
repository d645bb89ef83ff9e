"""The plain-text output as a terminal user reads it: one way to write a matrix, the minus
sign −, no doubled parentheses, no TeX, tags that read as shapes; the Answers section written
as claims are (a TOML value, or a formula `derive check` reads back)."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

import derive
from derive.problemset import builtin
from derive.render.values import claim_value, text_value

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
SETS = ("builtin", "seed-001.toml", "layers.toml")


@functools.cache
def sheet(name: str) -> str:
    """The text answer key of a set, as `derive sheet` prints it."""
    problems = builtin() if name == "builtin" else derive.load(EXAMPLES / name)
    return derive.render_set(problems.title, derive.solve_set(problems), "text")


def reading_lines(text: str) -> list[str]:
    """Every line a reader reads as math: all but the Answers sections."""
    lines, answers = [], False
    for line in text.splitlines():
        answers = (answers and line.startswith("     ")) or line == "   Answers:"
        if not answers:
            lines.append(line)
    return lines


def test_a_column_reads_as_the_statement_writes_it() -> None:
    assert text_value(np.array([[3.0], [-3.0]])) == "[3, −3]ᵀ"
    assert text_value([[1, 2]]) == "[[1, 2]]"  # a row: a matrix of one row
    assert text_value([[1, -2], [3, 4]]) == "[[1, −2], [3, 4]]"
    assert text_value([1.5, -2]) == "[1.5, −2]"  # a vector of no orientation
    steps = sheet("builtin")
    assert "x⁽¹⁾ = x⁽⁰⁾ − 0.1·∇f(x⁽⁰⁾) = [3, 3]ᵀ − 0.1·[9, 27]ᵀ = [2.1, 0.3]ᵀ   [2 × 1]" \
        in steps
    assert "H δ²ᵀ = [0.982, 0.5]ᵀ [[0.6267, −0.6267]] = " in steps  # a column's transpose: a row
    assert "∇f = [2·x₁ + x₂, x₁ + 8·x₂]ᵀ" in steps


@pytest.mark.parametrize("name", SETS)
def test_no_column_as_nested_lists_and_no_ascii_minus_where_one_reads(name: str) -> None:
    for line in reading_lines(sheet(name)):
        assert not re.search(r"\[\[[^\[\],]+\], \[", line), line
        assert not re.search(r"(?<![\w.])-\d", line), line
        assert "ᵀᵀ" not in line, line


def test_the_answers_are_written_as_claims_are() -> None:
    """A number or a list under Answers is a TOML value, as a claim in a set is written."""
    assert claim_value(np.array([[0.6267], [-0.6267]])) == "[[0.6267], [-0.6267]]"
    assert claim_value(-1.5) == "-1.5"
    listed = [block.split("\n\n")[0] for block in sheet("builtin").split("Answers:\n")[1:]]
    values = [line.split(" = ", 1)[1] for block in listed for line in block.splitlines()
              if re.fullmatch(r"[-\d.e\[\], ]+", line.split(" = ", 1)[1])]
    assert "[[0.6267], [-0.6267]]" in values and "-0.2" in values
    for value in values:
        if "..." not in value:
            tomllib.loads(f"v = {value}")


def test_a_superscript_step_is_raised_or_grouped_once() -> None:
    text = sheet("seed-001.toml")
    assert "|f(x⁽ᵏ⁺¹⁾) − f(x⁽ᵏ⁾)|" in text and "x⁽ᵏ⁺¹⁾ = x⁽ᵏ⁾ − η·∇f(x⁽ᵏ⁾)" in text
    assert not re.search(r"[\^_]\(\([^()]*\)\)", text)  # a group in parentheses twice


def test_entries_are_subscripted_as_the_captions_write_them() -> None:
    text = sheet("builtin")
    assert "ℓ = −Σᵢ₌₁..C (yᵢ·log(y\u0302ᵢ))" in text  # one index: a subscript
    assert "∂y\u0302ⱼ/∂Bᵢ = ([i = j]·exp(Bⱼ)·Σₖ₌₁..C (exp(Bₖ))" in text
    assert "(Z²)₁ = W²[1, 1]·H₁ + W²[2, 1]·H₂ + (W₀²)₁" in text  # a scripted name grouped
    assert "Σₙ₌₁..N (Σᵢ₌₁..C (Y[n, i]·log(A₃[n, i])))" in text  # two indices: brackets
    assert "Σⱼ≠ᵢ (" in text and "Σ_(" not in text


def test_a_sum_with_a_compound_range_groups_its_end() -> None:
    import sympy

    from derive.render.printing import text

    n, N, c, d = sympy.symbols("n N c d", integer=True)
    x = sympy.IndexedBase("x")
    assert text(sympy.Sum(x[n], (n, 0, N - 1))) == "Σₙ₌₀..(N − 1) (xₙ)"
    assert text(sympy.Sum(x[c], (c, 0, d - 1))) == "Σ(c=0..d − 1) (x[c])"  # c: no subscript
    assert text(sympy.Sum(x[n], (n, 0, N - 1)), pretty=False) == "Sum(x[n], (n, 0, N - 1))"


def test_a_vectors_shape_tag_counts_its_entries() -> None:
    text = sheet("builtin")
    assert "pᵢ = exp(zᵢ − LSE₁) = [0.3156, 0.2584, 0.426]   [3 entries]" in text
    assert "   [2 × 1; ✓]" in text  # a matrix's tag stays its shape
    assert not re.search(r"   \[\d+(; ✓)?\]$", text, re.M)


def test_a_picture_not_drawn_is_one_short_line() -> None:
    assert "\n   (contour plot: drawn when the key is written to a file, -o key.pdf)\n" \
        in sheet("builtin")
    one = derive.render(derive.solve(derive.problem("gd", function="x**2", x0="1", lr="0.1")),
                        "text")
    assert "(plot: drawn when the key is written to a file, -o key.pdf)" in one
    assert "Figure:" not in one


def test_a_single_problem_has_no_set_title_and_no_placeholder_id() -> None:
    one = derive.render(derive.solve(derive.problem("params", layers="4,3")), "text")
    assert one.startswith("1. Parameter count\n") and "=====" not in one
    assert "[problem]" not in one
    named = derive.render(derive.solve(derive.problem("params", layers="4,3", id="q1")), "text")
    assert named.startswith("1. Parameter count   [q1]\n")
    assert sheet("builtin").startswith("derive: built-in examples\n=========================\n")
