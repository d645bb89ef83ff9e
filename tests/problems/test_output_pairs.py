"""Every output/loss pair in `mlp-grad` and `backprop`, in every convention, against PyTorch
autograd; and the published 2-2-2 sigmoid example (Matt Mazur, "A Step by Step
Backpropagation Example", 2015: E_total = 0.298371109, w5 after = 0.35891648,
w1 after = 0.149780716)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

import derive
from derive.errors import VerificationError
from derive.symbolic.matrices import evaluate
from derive.symbolic.output_loss import output_kernels
from derive.symbolic.outputs import PAIRS

torch = pytest.importorskip("torch")
F = torch.nn.functional
CONVENTIONS = ["Wx", "WTx", "XWT", "XW"]
NEW_PAIRS = [pair for pair in PAIRS if pair not in (
    ("softmax", "ce"), ("sigmoid", "bce"), ("identity", "mse"))]
OUTPUTS = {"softmax": lambda z: torch.softmax(z, 1), "sigmoid": torch.sigmoid,
           "tanh": torch.tanh, "identity": lambda z: z}


def torch_loss(z, Y, output, loss, half, reduction):
    """The pair's loss as torch computes it: CE on logits for identity + ce (log-softmax
    inside), BCEWithLogitsLoss for identity + bce, else the loss of out(z)."""
    yhat = OUTPUTS[output](z)
    if loss == "ce":
        total = -(Y * torch.log_softmax(z, 1)).sum()
    elif loss == "bce" and output == "identity":
        total = F.binary_cross_entropy_with_logits(z, Y, reduction="sum")
    elif loss == "bce":
        total = F.binary_cross_entropy(yhat, Y, reduction="sum")
    else:
        total = ((yhat - Y) ** 2).sum() * (0.5 if half else 1.0)
    divisor = Y.shape[0] * (1 if loss == "ce" else Y.shape[1])
    return total / divisor if reduction == "mean" else total


def targets(gen, loss, shape):
    if loss == "ce":
        return torch.softmax(torch.randn(*shape, generator=gen, dtype=torch.float64), 1)
    if loss == "bce":
        return torch.rand(*shape, generator=gen, dtype=torch.float64)
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def network(widths, hidden, output, loss, rows, reduction, half, seed=2):
    """Row-layout parameters, data, intermediates and their autograd gradients."""
    gen = torch.Generator().manual_seed(seed)
    params = [(torch.randn(o, i, generator=gen, dtype=torch.float64).requires_grad_(),
               torch.randn(o, generator=gen, dtype=torch.float64).requires_grad_())
              for i, o in zip(widths[:-1], widths[1:], strict=True)]
    X = torch.randn(rows, widths[0], generator=gen, dtype=torch.float64)
    Y = targets(gen, loss, (rows, widths[-1]))
    zs, a = [], X
    for layer, (W, b) in enumerate(params):
        z = a @ W.T + b
        z.retain_grad()
        zs.append(z)
        a = OUTPUTS[hidden](z) if layer < len(params) - 1 else OUTPUTS[output](z)
    value = torch_loss(zs[-1], Y, output, loss, half, reduction)
    value.backward()
    return params, X, Y, zs, value


def oriented(convention, kind, value):
    value = value.detach().numpy()
    if kind == "W":
        return value.T if convention in ("WTx", "XW") else value
    if kind == "b":
        return value.reshape(-1, 1)
    return value if convention.startswith("X") else value.T


def half_options(loss):
    return [False, True] if loss == "mse" else [False]


MLP_CASES = [(convention, pair, half, reduction)
             for convention, pair in itertools.product(CONVENTIONS, NEW_PAIRS)
             for half in half_options(pair[1]) for reduction in ("mean", "sum")
             if reduction == "mean" or convention.startswith("X")]


@pytest.mark.parametrize("convention, pair, half, reduction", MLP_CASES)
def test_mlp_grad_formulas_equal_autograd(convention, pair, half, reduction) -> None:
    """Each printed answer, evaluated at random numbers, equals torch's gradient."""
    output, loss = pair
    rows = convention.startswith("X")
    widths, batch = [4, 3, 3], (3 if rows else 1)
    problem = derive.problem("mlp-grad", layers=widths, hidden="tanh", output=output,
                             loss=loss, convention=convention, reduction=reduction,
                             half_mse=half)
    solution = derive.solve(problem)
    assert all(step.check is None or step.check < 1e-6 for step in solution.steps)
    net = problem.network()
    params, X, Y, zs, _ = network(widths, "tanh", output, loss, batch,
                                  reduction if rows else "sum", half)
    yhat = OUTPUTS[output](zs[-1])
    arrays = {net.a(0): oriented(convention, "data", X), net.y: oriented(convention, "data", Y),
              net.yhat: oriented(convention, "data", yhat),
              net.a(1): oriented(convention, "data", torch.tanh(zs[0]))}
    for layer, (W, b) in enumerate(params, 1):
        arrays[net.W(layer)] = oriented(convention, "W", W)
        arrays[net.b(layer)] = oriented(convention, "b", b)
        arrays[net.z(layer)] = oriented(convention, "data", zs[layer - 1])
    kernels = {**output_kernels(rows), **problem.hidden_rules()[0].kernels(0.01)}
    sizes = net.sizes(widths, batch)
    worst = 0.0
    for layer, (W, b) in enumerate(params, 1):
        for kind, parameter, grad in (("W", net.W(layer), W.grad), ("b", net.b(layer), b.grad)):
            key = next(k for k in solution.answers if k.wrt == parameter.name)
            value = evaluate(solution.answers[key].expr, arrays, sizes, kernels)
            expected = oriented(convention, kind, grad)
            np.testing.assert_allclose(value, expected, rtol=1e-10, atol=1e-13)
            worst = max(worst, float(np.max(np.abs(value - expected))))
    assert worst < 1e-12


