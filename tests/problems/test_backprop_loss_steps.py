"""`backprop`'s loss as one step per quantity: a row's cross-entropy term by term, its one-hot
collapse in the same chain (one check), a batch row's entries indexed by row and column, and
the batch mean with each row's loss substituted; every number against NumPy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import derive
from tests.problems.oracles import SEED_003, sigmoid, softmax

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"



def _seed_001():
    (problem,) = [p for p in derive.load(EXAMPLES / "seed-001.toml").problems
                  if p.id == "batched-backprop"]
    return problem


def _rows_loss(problem) -> np.ndarray:
    """Each row's cross-entropy of the seed-001 batch, by NumPy from the given numbers."""
    a = np.array(problem.x, dtype=float)
    layers = list(zip(problem.weights, problem.biases, strict=True))
    for depth, (W, b) in enumerate(layers, 1):
        z = a @ np.array(W, dtype=float).T + np.array(b, dtype=float)
        a = softmax(z) if depth == len(layers) else sigmoid(z)
    labels = np.array(problem.label, dtype=int)
    return -np.log(a[np.arange(len(labels)), labels])


def test_the_one_hot_loss_is_one_step_with_one_check() -> None:
    solution = derive.solve(derive.problem("backprop", **SEED_003))
    W1, b1 = np.array([[3.0, 6], [4, 5]]), np.array([1.0, -6])
    W2, b2 = np.array([[2.0, 3], [4, 3]]), np.array([-1.0, -2])
    p = softmax(W2.T @ sigmoid(W1.T @ np.array([1.0, 0]) + b1) + b2)
    loss_steps = [s for s in solution.steps if "cross-entropy" in s.why]
    assert len(loss_steps) == 1 and "one-hot (class 2)" in loss_steps[0].why
    assert loss_steps[0].value == pytest.approx(-math.log(p[1]), rel=1e-12)
    assert loss_steps[0].check is not None and loss_steps[0].check < 1e-12
    line = next(line for line in derive.render(solution, "text").splitlines()
                if line.strip().startswith("ℓ ="))
    assert line.split("   [")[0].strip() == (
        f"ℓ = −(Y₁·log(Y\u0302₁) + Y₂·log(Y\u0302₂)) = −(0·log({p[0]:.4g}) + "
        f"1·log({p[1]:.4g})) = −log({p[1]:.4g}) = {-math.log(p[1]):.4g}")


def test_a_batch_rows_entries_are_indexed_by_row_and_column() -> None:
    shown = derive.render(derive.solve(_seed_001()), "text")
    row = next(line for line in shown.splitlines() if line.strip().startswith("ℓ₁ ="))
    assert "Y[1, 1]·log(Y\u0302[1, 1]) + Y[1, 2]·log(Y\u0302[1, 2])" in row
    assert "Y₁" not in row and "Y\u0302₁" not in row


def test_the_batch_mean_substitutes_every_rows_loss() -> None:
    problem = _seed_001()
    solution = derive.solve(problem)
    rows = _rows_loss(problem)
    (step,) = [s for s in solution.steps if s.why == "mean over the 4 rows"]
    shown = [v for k, v in step.given.items() if str(k).startswith("ell_")]
    np.testing.assert_allclose(shown, rows, rtol=1e-12)
    assert step.value == pytest.approx(rows.mean(), rel=1e-12)
    assert step.check is not None and step.check < 1e-12
    line = next(line for line in derive.render(solution, "text").splitlines()
                if line.strip().startswith("L = (1/N)"))
    terms = " + ".join(f"{v:.4g}" for v in rows)
    assert f"= (1/N)·(ℓ₁ + ℓ₂ + ℓ₃ + ℓ₄) = (1/4)·({terms}) = {rows.mean():.4g}" in line
