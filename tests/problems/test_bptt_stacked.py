"""`bptt` with several layers, both directions and proj_size, against torch.nn.RNN / LSTM /
GRU and autograd (an independent oracle): every layer's states, the loss, every gradient by
torch's state_dict name, dL/dh0 (and dL/dc0) row by row; every answer shown by a step."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import derive
from derive.answers import Key
from derive.problems.bptt import MAX_LAYERS, MAX_RUN_STEPS, MAX_SIZE

torch = pytest.importorskip("torch")


def torch_layer(mode: str, params: dict[str, Any], n_x: int, H: int, layers: int,
                bidirectional: bool, batch_first: bool, proj: int) -> Any:
    extra = {"proj_size": proj} if proj else {}
    module = getattr(torch.nn, mode)(n_x, H, num_layers=layers, bidirectional=bidirectional,
                                     batch_first=batch_first, **extra).double()
    with torch.no_grad():
        for name, value in params.items():
            getattr(module, name).copy_(torch.tensor(value))
    return module


def _states(module: Any, mode: str, x: Any, h0: Any, c0: Any) -> tuple[Any, Any]:
    return module(x, (h0, c0)) if mode == "LSTM" else module(x, h0)


CASES = [("LSTM", 2, True, False, 0, "every"), ("LSTM", 2, True, True, 2, "last"),
         ("GRU", 2, True, True, 0, "last"), ("GRU", 3, False, False, 0, "every"),
         ("RNN", 2, True, False, 0, "every"), ("LSTM", 1, True, True, 0, "last")]


@pytest.mark.parametrize(("mode", "layers", "bidirectional", "batch_first", "proj", "where"),
                         CASES)
def test_stacked_matches_torch(mode: str, layers: int, bidirectional: bool, batch_first: bool,
                               proj: int, where: str) -> None:
    rng = np.random.default_rng(layers + 10 * proj)
    T, n_x, H, D = 3, 2, 3, 1 + bidirectional
    out = proj or H
    x = rng.normal(size=(T, n_x))
    h0 = rng.normal(size=(layers * D, out))
    c0 = rng.normal(size=(layers * D, H))
    target = rng.normal(size=(T if where == "every" else 1, D * out))
    call = (f"{mode}({n_x}, {H}, num_layers={layers}, bidirectional={bidirectional}, "
            f"batch_first={batch_first}" + (f", proj_size={proj})" if proj else ")"))
    fields = dict(layer=call, x=x.tolist(), target=target.tolist(), loss_on=where,
                  h0=h0.tolist(), seed=layers, lr=0.5)
    if mode == "LSTM":
        fields["c0"] = c0.tolist()
    problem = derive.problem("bptt", **fields)
    solution = derive.solve(problem)
    answers = solution.answers
    params, _, _ = problem.arrays()
    weights = {k: v for k, v in params.items() if k not in ("h0", "c0")}
    module = torch_layer(mode, weights, n_x, H, layers, bidirectional, batch_first, proj)
    xt = torch.tensor(x[None] if batch_first else x[:, None])
    th0 = torch.tensor(h0[:, None], requires_grad=True)
    tc0 = torch.tensor(c0[:, None], requires_grad=True)
    y, _ = _states(module, mode, xt, th0, tc0)
    y = y[0] if batch_first else y[:, 0]
    chosen = y if where == "every" else y[-1:]
    loss = 0.5 * ((chosen - torch.tensor(target)) ** 2).sum()
    loss.backward()
    close = dict(rtol=1e-9, atol=1e-12)
    assert answers["L"] == pytest.approx(loss.item(), rel=1e-12)
    top = f"l{layers - 1}"
    marks = [f"^({top})", f"^({top}_reverse)"][:D] if (layers, D) != (1, 1) else [""]
    for t in range(1, T + 1):
        shown = np.concatenate([answers[f"h_{t}{mark}"] for mark in marks])
        np.testing.assert_allclose(shown, y[t - 1].detach().numpy(), **close)
    for name in weights:
        grad = getattr(module, name).grad.numpy()
        np.testing.assert_allclose(answers[Key("L", wrt=name)], grad, **close)
        np.testing.assert_allclose(answers[Key(name, new=True)], weights[name] - 0.5 * grad,
                                   **close)
    for row in range(layers * D):
        layer, d = divmod(row, D)
        mark = f"^(l{layer}{'_reverse' if d else ''})"
        t0 = T + 1 if d else 0
        np.testing.assert_allclose(answers[Key("L", wrt=f"h_{t0}{mark}")],
                                   th0.grad[row, 0].numpy(), **close)
        if mode == "LSTM":
            np.testing.assert_allclose(answers[Key("L", wrt=f"c_{t0}{mark}")],
                                       tc0.grad[row, 0].numpy(), **close)
    _every_answer_shown(solution)


def test_lower_layer_states_match_torch() -> None:
    """Layer 0's states of a 2-layer bidirectional GRU are a 1-layer torch GRU's output."""
    x = np.random.default_rng(1).normal(size=(4, 2))
    problem = derive.problem("bptt", layer="GRU(2, 3, num_layers=2, bidirectional=True)",
                             x=x.tolist(), target=[[0.0] * 6])
    answers = derive.solve(problem).answers
    params, _, _ = problem.arrays()
    lower = {k: v for k, v in params.items() if "_l0" in k}
    y, _ = torch_layer("GRU", lower, 2, 3, 1, True, False, 0)(torch.tensor(x[:, None]))
    for t in range(1, 5):
        shown = np.concatenate([answers[f"h_{t}^(l0)"], answers[f"h_{t}^(l0_reverse)"]])
        np.testing.assert_allclose(shown, y[t - 1, 0].detach().numpy(), rtol=1e-9, atol=1e-12)


def _every_answer_shown(solution: Any) -> None:
    shown = [np.asarray(step.value, dtype=float) for step in solution.steps
             if step.value is not None]
    shown += [np.asarray(float(step.relation.rhs)) for step in solution.steps
              if getattr(step.relation, "rhs", None) is not None and step.relation.rhs.is_number]
    for key in solution.answers:
        if key.aspect == "shape":
            continue
        value = np.asarray(solution.answers[key], dtype=float)
        assert any(v.shape == value.shape and np.array_equal(v, value) for v in shown), key


def test_reverse_direction_says_back_in_time_runs_forward() -> None:
    problem = derive.problem("bptt", layer="RNN(1, 2, bidirectional=True)", x=[[1], [2]],
                             target=[[0, 0, 0, 0]])
    captions = [str(step.why) for step in derive.solve(problem).steps]
    assert any("runs forward" in caption for caption in captions)


@pytest.mark.parametrize(("args", "message"), [
    (["RNN(2, 2, num_layers=4)", "--x", "1,2", "--target", "0,1"], "num_layers at most"),
    (["RNN(2, 2, bidirectional=True)", "--x", "1,2", "--target", "0,1"], "1 row(s) of 4"),
    (["LSTM(2, 2, num_layers=2)", "--x", "1,2", "--target", "0,1", "--h0", "0,0"],
     "2 row(s)"),
])
def test_stacked_errors_are_one_line(run_cli: Any, args: list[str], message: str) -> None:
    code, out, err = run_cli("bptt", *args)
    assert code == 2, out + err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_the_worst_allowed_case_solves_and_renders() -> None:
    """MAX_LAYERS x 2 directions x the steps MAX_RUN_STEPS allows, sizes MAX_SIZE, LSTM (its
    time is measured by bench/recurrent.py, not here)."""
    T = MAX_RUN_STEPS // (2 * MAX_LAYERS)
    problem = derive.problem(
        "bptt", layer=f"LSTM({MAX_SIZE}, {MAX_SIZE}, num_layers={MAX_LAYERS}, "
        "bidirectional=True)", x=[[0.5] * MAX_SIZE] * T, target=[[0.1] * 2 * MAX_SIZE], lr=0.1)
    assert "dL/dweight_hh_l2_reverse" in derive.render(derive.solve(problem), "text")
