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
