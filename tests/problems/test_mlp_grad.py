"""`mlp-grad`: the printed gradient formulas equal PyTorch autograd and finite differences.

Each derived formula is evaluated on a network whose values come from an independent
forward pass (PyTorch, or NumPy written out here), in the convention's own orientation.
"""

from __future__ import annotations

import dataclasses
import itertools
import json

import numpy as np
import pytest

import derive
from derive.errors import VerificationError
from derive.render.keys import key_text
from derive.render.printing import text
from derive.symbolic.activations import ACTIVATIONS
from derive.symbolic.matrices import evaluate

torch = pytest.importorskip("torch")
F = torch.nn.functional
TORCH_ACTIVATIONS = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh,
                     "leaky_relu": lambda z: F.leaky_relu(z, 0.01), "identity": lambda z: z}


def torch_network(widths, hidden, output, loss, rows, reduction, seed, half=False):
    """Row-layout parameters, data, intermediates and autograd gradients."""
    gen = torch.Generator().manual_seed(seed)
    batch = rows
    params = [(torch.randn(n_out, n_in, generator=gen, dtype=torch.float64) / n_in ** 0.5 * 2,
               torch.randn(n_out, generator=gen, dtype=torch.float64) * 0.5)
              for n_in, n_out in zip(widths[:-1], widths[1:], strict=True)]
    for W, b in params:
        W.requires_grad_(), b.requires_grad_()
    X = torch.randn(batch, widths[0], generator=gen, dtype=torch.float64)
    if loss == "ce":
        Y = torch.softmax(torch.randn(batch, widths[-1], generator=gen, dtype=torch.float64), 1)
    elif loss == "bce":
        Y = torch.rand(batch, widths[-1], generator=gen, dtype=torch.float64)
    else:
        Y = torch.randn(batch, widths[-1], generator=gen, dtype=torch.float64)
    zs, activations = [], [X]
    for layer, (W, b) in enumerate(params):
        z = activations[-1] @ W.T + b
        z.retain_grad()
        zs.append(z)
        if layer < len(params) - 1:
            activations.append(TORCH_ACTIVATIONS[hidden[layer]](z))
    z = zs[-1]
    if loss == "ce":
        total = -(Y * torch.log_softmax(z, 1)).sum()
        yhat = torch.softmax(z, 1)
        divisor = batch
    elif loss == "bce":
        total = F.binary_cross_entropy_with_logits(z, Y, reduction="sum")
        yhat = torch.sigmoid(z)
        divisor = batch * widths[-1]
    else:
        total = ((z - Y) ** 2).sum() * (0.5 if half else 1.0)
        yhat = z
        divisor = batch * widths[-1]
    value = total / divisor if reduction == "mean" else total
    value.backward()
    return params, X, Y, zs, activations[1:], yhat


def oriented(convention, kind, value):
    value = value.detach().numpy()
    if kind == "W":
        return value.T if convention in ("WTx", "XW") else value
    if kind == "b":
        return value.reshape(-1, 1)
    return value if convention.startswith("X") else value.T


def check_against_torch(widths, hidden, output, loss, convention, reduction="mean", seed=1,
                        half=False):
    rows = convention.startswith("X")
    batch = 3 if rows else 1
    problem = derive.problem("mlp-grad", layers=widths, hidden=hidden, output=output, loss=loss,
                             convention=convention, reduction=reduction, half_mse=half)
    solution = derive.solve(problem)
    net = problem.network()
    hidden_names = [rule.name for rule in problem.hidden_rules()]
    params, X, Y, zs, hiddens, yhat = torch_network(
        widths, hidden_names, output, loss, batch, reduction if rows else "sum", seed, half)
    arrays = {net.a(0): oriented(convention, "data", X), net.y: oriented(convention, "data", Y),
              net.yhat: oriented(convention, "data", yhat)}
    for layer, (W, b) in enumerate(params, 1):
        arrays[net.W(layer)] = oriented(convention, "W", W)
        arrays[net.b(layer)] = oriented(convention, "b", b)
        arrays[net.z(layer)] = oriented(convention, "data", zs[layer - 1])
        arrays[net.delta(layer)] = oriented(convention, "data", zs[layer - 1].grad)
        if layer < len(params):
            arrays[net.a(layer)] = oriented(convention, "data", hiddens[layer - 1])
    kernels = {}
    for rule in problem.hidden_rules():
        kernels.update(rule.kernels(0.01))
    sizes = net.sizes(widths, batch)
    for layer, (W, b) in enumerate(params, 1):
        for kind, parameter, grad in (("W", net.W(layer), W.grad), ("b", net.b(layer), b.grad)):
            key = next(k for k in solution.answers if k.wrt == parameter.name)
            value = evaluate(solution.answers[key].expr, arrays, sizes, kernels)
            expected = oriented(convention, kind, grad)
            assert value.shape == expected.shape
            np.testing.assert_allclose(value, expected, rtol=1e-9, atol=1e-12)
    return solution


