"""conv-size writes the formula a course writes (issue 19): defaults (no padding, dilation 1,
stride 1) left out, the full torch formula only when the problem sets them, and a square
layer's height and width as one step."""

from __future__ import annotations

import derive


def _text(*layers: str) -> str:
    solution = derive.solve(derive.problem("conv-size", input="28", channels=1,
                                           layers=list(layers)))
    return derive.render(solution, "text")


def test_defaults_are_left_out_of_the_formula() -> None:
    text = _text("conv k=5 out=6", "maxpool k=2")
    assert "H₁ = H₀ − k + 1 = 28 − 5 + 1 = 24" in text
    assert "H₂ = floor((H₁ − k)/s) + 1 = floor((24 − 2)/2) + 1 = 12" in text
    assert "d·" not in text and "/1)" not in text and "2·0" not in text


def test_the_full_formula_when_the_problem_sets_dilation_and_padding() -> None:
    text = _text("conv k=3 p=1 d=2 s=2 out=4")
    assert "floor((H₀ + 2·p − d·(k − 1) − 1)/s) + 1 = floor((28 + 2·1 − 2·(3 − 1) − 1)/2) + 1" \
        in text


def test_a_square_layer_is_one_step_and_both_sizes_stay_answers() -> None:
    solution = derive.solve(derive.problem("conv-size", input="28", channels=1,
                                           layers=["conv k=5 out=6", "conv k=3x1 out=2"]))
    text = derive.render(solution, "text")
    assert "layer 1 (conv), height and width (square)" in text and "W₁ =" not in text
    assert "layer 2 (conv), height" in text and "W₂ = W₁ − k + 1 = 24 − 1 + 1 = 24" in text
    assert solution.answers["H_1"] == solution.answers["W_1"] == 24
