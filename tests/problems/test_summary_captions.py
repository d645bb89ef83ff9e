"""Summary captions as a reader reads them (issue 19): prose stays prose, a weight in torch's
out x in layout, torch's own tensor names, counts as polynomials, sizes as sizes."""

from __future__ import annotations

import derive
from derive.solution import Shape


def _summary(model: str, input: str) -> derive.Solution:
    return derive.solve(derive.problem("summary", model=model, input=input))


def test_a_linear_caption_keeps_its_words_out_of_math() -> None:
    solution = _summary("nn.Sequential(nn.Linear(100, 50), nn.ReLU(), nn.Linear(50, 10))", "100")
    latex = derive.render(solution, "latex")
    assert r"weight of $d_{\mathrm{out}} \times d_{\mathrm{in}}$" in latex
    assert "$a " not in latex and "(a shared" not in latex
    text = derive.render(solution, "text")
    assert "tensors weight 50 × 100, bias 50" in text and "table row i" in text
    assert "RF" not in text  # no conv stack: the receptive-field column is left out
    assert solution.answers["bytes of memory"] == 4 * 5560


def test_attention_names_its_output_projection_and_squares_e() -> None:
    text = derive.render(_summary("nn.MultiheadAttention(256, 8)", "10x256"), "text")
    assert "out_proj.weight 256 × 256, out_proj.bias 256" in text
    assert "4·E² + 4·E = 4·256² + 4·256 = 263168" in text


def test_receptive_field_and_a_weight_shape_are_sizes() -> None:
    answers = _summary("nn.Sequential(nn.Conv2d(1, 1, 3))", "1x8x8").answers
    assert answers["receptive_field"] == Shape((3, 3)) and answers["jump"] == Shape((1, 1))
    init = derive.solve(derive.problem("init", layer="Conv2d(32, 64, 3, groups=4)"))
    assert init.answers["shape of W"] == Shape((64, 8, 3, 3))
    assert "shape(W) = 64 × 8 × 3 × 3" in derive.render(init, "text")
