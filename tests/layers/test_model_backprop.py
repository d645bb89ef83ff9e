"""model-backprop: Matt Mazur's published 2-2-2 example, torch autograd and SGD on random
small models, CLI refusals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from derive import problem, solve

MAZUR = {"layers": ["Linear(2, 2)", "Sigmoid()", "Linear(2, 2)", "Sigmoid()"],
         "x": [[0.05, 0.10]], "target": [[0.01, 0.99]], "loss": "MSELoss(reduction='sum')",
         "half": True, "lr": 0.5, "freeze": ["0.bias", "2.bias"],
         "params": {"0.weight": [[0.15, 0.20], [0.25, 0.30]], "0.bias": [0.35, 0.35],
                    "2.weight": [[0.40, 0.45], [0.50, 0.55]], "2.bias": [0.60, 0.60]}}


def test_mazur_step_by_step_backpropagation_example() -> None:
    """Matt Mazur, "A Step by Step Backpropagation Example" (2015,
    https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/):
    E_total = 0.298371109, w5 after = 0.35891648, w1 after = 0.149780716 (w5 is the weight
    from h1 to o1, torch's 2.weight[0, 0]; w1 from i1 to h1, 0.weight[0, 0])."""
    solution = solve(problem("model-backprop", **MAZUR))
    assert solution.answers["loss"] == pytest.approx(0.298371109, abs=5e-10)
    assert solution.answers["2.weight new"][0][0] == pytest.approx(0.35891648, abs=5e-9)
    assert solution.answers["0.weight new"][0][0] == pytest.approx(0.149780716, abs=5e-10)
    assert "0.bias new" not in solution.answers  # biases held fixed, as in the example


def _torch_step(net: object, x: np.ndarray, label: np.ndarray, lr: float) -> dict:
    torch = pytest.importorskip("torch")
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = torch.nn.CrossEntropyLoss()(net(torch.tensor(x)), torch.tensor(label))
    loss.backward()
    grads = {k: p.grad.numpy().copy() for k, p in net.named_parameters()}
    optimizer.step()
    return {"loss": loss.item(), "grads": grads,
            "new": {k: p.detach().numpy() for k, p in net.named_parameters()}}


@pytest.mark.parametrize("layers,shape", [
    (["Conv2d(1, 2, 3)", "ReLU()", "MaxPool2d(2)", "Flatten()", "Linear(8, 3)"], (1, 6, 6)),
    (["Linear(4, 5)", "LayerNorm(5)", "Tanh()", "Linear(5, 3)"], (4,)),
    (["Conv2d(2, 3, 3, padding=1)", "BatchNorm2d(3)", "SiLU()", "AvgPool2d(2)", "Flatten()",
      "Linear(12, 3)"], (2, 4, 4)),
], ids=["conv-relu-pool-linear", "layernorm", "batchnorm"])
def test_random_models_match_torch_autograd_and_sgd(layers: list[str], shape: tuple) -> None:
    torch = pytest.importorskip("torch")
    from derive.models import parse_layers
    from tests.models.torch_build import build

    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, *shape))
    label = np.array([0, 2])
    first = solve(problem("model-backprop", layers=layers, x=x.tolist(), label=[0, 2], lr=0.1,
                          seed=4))
    state = first.problem.run().state
    net = build(parse_layers(layers)).double()
    net.load_state_dict({k: torch.tensor(v) for k, v in state.items()}, strict=False)
    expected = _torch_step(net, x, label, 0.1)
    assert first.answers["loss"] == pytest.approx(expected["loss"], rel=1e-9)
    for name, grad in expected["grads"].items():
        got = np.asarray(first.answers[f"dL/d{name}"]).reshape(grad.shape)
        assert np.allclose(got, grad, atol=1e-9), name
        new = np.asarray(first.answers[f"{name} new"]).reshape(grad.shape)
        assert np.allclose(new, expected["new"][name], atol=1e-9), name


