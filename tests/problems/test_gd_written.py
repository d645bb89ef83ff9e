"""`gd` and `backprop` as a reader meets them: the boxed gradient is written in the step's
order (2x1 + x2, not x2 + 2x1), the stopping rule's tolerance as the steps write it, and
notes' numbers at 4 significant figures, each against a hand or NumPy value."""

from __future__ import annotations

import math

import numpy as np

import derive

SEED_001 = "x1**2 + x1*x2 + 4*x2**2"


def _gd():
    return derive.solve(derive.problem("gd", function=SEED_001, x0="3,3", lr=["0.1", "0.2"]))


def test_the_boxed_gradient_reads_as_its_step() -> None:
    solution = _gd()
    shown = derive.render(solution, "text")
    assert "∇f = [2·x₁ + x₂, x₁ + 8·x₂]" in shown
    assert "gradient = [2·x₁ + x₂, x₁ + 8·x₂]" in shown and "x₂ + 2·x₁" not in shown
    boxed = solution.answers["gradient"].expr
    x1, x2 = sorted(boxed.free_symbols, key=str)
    for a, b in ((3.0, 3.0), (-1.5, 0.25)):  # d/dx of x1^2 + x1 x2 + 4 x2^2, by hand
        assert [float(e) for e in boxed.subs({x1: a, x2: b})] == [2 * a + b, a + 8 * b]


def test_the_stopping_rule_note_writes_the_tolerance_as_the_steps_do() -> None:
    solution = _gd()
    (note,) = [n for n in solution.notes if n.startswith("stopping")]
    assert note == ("stopping when |f(x_(k+1)) - f(x_k)| < 1e-06 (or ||grad f(x_k)|| < 1e-06), "
                    "at most 1000 steps")
    assert any("< 1e-06" in step.why for step in solution.steps)  # the steps' own spelling
    latex = derive.render(solution, "latex")
    assert "0.000001" not in latex and r"< 10^{-6}" in latex


def test_the_loss_note_has_four_significant_figures() -> None:
    problem = derive.problem("backprop", convention="WTx", x="1,0", target="0,1",
                             weights=["3,6;4,5", "2,3;4,3"],
                             biases=["1,-6", "-1,-2"], lr="0.5")
    solution = derive.solve(problem)
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    W1, b1 = np.array([[3.0, 6], [4, 5]]), np.array([1.0, -6])
    W2, b2 = np.array([[2.0, 3], [4, 3]]), np.array([-1.0, -2])
    z = W2.T @ sigmoid(W1.T @ np.array([1.0, 0]) + b1) + b2
    loss = -math.log(np.exp(z[1]) / np.exp(z).sum())  # 0.98531...
    after = solution.answers["loss after"]
    (note,) = [n for n in solution.notes if n.startswith("the loss went")]
    assert note == f"the loss went down from {loss:.4g} to {after:.4g}"
    assert note == "the loss went down from 0.9853 to 0.3421"
