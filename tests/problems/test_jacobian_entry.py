"""`jacobian --entry i,j`: d(of)/dW_ij is boxed as a K-vector, J's column j times X_i, with
its numbers at the problem's sizes; checked here against a NumPy forward pass of the same
parameters, differenced by hand (seed 003 problem 1)."""

from __future__ import annotations

import numpy as np

import derive
from derive.answers import Key, parse_key
from derive.render.keys import key_text
from derive.symbolic.instance import instantiate
from derive.symbolic.model import Model

SEED_003 = dict(layers="N,N1,K", sizes="N=3,N1=4,K=2", hidden="relu", convention="WTx",
                of="yhat", wrt="W1", entry="1,2", layout="denominator",
                names="W=W^,b=W_0^,z=Z^,a=H,x=X,yhat=Yhat")


def _problem():
    return derive.problem("jacobian", **SEED_003)


def _entry_differences(params, x, row: int, column: int, h: float = 1e-6) -> np.ndarray:
    """dYhat/dW_(row, column) of softmax(W2 relu(W1 x + b1) + b2) by central differences,
    W1 held out x in (torch's layout)."""
    def yhat(W1: np.ndarray) -> np.ndarray:
        (_, b1), (W2, b2) = params
        z2 = W2 @ np.maximum(W1 @ x + b1, 0) + b2
        e = np.exp(z2 - z2.max())
        return e / e.sum()

    W1 = params[0][0]
    up, down = W1.copy(), W1.copy()
    up[row, column] += h
    down[row, column] -= h
    return (yhat(up) - yhat(down)) / (2 * h)


def test_the_entry_is_a_boxed_k_vector_keyed_so_it_parses_back() -> None:
    solution = derive.solve(_problem())
    key = Key("Yhat", "W^1_12")
    assert key_text(key) == "dYhat/dW^1_12" and parse_key("dYhat/dW^1_12") == key
    answer = solution.answers.answer(key)
    assert not answer.detail and np.shape(answer.value) == (2, 1)
    assert [str(n) for n in answer.shape] == ["K", "1"]


def test_the_entry_is_column_j_of_J_times_x_i_and_the_networks_derivative() -> None:
    problem = _problem()
    solution = derive.solve(problem)
    step = solution.steps[-1]
    column, x_i = (np.asarray(v, dtype=float) for v in step.given.values())
    np.testing.assert_allclose(step.value, column * x_i, rtol=1e-12)  # J_{:,2} X_1 by hand
    net = problem.column_network()
    model = Model(net, tuple(problem.hidden_rules()), problem.pair, problem.half_mse, "sum",
                  float(problem.slope))
    instance = instantiate(model, seed=5)
    x = instance.X[0]
    assert float(x_i) == x[0]  # X_1, the first input
    # W^1 is N x N1 here, held N1 x N: its entry (1, 2) is row 2, column 1 there
    expected = _entry_differences(instance.params, x, row=1, column=0)
    np.testing.assert_allclose(np.ravel(step.value), expected, rtol=1e-6, atol=1e-9)
    assert abs(float(np.sum(step.value))) < 1e-12  # softmax's outputs sum to 1


def test_the_entry_step_shows_formula_numbers_and_result() -> None:
    shown = derive.render(derive.solve(_problem()), "text")
    line = next(line for line in shown.splitlines() if "∂W¹[1, 2] = J_(:,2)·X₁ = " in line)
    assert line.count(" = ") == 3 and "[K × 1; ✓]" in line
    assert "column 2 of J" in shown
