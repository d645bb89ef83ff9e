"""`backprop`: every number of the worked example equals an independent computation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import derive
import derive.errors

SEED_003 = dict(convention="WTx", x="1,0", target="0,1", weights=["3,6;4,5", "2,3;4,3"],
                biases=["1,-6", "-1,-2"], lr="0.5",
                names="W=W^,b=W_0^,z=Z^,a=H,x=X,y=Y,yhat=Yhat")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_seed_003_problem_2_by_hand() -> None:
    answers = derive.solve(derive.problem("backprop", **SEED_003)).answers
    W1, b1 = np.array([[3.0, 6], [4, 5]]), np.array([1.0, -6])
    W2, b2 = np.array([[2.0, 3], [4, 3]]), np.array([-1.0, -2])
    x, y = np.array([1.0, 0]), np.array([0.0, 1])
    z1 = W1.T @ x + b1
    h = sigmoid(z1)
    z2 = W2.T @ h + b2
    p = np.exp(z2) / np.exp(z2).sum()
    assert z1.tolist() == [4, 0] and np.allclose(z2, [2.964, 2.446], atol=1e-3)
    np.testing.assert_allclose(answers["Yhat"].ravel(), p, rtol=1e-12)
    assert answers["loss"] == pytest.approx(-math.log(p[1]), rel=1e-12)
    d2 = p - y
    d1 = (W2 @ d2) * h * (1 - h)
    np.testing.assert_allclose(answers["dl/dW^2"], np.outer(h, d2), rtol=1e-12)
    np.testing.assert_allclose(answers["dl/dW^1"], np.outer(x, d1), rtol=1e-12)
    # the seed's update of W_0^2 gives [-1.627, -1.373]; the right one:
    np.testing.assert_allclose(answers["W_0^2 new"].ravel(), b2 - 0.5 * d2, rtol=1e-12)
    assert np.allclose(answers["W_0^2 new"].ravel(), [-1.313, -1.687], atol=1e-3)
    new = [(W1 - 0.5 * np.outer(x, d1), b1 - 0.5 * d1), (W2 - 0.5 * np.outer(h, d2), b2 - 0.5 * d2)]
    z = new[1][0].T @ sigmoid(new[0][0].T @ x + new[0][1]) + new[1][1]
    after = -math.log(np.exp(z[1]) / np.exp(z).sum())
    assert answers["loss after"] == pytest.approx(after, rel=1e-12) and after < answers["loss"]


def test_first_entries_are_written_out() -> None:
    shown = derive.render(derive.solve(derive.problem("backprop", **SEED_003)), "text")
    assert "(Z¹)₁ = W¹[1, 1]·X₁ + W¹[2, 1]·X₂ + (W₀¹)₁ = 3·1 + 4·0 + 1 = 4" in shown
    assert "= 2·0.982 + 4·0.5 + (−1) = 2.964" in shown
    assert "the loss went down from 0.9853" in shown


@pytest.mark.parametrize("convention", ["Wx", "WTx", "XWT", "XW"])
@pytest.mark.parametrize("hidden, output", [("tanh", "softmax"), ("relu", "sigmoid"),
                                             ("leaky_relu", "identity")])
def test_random_networks_match_autograd(convention: str, hidden: str, output: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    widths, rows = [4, 5, 3], (3 if convention.startswith("X") else 1)
    transposed = convention in ("WTx", "XW")
    Ws = [rng.normal(size=(o, i)) for i, o in zip(widths[:-1], widths[1:], strict=True)]
    bs = [rng.normal(size=o) for o in widths[1:]]
    X = rng.normal(size=(rows, widths[0]))
    Y = (np.eye(3)[rng.integers(0, 3, rows)] if output != "identity"
         else rng.normal(size=(rows, 3)))
    problem = derive.problem(
        "backprop", convention=convention, hidden=hidden, output=output, x=X.tolist(),
        target=Y.tolist(), weights=[(W.T if transposed else W).tolist() for W in Ws],
        biases=[b.tolist() for b in bs], lr="0.1", reduction="mean")
    answers = derive.solve(problem).answers
    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
              for W, b in zip(Ws, bs, strict=True)]
    act = {"tanh": torch.tanh, "relu": torch.relu,
           "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01)}[hidden]
    z = act(torch.tensor(X) @ params[0][0].T + params[0][1]) @ params[1][0].T + params[1][1]
    Yt = torch.tensor(Y)
    F = torch.nn.functional
    loss = {"softmax": lambda: F.cross_entropy(z, Yt),
            "sigmoid": lambda: F.binary_cross_entropy_with_logits(z, Yt),
            "identity": lambda: F.mse_loss(z, Yt)}[output]()
    if not convention.startswith("X"):
        loss = loss * (3 if output != "softmax" else 1)  # one example: summed over outputs
    loss.backward()
    assert answers["loss"] == pytest.approx(loss.item(), rel=1e-12)
    prefix = "dL" if convention.startswith("X") else "dl"
    for layer, (W, b) in enumerate(params, 1):
        grad = W.grad.numpy()
        np.testing.assert_allclose(answers[f"{prefix}/dW_{layer}"],
                                   grad.T if transposed else grad, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(answers[f"{prefix}/db_{layer}"].ravel(), b.grad.numpy(),
                                   rtol=1e-9, atol=1e-14)


def test_a_relu_kink_uses_the_one_sided_convention() -> None:
    solution = derive.solve(derive.problem("backprop", x="1,0", target="0,1", hidden="relu",
                                           weights=["1,0;0,1", "1,2;3,4"], biases=["0,0", "0,0"]))
    # z_1 = [1, 0]: ReLU'(0) = 0, so the second row of dl/dW_1 is 0
    assert solution.answers["dl/dW_1"][1].tolist() == [0.0, 0.0]
    assert any("kink" in note for note in solution.notes)


@pytest.mark.parametrize("weights", ["100000,0;0,0", "1e10,1;1,1"])
def test_large_numbers_are_solved_and_said_to_be_checked_by_the_kernels(weights: str) -> None:
    """Rounding swamps finite differences when the loss is 1e5 or more: a gradient they
    cannot confirm is checked against backpropagation's kernels, and the solution says so."""
    solution = derive.solve(derive.problem("backprop", x="1,0", target="0,1",
                                           weights=weights))
    W = np.array([[float(v) for v in row.split(",")] for row in weights.split(";")])
    z = W @ np.array([1.0, 0.0])
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(solution.answers["dl/dW_1"],
                               np.outer(p - [0.0, 1.0], [1.0, 0.0]), atol=1e-12)
    assert solution.answers["loss"] == pytest.approx(z.max() - z[1] + math.log(
        np.exp(z - z.max()).sum()))
    assert any("kernels only" in note for note in solution.notes)


