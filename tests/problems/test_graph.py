"""`graph`: node values and leaf gradients equal hand computation and PyTorch autograd."""

from __future__ import annotations

import math

import pytest

import derive
from derive.symbolic.graph import build_graph

SEED_002 = "relu(w1*relu(w0*x0 + b0) + b1 + x0)"
AT = "x0=1,w0=0.3,w1=-0.2,b0=0.1,b1=-0.3"


def solve(expression: str, at: str, **fields):
    return derive.solve(derive.problem("graph", expression=expression, at=at, **fields))


def test_seed_002_problem_1_by_hand() -> None:
    answers = solve(SEED_002, AT, name="z").answers
    inner = max(0.0, 0.3 * 1 + 0.1)
    assert answers["z"] == pytest.approx(max(0.0, -0.2 * inner - 0.3 + 1))
    assert answers["dz/dw0"] == pytest.approx(-0.2 * 1.0)  # relu' * w1 * relu' * x0
    assert answers["dz/dw1"] == pytest.approx(inner)
    assert answers["dz/db0"] == pytest.approx(-0.2)
    assert answers["dz/db1"] == pytest.approx(1.0)
    assert answers["dz/dx0"] == pytest.approx(1 + (-0.2) * 0.3)  # two paths: the residual


def test_nodes_are_kept_as_written() -> None:
    graph = build_graph("a - b + a*b", {"a": 2, "b": 5})
    assert [n.written for n in graph.nodes if n.op not in ("leaf", "const")] == [
        "a - b", "a * b", "a - b + a * b"]
    shared = build_graph("(x + 1)*(x + 1)", {"x": 3})
    assert sum(n.op == "+" for n in shared.nodes) == 1  # the shared sub-expression once


def torch_cases():
    torch = pytest.importorskip("torch")
    return [
        ("sigmoid(w*x + b)*tanh(x) - exp(-x/w)",
         lambda x, w, b: torch.sigmoid(w * x + b) * torch.tanh(x) - torch.exp(-x / w)),
        ("log(x*x + 1) / sqrt(w + 2) + abs(b - x)",
         lambda x, w, b: torch.log(x * x + 1) / torch.sqrt(w + 2) + torch.abs(b - x)),
        ("max(x, w) * min(b, w) + x**3 - w**2",
         lambda x, w, b: torch.maximum(x, w) * torch.minimum(b, w) + x**3 - w**2),
        ("-(x - b)**2 + relu(w)", lambda x, w, b: -(x - b) ** 2 + torch.relu(w)),
    ]


def test_gradients_match_autograd() -> None:
    torch = pytest.importorskip("torch")
    values = {"x": 0.7, "w": 1.3, "b": -0.4}
    for expression, function in torch_cases():
        answers = solve(expression, ",".join(f"{k}={v}" for k, v in values.items())).answers
        leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
                  for k, v in values.items()}
        result = function(**leaves)
        result.backward()
        assert answers["f"] == pytest.approx(result.item(), rel=1e-12)
        for name, leaf in leaves.items():
            assert answers[f"df/d{name}"] == pytest.approx(leaf.grad.item(), rel=1e-10,
                                                           abs=1e-14), (expression, name)


@pytest.mark.parametrize("at, expected", [
    ("x=1e9,y=3", {"x": 2e9 + 3, "y": 1e9}),  # f ~ 1e18 swamps a step of 1e-6 in floats
    ("x=1e5,y=1e-5", {"x": 2e5 + 1e-5, "y": 1e5}),
])
def test_large_values_keep_their_finite_difference_check(at: str, expected: dict) -> None:
    solution = solve("x*y + x**2", at)
    for name, value in expected.items():
        assert solution.answers[f"df/d{name}"] == pytest.approx(value, rel=1e-15)


def test_a_kink_is_stated() -> None:
    solution = solve("relu(x - 1) + x", "x=1")
    assert solution.answers["df/dx"] == pytest.approx(1.0)  # ReLU'(0) taken as 0
    assert any("kink" in note for note in solution.notes)


def test_every_format_draws_the_graph() -> None:
    solution = solve(SEED_002, AT, name="z")
    assert "\\begin{tikzpicture}" in derive.render(solution, "latex")
    assert "```mermaid" in derive.render(solution, "markdown")
    assert "The graph, from the output down:" in derive.render(solution, "text")
    assert math.isclose(derive.solve(derive.problem(
        "graph", expression="x*x", at="x=3")).answers["df/dx"], 6.0)


@pytest.mark.parametrize("args, field", [
    (["__import__('os').system('true')", "--at", "x=1"], "expression"),
    (["x.real + 1", "--at", "x=1"], "expression"),
    (["x + y", "--at", "x=1"], "at"),
    (["log(x)", "--at", "x=-1"], "at"),
    (["x/y", "--at", "x=1,y=0"], "at"),
    (["x + 1", "--at", "x"], "at"),
])
def test_bad_input_is_refused(run_cli, args, field) -> None:
    status, out, err = run_cli("graph", *args)
    assert status == 2 and out == "" and field in err and "Traceback" not in err