CASES = list(itertools.product(
    ["Wx", "WTx", "XWT", "XW"],
    [("softmax", "ce"), ("sigmoid", "bce"), ("identity", "mse")],
    [[4, 2], [4, 3, 2], [5, 4, 3, 2], [3, 4, 5, 3, 2]]))


@pytest.mark.parametrize("convention, pair, widths", CASES)
def test_every_convention_pair_and_depth_matches_autograd(convention, pair, widths) -> None:
    hidden = list(itertools.islice(itertools.cycle(ACTIVATIONS), len(widths) - 2)) or "sigmoid"
    check_against_torch(widths, hidden, *pair, convention)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_every_activation_and_reduction(activation: str, reduction: str) -> None:
    check_against_torch([4, 5, 3], activation, "softmax", "ce", "XWT", reduction, seed=3)


def test_half_mse_halves_the_gradient() -> None:
    solution = check_against_torch([3, 4, 2], "tanh", "identity", "mse", "Wx", half=True)
    assert derive.render(solution, "text").count("y\u0302 − y") >= 2


def test_seed_000_q2_4_in_its_own_notation() -> None:
    problem = derive.problem("mlp-grad", layers="3072,256,10", hidden="sigmoid",
                             output="softmax", loss="ce", names="b=c,z=A/B")
    answers = derive.solve(problem).answers
    shown = {key_text(key): text(value.expr) for key, value in answers.items()
             if key.wrt and not key.aspect}
    yhat = "y\u0302"
    assert shown["dl/dc_2"] == f"{yhat} − y"
    assert shown["dl/dW_2"] == f"({yhat} − y) σ(A)ᵀ"
    assert shown["dl/dc_1"] == f"(W₂ᵀ ({yhat} − y)) ⊙ σ(A) ⊙ (1 − σ(A))"
    assert shown["dl/dW_1"] == f"((W₂ᵀ ({yhat} − y)) ⊙ σ(A) ⊙ (1 − σ(A))) xᵀ"
    assert answers["dl/dW_1"].shape == (256, 3072) and answers["dl/dc_1"].shape == (256, 1)
    assert all(0 <= answers[key].check < 1e-6 for key in answers if key.wrt and not key.aspect)


def test_seed_001_batched_network_has_a_positive_one_over_n() -> None:
    solution = check_against_torch([5, 7, 4, 3], "sigmoid", "softmax", "ce", "XWT")
    shown = derive.render(solution, "text")
    assert "Δ₃ = ∂L/∂Z₃ = (1/N)·(Y\u0302 − Y)" in shown  # the seed writes -1/N (A3 - Y)


def test_seed_004_factor_shapes_for_one_example() -> None:
    solution = derive.solve(derive.problem("mlp-grad", layers="20,6,4", hidden="relu",
                                           convention="XW"))
    whys = [step.why for step in solution.steps if step.why.startswith("chain rule for")]
    assert "(1 x 4)(4 x 4)(4 x (6 x 4)) = 1 x (6 x 4), shaped like W_2" in whys[0]
    assert "(4 x 6)(6 x 6)(6 x (20 x 6)) = 1 x (20 x 6), shaped like W_1" in whys[2]
    assert solution.answers["dL/dW_1"].shape == (20, 6)


def test_json_gives_tex_shape_and_check(run_cli) -> None:
    status, out, _ = run_cli("mlp-grad", "--layers", "4,3,2", "--format", "json")
    assert status == 0
    answer = json.loads(out)["answers"]["dl/dW_1"]
    assert answer["shape"] == [3, 4] and answer["check"] < 1e-6 and "\\circ" in answer["tex"]


def test_deep_network_answers_use_deltas() -> None:
    solution = derive.solve(derive.problem("mlp-grad", layers=[6, 5, 4, 5, 4, 3], hidden="tanh"))
    assert text(solution.answers["dl/dW_1"].expr) == "δ₁ xᵀ"


