"""MultiheadAttention's in_proj_weight gradient is one relation over all 3E rows (review of
layers.pdf: Σ X·dQ covered only the query rows): dQKV stacks dQ, dK, dV in the weight's row
order, is written out before it is used, and the relation gives torch's gradient row by row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy

import derive
from derive.numeric.layers import kernels_for
from derive.symbolic.layer_forms import Bound, evaluate, form_of

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _two_heads() -> derive.Solution:
    return next(s for s in derive.solve_set(derive.load(EXAMPLES / "layers.toml"))
                if s.problem.id == "two-head-attention")


def test_the_step_covers_every_row_and_defines_dqkv_first() -> None:
    steps = _two_heads().steps
    whys = [s.why for s in steps]
    weight = next(k for k, w in enumerate(whys) if w.startswith("gradient of 0.in_proj_weight"))
    stacked = next(k for k, w in enumerate(whys) if "side by side" in w)
    defined = {str(s.relation.lhs.base) for s in steps[:stacked]
               if isinstance(s.relation, sympy.Eq) and hasattr(s.relation.lhs, "base")}
    assert stacked < weight and {"dQ", "dK", "dV"} <= defined
    text = derive.render(_two_heads(), "text")
    assert "(∂L/∂(0.in_proj_weight))[r, e] = Σₙ₌₀..(N − 1) Σᵢ₌₀..(L − 1) " \
        "(X[n, i, e]·dQKV[n, i, r])" in text
    assert "dQKV[n, i, r] = {dQ[n, floor(r/d), i, Mod(r, d)] if 0 ≤ r < E; dK[" in text
    assert "Oᶜᵃᵗ[n, i, p] = " in text.split("gradient of 0.out_proj.weight")[0]


def test_the_relation_gives_torchs_gradient_in_every_block() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    module = torch.nn.MultiheadAttention(4, 2, batch_first=True).double()
    state = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    x, dy = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    config = {"num_heads": 2, "batch_first": True}
    kernels = kernels_for("MultiheadAttention")
    y, cache = kernels.forward(np, state, x, config)
    dx, grads = kernels.backward(np, state, cache, dy, config)
    form = form_of("MultiheadAttention", config, 3)
    arrays, sizes = form.bind(Bound(x, state, config, dy, y, dx, grads))
    values = {}
    for relation in form.relations:
        values[relation.target] = arrays[str(relation.lhs.base.label)] = evaluate(
            relation, arrays, sizes)
    t = torch.tensor(x, requires_grad=True)
    module(t, t, t, need_weights=False)[0].backward(torch.tensor(dy))
    expected = module.in_proj_weight.grad.numpy()
    assert values["in_proj_weight"].shape == (12, 4)
    for block in range(3):  # the query, key and value rows, each torch's
        rows = slice(4 * block, 4 * block + 4)
        assert np.allclose(values["in_proj_weight"][rows], expected[rows], atol=1e-12)
    assert np.allclose(values["in_proj_bias"], module.in_proj_bias.grad.numpy(), atol=1e-12)
    assert np.all(values["in_proj_bias"][4:8] == 0)
    assert np.allclose(values["X"], t.grad.numpy(), atol=1e-12)
