"""`bptt` through a Linear head with softmax cross-entropy (or squared error) on the last or
every output, against torch autograd: nn.RNN/LSTM/GRU + nn.Linear + F.cross_entropy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from derive import problem, solve

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _reference(layer: str, params: dict[str, np.ndarray], x: np.ndarray, where: str,
               loss: str, label: list[int], target: np.ndarray | None) -> dict[str, Any]:
    mode, sizes = layer.split("(")
    n_in, H = (int(v) for v in sizes.rstrip(")").split(","))
    net = getattr(torch.nn, mode)(n_in, H).double()
    head = torch.nn.Linear(H, params["head.weight"].shape[0]).double()
    with torch.no_grad():
        for name, value in params.items():
            module, key = (head, name.split(".")[1]) if name.startswith("head.") else (net, name)
            getattr(module, key).copy_(torch.tensor(value))
    y, _ = net(torch.tensor(x)[:, None, :])
    z = head(y[:, 0, :] if where == "every" else y[-1:, 0, :])
    value = (F.cross_entropy(z, torch.tensor(label), reduction="sum") if loss == "ce"
             else 0.5 * ((z - torch.tensor(target)) ** 2).sum())
    value.backward()
    grads = {name: p.grad.numpy() for name, p in net.named_parameters()}
    grads |= {f"head.{name}": p.grad.numpy() for name, p in head.named_parameters()}
    return {"loss": value.item(), "grads": grads, "z": z.detach().numpy()}


@pytest.mark.parametrize(("layer", "where", "loss"), [
    ("RNN(2, 3)", "last", "ce"), ("LSTM(2, 3)", "every", "ce"), ("GRU(2, 3)", "last", "ce"),
    ("GRU(2, 3)", "every", "mse"),
])
def test_head_and_loss_match_torch(layer: str, where: str, loss: str) -> None:
    x = np.random.default_rng(1).standard_normal((4, 2))
    label = [1, 0, 1, 1] if where == "every" else [1]
    target = None if loss == "ce" else np.random.default_rng(2).standard_normal(
        (4 if where == "every" else 1, 2))
    fields = {"label": label} if loss == "ce" else {"target": target.tolist()}
    solution = solve(problem("bptt", layer=layer, x=x.tolist(), head="Linear(3, 2)", loss=loss,
                             loss_on=where, seed=3, **fields))
    params, _, _ = solution.problem.arrays()
    params = {k: v for k, v in params.items() if k not in ("h0", "c0")}
    expected = _reference(layer, params, x, where, loss, label, target)
    assert solution.answers["L"] == pytest.approx(expected["loss"], rel=1e-10)
    for name, grad in expected["grads"].items():
        got = np.asarray(solution.answers[f"dL/d{name}"]).reshape(grad.shape)
        assert np.allclose(got, grad, atol=1e-10), name
    last = expected["z"][-1]
    assert np.allclose(solution.answers[f"z_{len(x)}"], last, atol=1e-12)


def test_given_head_and_sgd_step() -> None:
    """Given head tensors by name are used; the SGD step moves them by lr dL/dW."""
    head = {"head.weight": [[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]], "head.bias": [0.1, -0.1]}
    base = solve(problem("bptt", layer="RNN(1, 3)", x=[[1.0], [2.0]], head="Linear(3, 2)",
                         loss="ce", label=[0], seed=0))
    params = {k: v.tolist() for k, v in base.problem.arrays()[0].items()
              if not k.startswith("head.")} | head
    solution = solve(problem("bptt", layer="RNN(1, 3)", x=[[1.0], [2.0]], head="Linear(3, 2)",
                             loss="ce", label=[0], params=params, lr=0.5))
    grad = np.asarray(solution.answers["dL/dhead.weight"])
    assert np.allclose(solution.answers["head.weight new"], np.array(head["head.weight"])
                       - 0.5 * grad)


@pytest.mark.parametrize(("args", "field"), [
    (["--head", "Linear(4, 2)", "--loss", "ce", "--label", "1"], "head"),
    (["--head", "Conv1d(3, 2, 1)", "--loss", "ce", "--label", "1"], "head"),
    (["--head", "Linear(3, 2)", "--loss", "ce", "--label", "2"], "label"),
    (["--head", "Linear(3, 2)", "--loss", "ce", "--target", "0,1"], "label"),
    (["--head", "Linear(3, 2)", "--target", "0,1,2"], "target"),
])
def test_bad_head_or_label_is_one_line_exit_2(run_cli: Any, args: list[str], field: str) -> None:
    status, _, err = run_cli("bptt", "RNN(2, 3)", "--x", "1,0;0,1", *args)
    assert status == 2 and f"'{field}'" in err and len(err.strip().splitlines()) == 1, err
