"""What a careful TA's key says, each checked against an independent computation: the
one-hot cross-entropy collapsed to -log of the target class's probability (NumPy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import derive

SEED_003 = dict(convention="WTx", x="1,0", target="0,1", weights=["3,6;4,5", "2,3;4,3"],
                biases=["1,-6", "-1,-2"], lr="0.5",
                names="W=W^,b=W_0^,z=Z^,a=H,x=X,y=Y,yhat=Yhat")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_one_hot_loss_is_collapsed_to_the_class_term() -> None:
    solution = derive.solve(derive.problem("backprop", **SEED_003))
    W1, b1 = np.array([[3.0, 6], [4, 5]]), np.array([1.0, -6])
    W2, b2 = np.array([[2.0, 3], [4, 3]]), np.array([-1.0, -2])
    p = _softmax(W2.T @ _sigmoid(W1.T @ np.array([1.0, 0]) + b1) + b2)
    collapsed = [s for s in solution.steps if "one-hot" in s.why]
    assert len(collapsed) == 1 and "class 2" in collapsed[0].why
    assert collapsed[0].value == pytest.approx(-math.log(p[1]), rel=1e-12)
    assert collapsed[0].check is not None
    text = derive.render(solution, "text")
    lines = text.splitlines()
    summed = next(i for i, line in enumerate(lines) if "1·log(0.3733)" in line)
    assert "ℓ = −log(Y\u0302[2]) = −log(0.3733) = 0.9853" in lines[summed + 2]


def test_batch_row_form_names_the_row_and_its_class() -> None:
    x = "1,-0.5,2;-2,1.5,0.5"
    solution = derive.solve(derive.problem(
        "backprop", convention="XWT", x=x, label="2,0",
        weights=["1,0,-1;0.5,1,0", "1,-1;2,0.5;0,1"], biases=["0,0.5", "0,0.5,-0.5"], lr="0.1"))
    X = np.array([[1, -0.5, 2], [-2, 1.5, 0.5]])
    W1, W2 = np.array([[1, 0, -1], [0.5, 1, 0]]), np.array([[1, -1], [2, 0.5], [0, 1]])
    h = _sigmoid(X @ W1.T + np.array([0, 0.5]))
    p = _softmax(h @ W2.T + np.array([0, 0.5, -0.5]))
    text = derive.render(solution, "text")
    assert f"ℓ₁ = −log(Y\u0302[1, 3]) = −log({p[0, 2]:.4g})" in text
    step = next(s for s in solution.steps if "one-hot" in s.why)
    assert step.value == pytest.approx(-math.log(p[0, 2]), rel=1e-12)


def test_soft_targets_keep_only_the_sum() -> None:
    solution = derive.solve(derive.problem("backprop", **{**SEED_003, "target": "0.3,0.7"}))
    assert not [s for s in solution.steps if "one-hot" in s.why]
