"""`gd`: iterates, verdicts and the Hessian's story equal independent computations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import derive
import derive.errors

SEED_001 = "x1**2 + x1*x2 + 4*x2**2"
H = np.array([[2.0, 1.0], [1.0, 8.0]])


def solve(**fields):
    return derive.solve(derive.problem("gd", **fields))


def test_seed_001_first_ten_iterates_of_both_rates() -> None:
    solution = solve(function=SEED_001, x0="3,3", lr=["0.1", "0.2"])
    for rate, table in zip((0.1, 0.2), solution.tables, strict=True):
        x = np.array([3.0, 3.0])
        for k in range(1, 10):
            x = x - rate * (H @ x)  # grad f = H x for this f
            shown = table.rows[k][1].strip("()").split(", ")
            np.testing.assert_allclose([float(v) for v in shown], x, rtol=1e-5)
        assert solution.answers[f"lr {rate:g} verdict"] == "converged"
    eigenvalues = np.linalg.eigvalsh(H)
    np.testing.assert_allclose(solution.answers["hessian eigenvalues"], eigenvalues)
    assert solution.answers["rate bound"] == pytest.approx(2 / eigenvalues[-1])
    assert solution.answers["lr 0.2 contraction"] == pytest.approx(
        max(abs(1 - 0.2 * eigenvalues)))


def test_a_rate_above_the_bound_diverges() -> None:
    answers = solve(function=SEED_001, x0="3,3", lr="0.3").answers
    assert answers["lr 0.3 contraction"] > 1 and answers["lr 0.3 verdict"] == "diverged"


def test_a_non_quadratic_function() -> None:
    answers = solve(function="(x - 1)**4 + exp(y) - y", x0="0,1", lr="0.05",
                    max_steps="5000").answers
    assert "rate bound" not in answers and answers["lr 0.05 verdict"] == "converged"
    np.testing.assert_allclose(answers["lr 0.05 x"], [1.0, 0.0], atol=0.15)  # a flat quartic
    assert answers["lr 0.05 f"] == pytest.approx(1.0, abs=1e-3)  # min of exp(y) - y is 1


@pytest.mark.parametrize("x0", ["1e9,0", "1e9,1000"])
def test_a_far_start_keeps_its_gradient_check(x0: str) -> None:
    """In floats, f ~ 1e18 swamps the difference a step in x2 makes; the check's differences
    are taken with 40 digits."""
    solution = solve(function="x1**2 + x2**2", x0=x0, lr="0.1")
    assert solution.answers["lr 0.1 verdict"] == "converged"
    assert solution.steps[1].check < 1e-12


def test_a_start_near_the_edge_of_the_domain_is_checked_inside_it() -> None:
    """The check's steps are relative: at x = 1e-15 they do not reach log's negative side."""
    solution = solve(function="log(x1) + x1**2", x0="1e-15", lr="1e-20", max_steps="2")
    assert solution.steps[1].check < 1e-12


def test_the_step_limit_is_said() -> None:
    answers = solve(function=SEED_001, x0="3,3", lr="0.001", max_steps="5").answers
    assert answers["lr 0.001 verdict"] == "stopped" and answers["lr 0.001 steps"] == 5


def test_plot_is_written_and_placed(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    solution = solve(function=SEED_001, x0="3,3", lr=["0.1", "0.2"], plot="paths.png")
    assert not (tmp_path / "paths.png").exists()  # solving writes no file; rendering does
    assert "\\includegraphics" in derive.render(solution, "latex")
    assert (tmp_path / "paths.png").read_bytes()[:4] == b"\x89PNG"
    assert "(paths.png)" in derive.render(solution, "markdown")


@pytest.mark.parametrize("args, field", [
    (["x1**2 + x2**2", "--x0", "1"], "x0"),
    (["x1**2", "--x0", "1", "--lr", "-0.1"], "lr"),
    (["x1**2", "--x0", "1", "--plot", "out.svg"], "plot"),
    (["x1**2", "--x0", "1", "--plot", "../escape.png"], "plot"),
    (["open('f').read()", "--x0", "1"], "function"),
    (["3 + 4", "--x0", "1"], "function"),
    (["x1**2 + x2**2", "--x0", "1e200,0"], "x0"),  # f overflows at the start
    (["sqrt(x1) + x2**2", "--x0", "0,1"], "x0"),  # an infinite slope
    (["log(x1)", "--x0", "-1"], "x0"),
])
def test_bad_input_is_refused(run_cli, args, field) -> None:
    status, out, err = run_cli("gd", *args)
    assert status == 2 and out == "" and field in err and "Traceback" not in err


def test_f_standing_still_while_x_oscillates_is_not_convergence() -> None:
    """lr 0.5 on 2 x2**2: x2 flips between 1 and -1, f stops changing, the gradient does not
    vanish (issue 13)."""
    solution = solve(function="0.5*x1**2 + 2*x2**2", x0="1,1", lr="0.5")
    answers = solution.answers
    assert answers["lr 0.5 verdict"] == "oscillating"
    assert answers["lr 0.5 gradient norm"] == pytest.approx(4.0, rel=1e-3)
    assert answers["lr 0.5 contraction"] == 1
    captions = " ".join(step.why for step in solution.steps)
    assert "converged" not in captions and "does not converge" in captions


def test_a_stop_far_from_a_stationary_point_is_named() -> None:
    """A tiny step makes f change by less than tol while the gradient is still 1.6% of the
    start's: stopped, not converged."""
    answers = solve(function="x1**2", x0="1", lr="0.001", max_steps="5000").answers
    assert answers["lr 0.001 verdict"] == "stopped"
    assert 0.01 < answers["lr 0.001 gradient norm"] / 2 < 0.02


def test_step_sizes_times_steps_have_a_maximum() -> None:
    with pytest.raises(derive.errors.InputError, match="'max_steps'.*800000 iterations"):
        derive.problem("gd", function="x1**2", x0="1", lr=["0.1"] * 8, max_steps="100000")


def test_steps_runs_exactly_n_updates() -> None:
    """--steps N: N updates with no stopping rule; each iterate is an answer by name, and
    x_k agrees with the linear recursion x_(k+1) = (I - eta H) x_k of this quadratic."""
    answers = solve(function=SEED_001, x0="3,3", lr="0.1", steps="4", tol="10").answers
    assert answers["lr 0.1 steps"] == 4 and len(answers["lr 0.1 iterates"]) == 5
    H, x = np.array([[2.0, 1.0], [1.0, 8.0]]), np.array([3.0, 3.0])
    for k in range(5):
        assert np.allclose(answers[f"lr 0.1 x_{k}"], x)
        assert np.allclose(answers[f"lr 0.1 gradient_{k}"], H @ x)
        x = x - 0.1 * H @ x
    assert np.allclose(answers["hessian"], H) and np.allclose(answers["x*"], [0, 0])
