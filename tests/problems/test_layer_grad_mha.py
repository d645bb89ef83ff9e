"""layer-grad on MultiheadAttention: the index-notation derivation (no "numbers only" note),
every relation checked, and Y, dL/dX and every parameter gradient equal to torch autograd
(1 and 2 heads, causal or not, batch_first both ways)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from derive import problem, solve

torch = pytest.importorskip("torch")

CASES = [  # layer, x shape, causal
    ("MultiheadAttention(4, 1)", (3, 2, 4), False),
    ("MultiheadAttention(4, 2)", (3, 2, 4), True),
    ("MultiheadAttention(4, 1, batch_first=True)", (2, 3, 4), True),
    ("MultiheadAttention(4, 2, batch_first=True, bias=False)", (2, 3, 4), False),
    ("MultiheadAttention(4, 2)", (3, 4), True),
]


def _torch(layer: str, inst: Any, causal: bool) -> tuple[Any, Any, dict[str, np.ndarray]]:
    module = eval(f"torch.nn.{layer}", {"torch": torch}).double()  # noqa: S307 (test text)
    module.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in inst.state.items()})
    x = torch.tensor(inst.x, requires_grad=True)
    length = inst.x.shape[1] if "batch_first" in layer and inst.x.ndim == 3 else inst.x.shape[0]
    mask = torch.triu(torch.ones(length, length, dtype=torch.bool), 1) if causal else None
    y = module(x, x, x, attn_mask=mask, need_weights=False)[0]
    y.backward(torch.tensor(inst.dy))
    grads = {k: p.grad.numpy() for k, p in module.named_parameters()}
    return y.detach().numpy(), x.grad.numpy(), grads


@pytest.mark.parametrize("layer, shape, causal", CASES)
def test_mha_numbers_match_torch_autograd(layer: str, shape: tuple[int, ...],
                                          causal: bool) -> None:
    x = np.random.default_rng(5).standard_normal(shape).round(2)
    solution = solve(problem("layer-grad", layer=layer, x=x.tolist(), causal=causal, seed=2))
    y, dx, grads = _torch(layer, solution.problem.instance(), causal)
    assert np.allclose(np.asarray(solution.answers["Y"]).reshape(y.shape), y, atol=1e-9)
    assert np.allclose(np.asarray(solution.answers["dL/dX"]).reshape(dx.shape), dx, atol=1e-9)
    for name, grad in grads.items():
        got = np.asarray(solution.answers[f"dL/d{name}"]).reshape(grad.shape)
        assert np.allclose(got, grad, atol=1e-9), name
    checked = [step.check for step in solution.steps if step.check is not None]
    assert len(checked) == (4 if "bias=False" in layer else 6) and max(checked) < 1e-6
    assert not any("no index-notation form" in note for note in solution.notes)
    assert any("causal" in note for note in solution.notes) == causal


def test_mha_derivation_without_numbers() -> None:
    solution = solve(problem("layer-grad", layer="MultiheadAttention(4, 2)"))
    assert all(step.value is None for step in solution.steps)
    rows = {str(name.expr): shape for name, shape in solution.tables[0].rows}
    assert rows["W_in"] == "3*E x E" and rows["X"] == "L x N x E"


def test_causal_is_refused_for_other_layers(run_cli: Any) -> None:
    status, _, err = run_cli("layer-grad", "--layer", "Linear(2, 1)", "--causal")
    assert status == 2 and "field 'causal'" in err and "Traceback" not in err