@pytest.mark.parametrize("args", [
    ["--layer", "Linear(2, 3)", "--x", "1,2", "--label", "5"],
    ["--layer", "Linear(2, 3)", "--x", "1,2,3", "--label", "1"],
    ["--layer", "Linear(2, 3)", "--x", "1,2", "--label", "1", "--freeze", "9.bias"],
    ["--layer", "Linear(2, 3)", "--x", "1,2", "--label", "1", "--param", "0.weight=1,2"],
    ["--layer", "Linear(2, 3)", "--x", "1,2", "--label", "1", "--loss", "HingeLoss()"],
])
def test_bad_input_is_one_line_exit_2(run_cli: Any, args: list[str]) -> None:
    status, _, err = run_cli("model-backprop", *args)
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_every_format_renders(fmt: str) -> None:
    from derive.render import render

    assert render(solve(problem("model-backprop", **MAZUR)), fmt)


def test_dropout_mask_matches_torch_with_that_mask() -> None:
    """A Dropout layer with its given mask (inverted scaling 1/(1-p)) against torch autograd,
    the mask applied by hand as m / (1 - p) in the reference."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4))
    mask = np.array([[1, 0, 1], [0, 1, 1]], dtype=float)
    solution = solve(problem("model-backprop", layers=["Linear(4, 3)", "Tanh()",
                                                       "Dropout(p=0.25)", "Linear(3, 2)"],
                             x=x.tolist(), label=[1, 0], masks={"2": mask.tolist()}, seed=2))
    state = {k: torch.tensor(v, requires_grad=True)
             for k, v in solution.problem.run().state.items()}
    hidden = torch.tanh(torch.tensor(x) @ state["0.weight"].T + state["0.bias"])
    logits = (hidden * torch.tensor(mask) / 0.75) @ state["3.weight"].T + state["3.bias"]
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor([1, 0]))
    loss.backward()
    assert solution.answers["loss"] == pytest.approx(loss.item(), rel=1e-12)
    for name, tensor in state.items():
        got = np.asarray(solution.answers[f"dL/d{name}"]).reshape(tensor.shape)
        assert np.allclose(got, tensor.grad.numpy(), atol=1e-12), name


def test_class_index_labels_keep_the_output_shape() -> None:
    """One example written as a row with a class-index label: dL/dY has the output's shape
    (1 x C), not 1 x 1 x C (the label was given an extra axis as if it were a target row)."""
    solution = solve(problem("model-backprop", layers=["Linear(3, 3)", "Linear(3, 2)"],
                             x=[1, 2, 3], label=[1]))
    sides = ((s.relation.lhs if hasattr(s.relation, "lhs") else s.relation, s)
             for s in solution.steps)  # an indexed left side (dL/dY)_e by its whole
    shapes = {str(lhs.args[0] if type(lhs).__name__ == "Entry" else lhs): s.shape
              for lhs, s in sides}
    assert shapes["Derivative(L, Y_{1})"] == (1, 2)
    assert shapes["Derivative(L, Y_{0})"] == (1, 3)
    assert np.shape(solution.answers["dL/dY_0"]) == (1, 3)


@pytest.mark.parametrize("args", [
    ["--layer", "Linear(2, 3)", "--layer", "Dropout(0.5)", "--x", "1,2", "--label", "1"],
    ["--layer", "Linear(2, 3)", "--layer", "Dropout(0.5)", "--x", "1,2", "--label", "1",
     "--mask", "0=1,0,1"],
    ["--layer", "Linear(2, 3)", "--layer", "Dropout(0.5)", "--x", "1,2", "--label", "1",
     "--mask", "1=1,0"],
    ["--layer", "Linear(2, 3)", "--layer", "Dropout(0.5)", "--x", "1,2", "--label", "1",
     "--mask", "1=1,2,1"],
])
def test_bad_mask_is_one_line_exit_2(run_cli: Any, args: list[str]) -> None:
    status, _, err = run_cli("model-backprop", *args)
    assert status == 2 and "masks" in err and len(err.strip().splitlines()) == 1, err
