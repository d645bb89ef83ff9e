"""model-backprop through an attention block (two-head self-attention, a norm, a classifier)
against torch autograd and torch.optim.SGD."""

from __future__ import annotations

import numpy as np
import pytest

from derive import problem, solve

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("layers", [
    ["MultiheadAttention(4, 2, batch_first=True)", "Flatten()", "Linear(12, 3)"],
    ["MultiheadAttention(4, 2, batch_first=True)", "LayerNorm(4)", "GELU()", "Flatten()",
     "Linear(12, 3)"],
], ids=["attention-linear", "attention-norm-gelu"])
def test_attention_block_matches_torch_autograd_and_sgd(layers: list[str]) -> None:
    from derive.models import parse_layers
    from tests.models.torch_build import build

    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    solution = solve(problem("model-backprop", layers=layers, x=x.tolist(), label=[0, 2],
                             lr=0.1, seed=5))
    state = solution.problem.run().state
    net = build(parse_layers(layers)).double()
    net.load_state_dict({k: torch.tensor(v) for k, v in state.items()}, strict=False)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = torch.nn.CrossEntropyLoss()(net(torch.tensor(x)), torch.tensor([0, 2]))
    loss.backward()
    grads = {k: p.grad.numpy().copy() for k, p in net.named_parameters()}
    optimizer.step()
    assert solution.answers["loss"] == pytest.approx(loss.item(), rel=1e-9)
    assert len(grads) >= 6
    for name, grad in grads.items():
        got = np.asarray(solution.answers[f"dL/d{name}"]).reshape(grad.shape)
        assert np.allclose(got, grad, atol=1e-9), name
        new = np.asarray(solution.answers[f"{name} new"]).reshape(grad.shape)
        assert np.allclose(new, dict(net.named_parameters())[name].detach().numpy(),
                           atol=1e-9), name


def test_backprop_with_a_model_dispatches_to_model_backprop(run_cli: object) -> None:
    """`kind = "backprop"` with a `model` field (and `derive backprop --model`) is the
    model-backprop kind; without one, the MLP path is unchanged."""
    text = "nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2), nn.Sigmoid())"
    mazur = problem("backprop", model=text, x=[[0.05, 0.10]], target=[[0.01, 0.99]],
                    loss="MSELoss(reduction='sum')", half=True, lr=0.5,
                    freeze=["0.bias", "2.bias"],
                    params={"0.weight": [[0.15, 0.20], [0.25, 0.30]], "0.bias": [0.35, 0.35],
                            "2.weight": [[0.40, 0.45], [0.50, 0.55]], "2.bias": [0.6, 0.6]})
    assert mazur.kind == "model-backprop"
    assert solve(mazur).answers["loss"] == pytest.approx(0.298371109, abs=5e-10)
    status, out, err = run_cli("backprop", "--model", text, "--x", "1,2", "--label", "1")  # type: ignore[operator]
    assert status == 0 and "dL/d0.weight" in out, err
    status, _, err = run_cli("backprop", "--model", text, "--x", "1,2", "--weights", "1,2")  # type: ignore[operator]
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert problem("backprop", x="1,0", target="0,1", weights=["3,6;4,5", "2,3;4,3"]).kind == \
        "backprop"