def test_numeric_backward_matches_autograd() -> None:
    from derive.numeric import mlp

    params, X, Y, zs, _, _ = torch_network([5, 4, 3], ["relu"], "softmax", "ce", 4, "mean", 7)
    net = mlp.network(["relu"], ("softmax", "ce"), 0.01, False, "mean")
    numpy_params = [(W.detach().numpy(), b.detach().numpy()) for W, b in params]
    grads, deltas = mlp.backward(net, numpy_params, X.numpy(), Y.numpy())
    for (dW, db), (W, b) in zip(grads, params, strict=True):
        np.testing.assert_allclose(dW, W.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(db, b.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(deltas[0], zs[0].grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_kernels_equal_the_symbolic_rule(name: str) -> None:
    import sympy

    rule = ACTIVATIONS[name]
    z = sympy.Symbol("z", real=True)
    slope = sympy.Symbol("alpha", positive=True)
    points = np.array([-2.5, -0.7, 0.4, 1.9])
    forward = sympy.lambdify(z, rule.scalar(z).subs(slope, 0.01), "numpy")
    derivative = sympy.lambdify(z, sympy.diff(rule.scalar(z), z).subs(slope, 0.01), "numpy")
    kernels = rule.kernels(0.01)
    np.testing.assert_allclose(kernels[name](points), np.vectorize(forward)(points), rtol=1e-14)
    np.testing.assert_allclose(kernels[name + "'"](points), np.vectorize(derivative)(points),
                               rtol=1e-14)
    reference = torch.tensor(points, requires_grad=True)
    TORCH_ACTIVATIONS[name](reference).sum().backward()
    np.testing.assert_allclose(kernels[name + "'"](points), reference.grad.numpy(), rtol=1e-14)


def test_a_wrong_sign_in_a_rule_is_caught(monkeypatch) -> None:
    from derive.symbolic import outputs

    pair = outputs.PAIRS[("softmax", "ce")]
    monkeypatch.setitem(outputs.PAIRS, ("softmax", "ce"),
                        type(pair)(**{**pair.__dict__, "head": dataclasses.replace(
                            pair.head, factor=lambda half: -1)}))
    with pytest.raises(VerificationError, match="finite differences"):
        derive.solve(derive.problem("mlp-grad", layers="4,3,2"))


@pytest.mark.parametrize("convention", ["Wx", "XW"])
def test_a_missing_transpose_is_caught(monkeypatch, convention: str) -> None:
    from derive.symbolic import conventions
    from derive.symbolic.matrices import matmul

    rule = conventions.CONVENTIONS[convention]
    broken = type(rule)(**{**rule.__dict__, "back": lambda W, d: matmul(d, W) if rule.rows
                           else matmul(W, d)})
    monkeypatch.setitem(conventions.CONVENTIONS, convention, broken)
    with pytest.raises(VerificationError):
        derive.solve(derive.problem("mlp-grad", layers="6,5,4,3", convention=convention))


def test_a_wrong_activation_derivative_is_caught(monkeypatch) -> None:
    from derive.symbolic import activations

    rule = activations.ACTIVATIONS["tanh"]
    monkeypatch.setitem(activations.ACTIVATIONS, "tanh", type(rule)(
        **{**rule.__dict__, "stated": lambda x: 1 - x ** 2}))
    with pytest.raises(VerificationError, match="tanh"):
        derive.solve(derive.problem("mlp-grad", layers="4,3,2", hidden="tanh"))


@pytest.mark.parametrize("args, field", [
    (["--layers", "4,3,2,2", "--hidden", "relu,tanh,relu"], "hidden"),
    (["--layers", "4,3", "--output", "sigmoid", "--loss", "ce"], "loss"),
    (["--layers", "4,1"], "layers"),
    (["--layers", "4,3", "--names", "q=foo"], "names"),
    (["--layers", "4,3,2", "--names", "z=A/B/C"], "names"),
    (["--layers", "4,3,2", "--names", "W=import os"], "names"),
    (["--layers", "4,3", "--half-mse"], "half_mse"),
    (["--layers", "4,x"], "layers"),
    (["--layers", "4,3", "--hidden", "swish"], "hidden"),
])
def test_bad_input_names_the_field(run_cli, args, field) -> None:
    status, out, err = run_cli("mlp-grad", *args)
    assert status == 2 and out == "" and field in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("convention", ["Wx", "WTx", "XWT", "XW"])
def test_elementwise_gradients_equal_the_matrix_entries(convention: str) -> None:
    solution = derive.solve(derive.problem("mlp-grad", layers="5,4,3", hidden="tanh",
                                           convention=convention, elementwise=True))
    collapsed = [step for step in solution.steps if "collapses" in step.why]
    assert len(collapsed) == 2 and all(step.check < 1e-9 for step in collapsed)
    unit = "j" if convention in ("WTx", "XW") else "i"
    assert all(f"[k = {unit}]" in text(step.relation) or f"[{unit} = k]" in text(step.relation)
               for step in collapsed)


def test_a_wrong_index_rule_is_caught(monkeypatch) -> None:
    from derive.symbolic import elementwise

    swapped = elementwise.Scalar(elementwise.j, elementwise.i)
    monkeypatch.setitem(elementwise.SCALAR, "Wx", swapped)
    with pytest.raises(VerificationError, match="index formula"):
        derive.solve(derive.problem("mlp-grad", layers="5,4,3", elementwise=True))
