"""layer-grad: Y, dL/dX and every parameter gradient against torch autograd (given dL/dY),
the derivation without numbers, one-line CLI refusals, every format, LaTeX compiles."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy

import derive
from derive import problem, solve
from derive.solution import MathCell

torch = pytest.importorskip("torch")

LAYERS = [
    ("Linear(3, 2)", (4, 3), {}),
    ("Conv2d(2, 3, 3, stride=2, padding=1, dilation=2)", (2, 2, 7, 7), {}),
    ("Conv2d(1, 2, 2, stride=3, bias=False)", (1, 1, 5, 5), {}),
    ("MaxPool2d(2)", (1, 2, 4, 4), {}),
    ("MaxPool2d(3, stride=2, padding=1)", (2, 1, 5, 5), {}),
    ("BatchNorm2d(2)", (3, 2, 2, 2), {"weight": [1.5, -0.5], "bias": [0.1, 0.2]}),
    ("LayerNorm(4)", (3, 4), {"weight": [1, 2, 0.5, -1], "bias": [0, 0.1, 0.2, 0.3]}),
    ("Softmax(dim=-1)", (2, 3), {}),
    ("MultiheadAttention(4, 2)", (3, 4), {}),
]


def _torch_grads(inst: Any) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Y, dL/dX and dL/d(each parameter) of the same layer in torch, given dL/dY."""
    module = eval(inst.layer_text, dict(vars(torch.nn))).double()  # noqa: S307 (test text)
    state = {k: torch.tensor(np.asarray(v)) for k, v in inst.state.items()}
    module.load_state_dict(state, strict=False)
    module.train()
    x = torch.tensor(inst.x, requires_grad=True)
    y = module(x, x, x, need_weights=False)[0] if "Attention" in inst.layer_text else module(x)
    y.backward(torch.tensor(inst.dy))
    grads = {k: p.grad.numpy() for k, p in module.named_parameters() if p.grad is not None}
    return y.detach().numpy(), x.grad.numpy(), grads


@pytest.mark.parametrize("layer,shape,params", LAYERS, ids=[case[0] for case in LAYERS])
def test_numbers_match_torch_autograd(layer: str, shape: tuple, params: dict) -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).round(2)
    solution = solve(problem("layer-grad", layer=layer, x=x.tolist(), params=params or None,
                             seed=3))
    inst = solution.problem.instance()
    object.__setattr__(inst, "layer_text", layer)
    y, dx, grads = _torch_grads(inst)
    assert np.allclose(np.asarray(solution.answers["Y"]).reshape(y.shape), y, atol=1e-9)
    assert np.allclose(np.asarray(solution.answers["dL/dX"]).reshape(dx.shape), dx, atol=1e-9)
    for name, grad in grads.items():
        got = np.asarray(solution.answers[f"dL/d{name}"]).reshape(grad.shape)
        assert np.allclose(got, grad, atol=1e-9), name
    assert all(step.check is None or step.check < 1e-6 for step in solution.steps)


def test_maxpool_ties_go_to_the_first_maximum_as_in_torch() -> None:
    x = [[[[1, 1, 0, 2], [1, 0, 2, 2]]]]
    solution = solve(problem("layer-grad", layer="MaxPool2d(2)", x=x,
                             grad_output=[[[[5, 7]]]]))
    assert np.asarray(solution.answers["dL/dX"]).tolist() == [[5, 0, 0, 7], [0, 0, 0, 0]]
    assert any("first maximum" in note for note in solution.notes)


def test_given_numbers_by_hand() -> None:
    """Y = w . x + b = 0.5 - 2 + 0 = -1.5; dL/dX = g w; dL/dW = g x; dL/db = g."""
    solution = solve(problem("layer-grad", layer="Linear(2, 1)", x="1,2",
                             params=["weight=0.5,-1", "bias=0"], grad_output="2"))
    assert np.asarray(solution.answers["Y"]).tolist() == [[-1.5]]
    assert np.asarray(solution.answers["dL/dX"]).tolist() == [[1, -2]]
    assert np.asarray(solution.answers["dL/dweight"]).tolist() == [[2, 4]]
    assert np.asarray(solution.answers["dL/dbias"]).tolist() == [2]


def test_without_numbers_the_derivation_is_symbolic_and_verified() -> None:
    solution = solve(problem("layer-grad", layer="Conv2d(1, 1, 3)"))
    assert all(step.value is None for step in solution.steps)
    assert [step.check is not None for step in solution.steps].count(True) == 4  # Y, X, W, b
    assert len(solution.answers) == 0
    assert solution.tables[0].rows[1] == (MathCell(sympy.Symbol("W")), "C_out x C_in x k_1 x k_2")


@pytest.mark.parametrize("args,field", [
    (["--layer", "Foo()"], "layer"),
    (["--layer", "Conv2d(1, 1, 3)", "--input", "2x5x5"], "layer"),
    (["--layer", "Conv2d(1, 1, 3)", "--grad-output", "1,2"], "grad_output"),
    (["--layer", "Linear(2, 1)", "--weight", "1,2,3"], "params"),
    (["--layer", "Linear(2, 1)", "--param", "gamma=1"], "params"),
    (["--layer", "Linear(2, 1)", "--input", "5000"], "input"),
    (["--layer", "Linear(2, 1)", "--x", "1,2", "--input", "2"], "input"),
    (["--layer", "Linear(2, 1)", "--batch", "65"], "batch"),
])
def test_cli_errors_are_one_line_exit_2(run_cli: Any, args: list[str], field: str) -> None:
    status, _, err = run_cli("layer-grad", *args)
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"field '{field}'" in err


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_every_format_renders(run_cli: Any, fmt: str) -> None:
    status, out, err = run_cli("layer-grad", "--layer", "BatchNorm2d(2)", "--input", "2x1x2",
                               "--format", fmt)
    assert status == 0, err
    assert "dL/dweight" in out or "weight" in out


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_latex_of_layer_kinds_compiles(tmp_path: Path) -> None:
    problem_set = derive.load(Path(__file__).parents[2] / "examples" / "layers.toml")
    assert {p.kind for p in problem_set.problems} == {"layer-grad", "model-backprop"}
    source = derive.render_set(problem_set.title, derive.solve_set(problem_set), "latex")
    (tmp_path / "doc.tex").write_text(source, encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                             "-no-shell-escape", "doc.tex"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-2000:]