@pytest.mark.parametrize("args, field", [
    (["--x", "1,0", "--target", "0,1", "--weights", "1,2;3,4", "--weights", "1,2,3;4,5,6;7,8,9"],
     "weights"),
    (["--x", "1,0,0", "--target", "0,1", "--weights", "1,2;3,4"], "x"),
    (["--x", "1,0;0,1", "--target", "0,1;1,0", "--weights", "1,2;3,4"], "x"),
    (["--x", "1,0", "--target", "0.5,0.6", "--weights", "1,2;3,4"], "target"),
    (["--x", "1,0", "--label", "2", "--weights", "1,2;3,4"], "label"),
    (["--x", "1,0", "--target", "0,1", "--weights", "1,2;3,4", "--biases", "1,2,3"], "biases"),
    (["--x", "1,0", "--target", "0,1", "--weights", "1,2;3,4", "--lr", "-1"], "lr"),
    (["--x", "1,0", "--target", "0,1", "--weights", "1e200,0;0,0", "--output", "identity"],
     "weights"),  # the squared error overflows
])
def test_bad_input_names_the_field(run_cli, args, field) -> None:
    status, out, err = run_cli("backprop", *args)
    assert status == 2 and out == "" and field in err and "Traceback" not in err


def test_a_worked_example_has_a_maximum_size() -> None:
    W = ";".join([",".join(["0.01"] * 100)] * 100)
    with pytest.raises(derive.errors.InputError, match="'weights'.*at most 20000"):
        derive.problem("backprop", x=",".join(["1"] * 100), target=",".join(["0"] * 100),
                       weights=[W] * 3)


@pytest.mark.parametrize("target, message", [
    ("0,1", "2 entries, but the network has 1 output"),
    ("0;1", "2 row(s) for 1 row(s) of x"),
])
def test_a_target_that_does_not_fit_names_why(target: str, message: str) -> None:
    from derive.errors import InputError

    with pytest.raises(InputError, match=re.escape(message)):
        derive.problem("backprop", x="1,0", target=target, weights=["3,6"])
