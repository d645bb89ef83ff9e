"""The key bias's block of MultiheadAttention's in_proj_bias gradient is exactly 0 (the
softmax ignores a shift of a row of scores): the kernel writes exact zeros, torch agrees to
round-off, and the index form states the 0 with its reason."""

from __future__ import annotations

import numpy as np
import pytest

from derive import problem, solve
from derive.numeric.layers import kernels_for


def test_key_bias_gradient_is_exactly_zero_and_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    E, x, dy = 4, rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    module = torch.nn.MultiheadAttention(E, 2, batch_first=True).double()
    state = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    state["in_proj_bias"] = rng.standard_normal(3 * E)
    module.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    kernels = kernels_for("MultiheadAttention")
    config = {"num_heads": 2, "batch_first": True}
    _, cache = kernels.forward(np, state, x, config)
    _, grads = kernels.backward(np, state, cache, dy, config)
    assert np.all(grads["in_proj_bias"][E:2 * E] == 0.0)  # exact, not round-off
    t = torch.tensor(x)
    module(t, t, t, need_weights=False)[0].backward(torch.tensor(dy))
    assert np.allclose(grads["in_proj_bias"], module.in_proj_bias.grad.numpy(), atol=1e-12)


def test_the_form_writes_the_key_bias_block_as_zero() -> None:
    solution = solve(problem("layer-grad", layer="MultiheadAttention(4, 2)", input=["3x4"]))
    blocks = [s for s in solution.steps if "dL/d in_proj_bias" in s.why]
    assert len(blocks) == 1 and "softmax ignores" in blocks[0].why
    zero, _ = blocks[0].relation.rhs.args  # 0 on the key rows E <= r < 2E
    assert zero.expr == 0 and "E ≤ r < 2·E" in str(zero.cond).replace("2*E", "2·E")
