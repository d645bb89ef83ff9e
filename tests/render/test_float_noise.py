"""A value that is 0 up to float64 rounding prints as 0 (issue 19): Nesterov's x2 lands on 0 as
2.2e-16 beside entries of order 1; a genuinely small value (1e-9 of its inputs) still prints."""

from __future__ import annotations

import re

import numpy as np
import pytest

import derive
from derive.render.cells import number_cell, number_rows, tex_cell
from derive.render.numbers import RESOLUTION, below_resolution, format_number, tex_number
from derive.render.values import tex_value, text_value


@pytest.mark.parametrize("scale", [1e-3, 1.0, 18.0, 1e6])
def test_the_boundary_is_resolution_times_the_scale(scale: float) -> None:
    assert below_resolution(0.5 * RESOLUTION * scale, scale)
    assert not below_resolution(2 * RESOLUTION * scale, scale)
    assert not below_resolution(1e-9 * scale, scale)  # a thousand times above: real
    assert format_number(-0.5 * RESOLUTION * scale, scale=scale) == "0"
    assert tex_number(1e-9 * scale, scale=scale).endswith(r"\times 10^{-9}") or scale != 1.0


def test_exact_values_and_a_missing_scale_are_never_zeroed() -> None:
    assert format_number(1e-300) == "1e-300"  # no scale: nothing to compare with
    assert not below_resolution(0.0, 1.0)
    assert not below_resolution(1, 1e20)  # an integer count is exact
    assert not below_resolution(float("nan"), 1.0)
    assert not below_resolution(1e-20, float("inf"))


def test_a_vector_entry_is_compared_with_the_vectors_largest() -> None:
    assert text_value([3.42, -3.552713678800501e-15]) == "[3.42, 0]"
    assert text_value(np.array([[1.0, 1e-17], [2.0, 1e-9]])) == "[[1, 0], [2, 1e-9]]"
    assert tex_value([0.5751, 2.22e-16]) == r"\begin{bmatrix} 0.5751 \\ 0 \end{bmatrix}"
    assert text_value([2.2e-16, -1e-17]) == "[2.2e-16, −1e-17]"  # alone: no evidence of noise
    assert text_value([2.2e-16, -1e-17], scale=18.0) == "[0, 0]"  # beside its inputs: all noise


def test_a_scalar_is_compared_with_its_inputs() -> None:
    assert text_value(-3.552713678800501e-15, scale=20.0) == "0"
    assert text_value(3e-9, scale=20.0) == "3e-9"


def test_table_cells_use_the_steps_digits_and_their_columns_scale() -> None:
    assert number_cell("28.460512036") == "28.46"
    assert number_cell("28.460512036", digits=6) == "28.4605"
    assert number_cell("61706") == "61706"
    rows = number_rows([["0", "(1.0)", "10.0"], ["1", "(2.220446049250313e-16)", "4.93e-31"],
                        ["2", "(1e-9)", "1e-9"]])
    assert rows == [["0", "(1)", "10"], ["1", "(0)", "0"], ["2", "(1e-9)", "1e-9"]]
    cell = tex_cell("(3.42, -3.552713678800501e-15)")
    assert "3.42" in cell and "10^{" not in cell and "0" in cell.replace("3.42", "")
    assert "0.5" in tex_cell("(0.5)")


NESTEROV = {"function": "x1**2 + 10*x2**2", "x0": [1, 1], "steps": 4,
            "optimizer": ["SGD(lr=0.05, momentum=0.9, nesterov=True)"]}


@pytest.fixture(scope="module")
def nesterov() -> derive.Solution:
    return derive.solve(derive.problem("optimize", **NESTEROV))


def _shown(solution: derive.Solution, fmt: str) -> str:
    """The rendering without the verification line (its residual is 1e-16 by right)."""
    return "\n".join(line for line in derive.render(solution, fmt).splitlines()
                     if "residual" not in line)


def test_an_iterate_that_crosses_zero_prints_zero(nesterov: derive.Solution) -> None:
    text = _shown(nesterov, "text")
    assert not re.search(r"e-1[5-7]", text)
    assert "= [0.5751, 0]" in text and "(0.5751, 0)" in text
    assert not re.search(r"e-1[5-7]|10\^\{-1[5-7]\}", _shown(nesterov, "markdown"))
    latex = _shown(nesterov, "latex")
    assert not re.search(r"10\^\{-1[5-7]\}", latex)
    assert r"0.5751 \\ 0" in latex


def test_json_keeps_the_raw_floats(nesterov: derive.Solution) -> None:
    assert nesterov.answers["x_2"][1] == pytest.approx(2.220446049250313e-16, abs=1e-30)
    assert "e-16" in derive.render(nesterov, "json")


def test_a_genuinely_tiny_value_still_prints() -> None:
    solution = derive.solve(derive.problem("optimize", function="1e-9*x", x0=[1], steps=1,
                                           optimizer=["SGD(lr=1)"]))
    text = derive.render(solution, "text")
    assert "1e-9" in text and "0.999999999" not in text