BACKPROP_CASES = [(convention, pair, half) for convention, pair in itertools.product(
    CONVENTIONS, NEW_PAIRS) for half in half_options(pair[1])]


@pytest.mark.parametrize("convention, pair, half", BACKPROP_CASES)
def test_backprop_numbers_equal_autograd(convention, pair, half) -> None:
    """The worked example's loss, deltas, gradients and updated weights equal torch's
    (autograd and one torch.optim.SGD step)."""
    output, loss = pair
    rows = convention.startswith("X")
    widths, batch = [3, 4, 3], (2 if rows else 1)
    params, X, Y, zs, value = network(widths, "sigmoid", output, loss, batch,
                                      "mean" if rows else "sum", half, 5)
    transposed = convention in ("WTx", "XW")
    problem = derive.problem(
        "backprop", convention=convention, hidden="sigmoid", output=output, loss=loss,
        half_mse=half, x=X.tolist(), target=Y.tolist(), lr="0.1",
        weights=[(W.detach().numpy().T if transposed else W.detach().numpy()).tolist()
                 for W, _ in params], biases=[b.detach().numpy().tolist() for _, b in params])
    answers = derive.solve(problem).answers
    assert answers["loss"] == pytest.approx(value.item(), rel=1e-12)
    prefix = "dL" if rows else "dl"
    np.testing.assert_allclose(answers[f"{prefix}/dz_2"], oriented(convention, "data",
                                                                   zs[-1].grad), rtol=1e-10,
                               atol=1e-14)
    optimizer = torch.optim.SGD([p for pair_ in params for p in pair_], lr=0.1)
    grads = [(W.grad.numpy().copy(), b.grad.numpy().copy()) for W, b in params]
    optimizer.step()
    for layer, ((W, b), (dW, db)) in enumerate(zip(params, grads, strict=True), 1):
        np.testing.assert_allclose(answers[f"{prefix}/dW_{layer}"],
                                   dW.T if transposed else dW, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(answers[f"{prefix}/db_{layer}"].ravel(), db, rtol=1e-9,
                                   atol=1e-14)
        np.testing.assert_allclose(answers[f"W_{layer} new"], oriented(convention, "W", W),
                                   rtol=1e-12)
        np.testing.assert_allclose(answers[f"b_{layer} new"].ravel(), b.detach().numpy(),
                                   rtol=1e-12)


MAZUR = dict(x="0.05,0.10", target="0.01,0.99", weights=["0.15,0.20;0.25,0.30",
                                                         "0.40,0.45;0.50,0.55"],
             biases=["0.35,0.35", "0.60,0.60"], hidden="sigmoid", output="sigmoid",
             loss="mse", half_mse=True, lr="0.5")


def test_the_published_2_2_2_example() -> None:
    """Mazur's numbers: E_total = 0.298371109, w5 = 0.35891648 and w1 = 0.149780716 after
    one step. He holds the biases fixed; the weights' update does not depend on that (both
    gradients are taken before the step), and backprop updates the biases too."""
    answers = derive.solve(derive.problem("backprop", **MAZUR)).answers
    assert answers["loss"] == pytest.approx(0.298371109, abs=5e-10)
    assert answers["W_2 new"][0, 0] == pytest.approx(0.35891648, abs=5e-9)
    assert answers["W_1 new"][0, 0] == pytest.approx(0.149780716, abs=5e-10)
    # his other published values: w6+ = 0.408666186, w7+ = 0.511301270, w8+ = 0.561370121,
    # w2+ = 0.19956143, w3+ = 0.24975114, w4+ = 0.29950229
    np.testing.assert_allclose(answers["W_2 new"], [[0.35891648, 0.408666186],
                                                    [0.511301270, 0.561370121]], atol=5e-9)
    np.testing.assert_allclose(answers["W_1 new"], [[0.149780716, 0.19956143],
                                                    [0.24975114, 0.29950229]], atol=5e-9)
    # delta rule: delta = (yhat - y) yhat (1 - yhat)
    assert answers["dl/dz_2"].ravel()[0] == pytest.approx(0.138498562, abs=5e-10)


def test_the_published_example_on_the_command_line(run_cli) -> None:
    status, out, _ = run_cli(
        "backprop", "--x", "0.05,0.10", "--target", "0.01,0.99", "--weights",
        "0.15,0.20;0.25,0.30", "--weights", "0.40,0.45;0.50,0.55", "--biases", "0.35,0.35",
        "--biases", "0.60,0.60", "--hidden", "sigmoid", "--output", "sigmoid", "--loss", "mse",
        "--half-mse", "--lr", "0.5", "--digits", "9")
    assert status == 0
    assert "0.298371109" in out and "0.35891648" in out and "0.149780716" in out
    assert "(y\u0302 − y) ⊙ y\u0302 ⊙ (1 − y\u0302)" in out


def test_mlp_grad_derives_the_delta_rule(run_cli) -> None:
    status, out, _ = run_cli("mlp-grad", "--layers", "2,2,2", "--hidden", "sigmoid", "--output",
                             "sigmoid", "--loss", "mse", "--half-mse")
    assert status == 0
    assert "dl/dz_2 = (y\u0302 − y) ⊙ y\u0302 ⊙ (1 − y\u0302)" in out
    assert "the Jacobian is diag(" in out and "the general chain rule" in out


@pytest.mark.parametrize("output, loss", [("sigmoid", "ce"), ("tanh", "ce"), ("tanh", "bce")])
def test_pairs_that_mean_nothing_are_refused(run_cli, output, loss) -> None:
    status, out, err = run_cli("mlp-grad", "--layers", "4,3", "--output", output,
                               "--loss", loss)
    assert status == 2 and "loss" in err and len(err.strip().splitlines()) == 1
    if loss == "ce":
        assert "distribution" in err


def test_a_wrong_output_jacobian_is_caught(monkeypatch) -> None:
    from derive.symbolic import output_rules

    rule = output_rules.OUTPUT_RULES["sigmoid"]
    monkeypatch.setitem(output_rules.OUTPUT_RULES, "sigmoid", dataclasses.replace(
        rule, back=lambda g, yhat, rows: g))  # the sigmoid's derivative dropped
    with pytest.raises(VerificationError):
        derive.solve(derive.problem("mlp-grad", layers="4,3,2", output="sigmoid", loss="mse"))
