"""`jacobian`: function Jacobians and network Jacobians equal PyTorch's and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import derive
from derive.render.printing import text


def solve(**fields):
    return derive.solve(derive.problem("jacobian", **fields))


@pytest.mark.parametrize("fn", ["softmax", "sigmoid", "tanh", "relu"])
def test_function_jacobians_match_autograd(fn: str) -> None:
    torch = pytest.importorskip("torch")
    point = [5.0, -2.0, -1.0, 3.0]
    answers = solve(fn=fn, at=point).answers
    function = {"softmax": lambda v: torch.softmax(v, 0), "sigmoid": torch.sigmoid,
                "tanh": torch.tanh, "relu": torch.relu}[fn]
    expected = torch.autograd.functional.jacobian(function, torch.tensor(point,
                                                                         dtype=torch.float64))
    np.testing.assert_allclose(answers["J"], expected.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("fn, point", [
    ("softmax", [100100.0, 100100.0]),  # far out: a step of 1e-6 would be lost beside 1e5
    ("relu", [0.0, 2.0]),  # at the kink, ReLU'(0) = 0
    ("relu", [1e5, -3.0]),
    ("tanh", [1e300, -1e300]),
])
def test_function_jacobians_at_awkward_points(fn: str, point: list[float]) -> None:
    z = np.array(point)
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    expected = {"softmax": np.diag(p) - np.outer(p, p), "relu": np.diag((z > 0) * 1.0),
                "tanh": np.diag(1 - np.tanh(z) ** 2)}[fn]
    np.testing.assert_allclose(solve(fn=fn, at=point).answers["J"], expected, atol=1e-15)


def test_softmax_jacobian_is_diag_minus_outer() -> None:
    answers = solve(fn="softmax", at="1,2,3").answers
    p = np.exp([1.0, 2, 3]) / np.exp([1.0, 2, 3]).sum()
    np.testing.assert_allclose(answers["J"], np.diag(p) - np.outer(p, p), rtol=1e-12)


@pytest.mark.parametrize("convention", ["Wx", "WTx", "XWT", "XW"])
@pytest.mark.parametrize("wrt", ["W1", "b1", "z1", "a1", "W2"])
def test_network_jacobians_match_autograd(convention: str, wrt: str) -> None:
    torch = pytest.importorskip("torch")
    problem = derive.problem("jacobian", layers="3,4,2", hidden="tanh", convention=convention,
                             of="yhat", wrt=wrt)
    solution = derive.solve(problem)
    (answer,) = [v for k, v in solution.answers.items() if k.aspect != "shape" and k.wrt]
    assert answer.check < 1e-6  # against finite differences inside solve
    # an independent evaluation of the printed entry formula: J[K, unit] * a[source]
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(size=(4, 3)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(2, 4)), rng.normal(size=2)
    x = torch.tensor(rng.normal(size=3))

    def network(w1, v1, w2, v2):
        return torch.softmax(w2 @ torch.tanh(w1 @ x + v1) + v2, 0)

    tensors = [torch.tensor(t) for t in (W1, b1, W2, b2)]
    grads = torch.autograd.functional.jacobian(network, tuple(tensors))
    if wrt == "W1":
        z1 = W1 @ x.numpy() + b1
        J = grads[1].numpy()  # d yhat / d b1 = d yhat / d z1
        expected = np.einsum("Ki,j->Kij", J, x.numpy())
        np.testing.assert_allclose(grads[0].numpy(), expected, rtol=1e-10)
        assert np.all(np.isfinite(z1))
    written = text(answer.expr)
    if wrt == "W1":
        transposed = convention in ("WTx", "XW")
        assert written == ("J[K, j]·xᵢ" if transposed else "J[K, i]·xⱼ")


def test_seed_003_problem_1_shapes() -> None:
    solution = solve(layers="2,2,2", hidden="relu", output="softmax", convention="WTx",
                     of="yhat", wrt="W1", entry="1,2",
                     names="W=W^,b=W_0^,z=Z^,a=H,x=X,yhat=Yhat")
    shown = derive.render(solution, "text")
    assert "∂Y\u0302/∂Z² = diag(Y\u0302) − Y\u0302 Y\u0302ᵀ   [2 × 2]" in shown
    assert "∂Z²/∂H = W²ᵀ   [2 × 2]" in shown
    assert "∂(Z¹)ₖ/∂W¹[i, j] = [j = k]·Xᵢ" in shown
    assert solution.answers["dYhat/dW^1"].shape == (2, 2, 2)
    denominator = solve(layers="5,3,4", hidden="relu", convention="WTx", of="yhat", wrt="W1",
                        layout="denominator")
    assert denominator.answers["dyhat/dW_1"].shape == (5, 3, 4)  # N x N1 x K


def test_seed_004_factor_shapes() -> None:
    shown = derive.render(solve(layers="3072,100,10", hidden="relu", convention="XW",
                                of="yhat", wrt="W1"), "text")
    assert "shapes: (10 × 10)(10 × 100)(100 × 100)(100 × (3072 × 100)) = 10 × (3072 × 100)" \
        in shown


def test_json_holds_shape_formula_and_check(run_cli) -> None:
    import json

    status, out, _ = run_cli("jacobian", "--layers", "2,2,2", "--wrt", "W1", "--format", "json")
    answer = json.loads(out)["answers"]["dyhat/dW_1"]
    assert status == 0 and answer["shape"] == [2, 2, 2] and answer["check"] < 1e-6
    assert "tex" in answer


@pytest.mark.parametrize("args, field", [
    (["--fn", "softmax"], "at"),
    (["--layers", "2,2,2", "--of", "z1", "--wrt", "W2"], "wrt"),
    (["--layers", "2,2,2", "--wrt", "q7"], "wrt"),
    (["--layers", "2,2,2", "--wrt", "W3"], "wrt"),
    (["--layers", "2,2,2", "--wrt", "b1", "--entry", "1,1"], "entry"),
    (["--layers", "2,2,2", "--wrt", "W1", "--entry", "3,1"], "entry"),
    (["--fn", "softmax", "--at", "1,2", "--layers", "2,2"], "fn"),
])
def test_bad_input_names_the_field(run_cli, args, field) -> None:
    status, out, err = run_cli("jacobian", *args)
    assert status == 2 and out == "" and field in err and "Traceback" not in err
