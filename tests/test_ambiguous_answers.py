"""A name two steps show with different values is no answer (the built-in gd showed x^(1)
of both step sizes, and kept the second's value under the one name)."""

from __future__ import annotations

import numpy as np

import derive
from derive.answers import Key


def test_a_name_shown_with_two_values_is_no_answer() -> None:
    solution = derive.solve(derive.problem("gd", function="x1**2 + 4*x2**2", x0="3,3",
                                           lr=["0.1", "0.2"]))
    assert Key("x^(1)") not in solution.answers and Key("rho") not in solution.answers
    # each rate's first iterate is there under its own key, as x0 - lr * grad f(x0)
    start, gradient = np.array([3.0, 3.0]), np.array([6.0, 24.0])
    for rate in (0.1, 0.2):
        value = solution.answers.find(f"lr {rate} x_1")
        assert np.allclose(solution.answers[value], start - rate * gradient)


def test_two_losses_do_not_share_a_row_loss() -> None:
    solution = derive.solve(derive.problem("loss", logits="0.5,0.3,0.8", target="0.3,0.6,0.1",
                                           losses=["mse", "ce"]))
    assert Key("l_1") not in solution.answers
    assert np.isclose(solution.answers["mse"], 0.2**2 + 0.3**2 + 0.7**2)


def test_a_name_one_step_shows_stays_an_answer() -> None:
    solution = derive.solve(derive.problem("gd", function="x1**2", x0="1", lr=["0.1"]))
    assert np.allclose(solution.answers[Key("x^(1)")], [0.8])  # 1 - 0.1 * 2
    assert Key("x^(1)", aspect="shape") in solution.answers
