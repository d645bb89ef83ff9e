"""model-backprop on a model that starts with an Embedding: token ids as x rows or drawn
(input tokens:N), the Embedding's weight gradient against torch autograd (a repeated token's
rows add up)."""

from __future__ import annotations

import numpy as np
import pytest

from derive import problem, solve
from derive.errors import InputError

torch = pytest.importorskip("torch")
LAYERS = ["Embedding(5, 3)", "Flatten()", "Linear(6, 2)"]


def _torch_grads(state: dict[str, np.ndarray], x: np.ndarray, label: list[int]) -> dict:
    net = torch.nn.Sequential(torch.nn.Embedding(5, 3), torch.nn.Flatten(),
                              torch.nn.Linear(6, 2)).double()
    net.load_state_dict({k: torch.tensor(np.asarray(v, dtype=float)) for k, v in state.items()})
    loss = torch.nn.CrossEntropyLoss()(net(torch.tensor(x)), torch.tensor(label))
    loss.backward()
    return {"loss": loss.item(), **{k: p.grad.numpy() for k, p in net.named_parameters()}}


def _check(item: object, x: np.ndarray, label: list[int]) -> None:
    solution = solve(item)
    run = item.run()  # type: ignore[attr-defined]
    np.testing.assert_array_equal(run.x, x)
    ref = _torch_grads(run.state, x, label)
    assert solution.answers["loss"] == pytest.approx(ref["loss"], rel=1e-12)
    for name in ("0.weight", "2.weight", "2.bias"):
        np.testing.assert_allclose(np.asarray(solution.answers[f"dL/d{name}"]).reshape(
            ref[name].shape), ref[name], rtol=1e-10, atol=1e-14)


def test_token_rows_with_a_repeated_token() -> None:
    x = np.array([[1, 1], [3, 0]])
    item = problem("model-backprop", layers=LAYERS, x=x.tolist(), label=[0, 1],
                   loss="CrossEntropyLoss()")
    _check(item, x, [0, 1])
    grad = np.asarray(solve(item).answers["dL/d0.weight"])
    assert grad[1].any() and not grad[2].any() and not grad[4].any()  # tokens 2, 4 unused


def test_drawn_tokens_are_stated() -> None:
    item = problem("model-backprop", layers=LAYERS, input="tokens:2", label=[0],
                   loss="CrossEntropyLoss()", seed=3)
    run = item.run()  # type: ignore[attr-defined]
    assert run.x.dtype.kind == "i" and run.x.shape == (1, 2) and run.x.max() < 5
    _check(item, run.x, [0])
    assert any(f"default_rng(3).integers: {run.x.tolist()}" in n for n in solve(item).notes)


@pytest.mark.parametrize("x", [[[1, 5]], [[1, 1.5]], [[-1, 0]]])
def test_token_ids_out_of_range_are_refused(x: list) -> None:
    with pytest.raises(InputError, match="field 'x': the model starts with an Embedding of 5 "
                                         "tokens: write token ids, integers from 0 to 4"):
        problem("model-backprop", layers=LAYERS, x=x, label=[0], loss="CrossEntropyLoss()")
