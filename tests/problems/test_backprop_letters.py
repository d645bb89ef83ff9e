"""`backprop --layers N,N1,K`: every step's shape in the widths' letters, equal to the value's
shape at the letters' numbers; the numbers exactly those of the same problem without letters;
bad `layers` refused in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy

import derive
from derive.errors import VerificationError
from derive.render import render
from derive.solution import Shape, Solution
from derive.symbolic.numeric_example import Example
from derive.symbolic.sizes import letter

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
N, N1, K, D, H, C = (letter(name) for name in ("N", "N1", "K", "D", "H", "C"))

SEED_003 = dict(convention="WTx", x="1,0", target="0,1", weights=["3,6;4,5", "2,3;4,3"],
                biases=["1,-6", "-1,-2"], lr="0.5", names="W=W^,b=W_0^,z=Z^,a=H,x=X,y=Y,yhat=Yhat")
# a 3-4-2 network on a batch of 3 rows: distinct widths, so a swapped pair of sizes shows
BATCH = dict(x="1,0,2;0,1,1;1,1,0", label="0,1,1", hidden="tanh", lr="0.5")
W1 = [[1, 0.5, -1], [0.5, 1, 0], [-0.5, 0.5, 1], [1, -1, 0.5]]  # out x in: 4 x 3
W2 = [[1, -1, 0.5, 0], [0.5, 0.5, -1, 1]]  # 2 x 4


def _rows(matrix: list[list[float]], transposed: bool) -> str:
    """A weight matrix as --weights writes it, in or out of the transposed orientation."""
    rows = np.array(matrix).T if transposed else np.array(matrix)
    return ";".join(",".join(str(v) for v in row) for row in rows)


def batch_problem(convention: str, **fields: Any) -> dict[str, Any]:
    """The 3-4-2 batch problem in a row convention (W in its orientation)."""
    transposed = convention == "XW"
    return {**BATCH, "convention": convention,
            "weights": [_rows(W1, transposed), _rows(W2, transposed)], **fields}


def solve(**fields: Any) -> Solution:
    return derive.solve(derive.problem("backprop", **fields))


def shaped(solution: Solution) -> list[Any]:
    """The steps that show a shape (every matrix step)."""
    return [step for step in solution.steps if step.shape is not None]


def at(shape: tuple[Any, ...], numbers: dict[sympy.Symbol, int]) -> tuple[int, ...]:
    """A letter shape at the letters' numbers."""
    return tuple(int(sympy.sympify(size).xreplace(numbers)) for size in shape)


def test_seed_003_shapes_are_in_the_documents_letters() -> None:
    solution = solve(**SEED_003, layers="N,N1,K")
    shapes = {str(step.sides[0]): tuple(step.shape) for step in shaped(solution)}
    assert shapes["Z^{1}"] == (N1, 1) and shapes["H"] == (N1, 1) and shapes["Z^{2}"] == (K, 1)
    assert shapes["Yhat"] == (K, 1)
    assert [tuple(step.shape) for step in solution.steps if step.why == "delta of layer 1"] == \
        [(N1, 1)]  # by its caption: delta's name follows z's (delta_1, or delta^1 after Z^1)
    assert shapes["dell/dW^{1}"] == (N, N1) and shapes["dell/dW^{2}"] == (N1, K)  # W is in x out
    assert shapes["W^{1}'"] == (N, N1) and shapes["H'"] == (N1, 1)
    # forward, dl/dH, deltas, gradients, updates, after the step
    assert len(shaped(solution)) == 19
    assert "shapes in letters: N = 2, N1 = 2, K = 2" in solution.notes
    assert solution.answers["shape of dl/dW^1"] == Shape((N, N1))
    assert solution.answers["shape of H"] == Shape((N1, 1))


@pytest.mark.parametrize("fields, numbers", [
    (dict(SEED_003, layers="N,N1,K"), {N: 2, N1: 2, K: 2}),
    (dict(SEED_003, convention="Wx", layers="D,H,C"), {D: 2, H: 2, C: 2}),
    (batch_problem("XWT", layers="D,H,C"), {N: 3, D: 3, H: 4, C: 2}),
    (batch_problem("XW", layers="D,H,C"), {N: 3, D: 3, H: 4, C: 2}),
    (batch_problem("XWT", layers="D,4,C"), {N: 3, D: 3, C: 2}),
])
def test_each_letter_shape_at_the_numbers_is_the_values_shape(fields, numbers) -> None:
    steps = shaped(solve(**fields))
    assert steps
    for step in steps:
        assert at(step.shape, numbers) == np.shape(step.value), step.why
        assert set().union(*(sympy.sympify(s).free_symbols for s in step.shape)) <= set(numbers)


def test_a_row_convention_shows_the_batch_as_n_and_w_out_x_in() -> None:
    solution = solve(**batch_problem("XWT", layers="D,H,C"))
    shapes = {str(step.sides[0]): tuple(step.shape) for step in shaped(solution)}
    assert shapes["Z_1"] == (N, H) and shapes["A_1"] == (N, H) and shapes["Yhat"] == (N, C)
    assert shapes["Delta_1"] == (N, H) and shapes["dL/dW_1"] == (H, D)
    assert shapes["dL/dW_2"] == (C, H) and shapes["W_2'"] == (C, H)
    assert "shapes in letters: N = 3, D = 3, H = 4, C = 2" in solution.notes


@pytest.mark.parametrize("fields, layers", [
    (SEED_003, "N,N1,K"), (SEED_003, "N,N,N"), (SEED_003, "2,N1,2"),
    (batch_problem("XWT"), "D,H,C"), (batch_problem("XW"), "3,H,C"),
])
def test_the_numbers_are_those_without_letters(fields, layers) -> None:
    plain, lettered = solve(**fields), solve(**fields, layers=layers)
    values = {k: v for k, v in plain.answers.items() if k.aspect != "shape"}
    assert {k: v for k, v in lettered.answers.items() if k.aspect != "shape"}.keys() == \
        values.keys()
    for key, value in values.items():
        assert np.array_equal(np.asarray(lettered.answers[key]), np.asarray(value)), key
    assert len(plain.steps) == len(lettered.steps)
    for before, after in zip(plain.steps, lettered.steps, strict=True):
        assert str(after.relation) == str(before.relation) and after.check == before.check
        assert np.array_equal(np.asarray(after.value, dtype=float),
                              np.asarray(before.value, dtype=float))
        assert (after.shape is None) == (before.shape is None)


def test_the_json_carries_the_letter_shapes() -> None:
    data = json.loads(render(solve(**SEED_003, layers="N,N1,K"), "json"))
    assert data["steps"][0]["shape"] == ["N1", 1]
    assert data["answers"]["shape of dl/dW^1"] == ["N", "N1"]
    assert data["answers"]["Z^1"] == [[4.0], [0.0]]  # a numeric answer stays numbers


def test_a_shape_that_disagrees_with_its_value_is_a_verification_error() -> None:
    problem = derive.problem("backprop", **SEED_003, layers="N,N1,K")
    params, X, Y = problem.arrays()
    example = Example(problem.model(), params, X, Y)
    net = example.model.net
    assert example.shape_of(net.W(1), np.zeros((2, 2))) == (N, N1)
    with pytest.raises(VerificationError, match=r"\(2, 3\)"):
        example.shape_of(net.W(1), np.zeros((2, 3)))


def test_seed_003_key_is_in_the_documents_letters() -> None:
    problem = next(p for p in derive.load(EXAMPLES / "seed-003.toml").problems
                   if p.id == "p2-numeric-backprop")
    solution = derive.solve(problem)
    assert [tuple(step.shape) for step in shaped(solution)][:3] == [(N1, 1), (N1, 1), (K, 1)]
    text = render(solution, "text")
    assert "[N₁ × 1; ✓]" in text and "[N × N₁; ✓]" in text and "[2 × 1" not in text
    assert r"(result of shape $N_{1} \times K$)" in render(solution, "latex")


@pytest.mark.parametrize("layers, fields, says", [
    ("N,K", SEED_003, "2 sizes, but the weights give 3 widths (2-2-2)"),
    ("N,N1,K,M", SEED_003, "4 sizes, but the weights give 3 widths"),
    ("N,3,K", SEED_003, "size 2 is 3, but the weights give 2"),
    ("H,H,C", batch_problem("XWT"), "H names widths 3 and 4"),
    ("N,H,C", batch_problem("XWT"), "N is the batch in the XWT convention"),
    ("D,N,C", batch_problem("XW"), "N is the batch in the XW convention"),
    ("3x,N1,K", SEED_003, "'3x' is not a size"),
    ("n,N1,K", SEED_003, "'n' is not a size"),
])
def test_bad_layers_are_refused_in_one_line(run_cli, layers, fields, says) -> None:
    args = ["backprop", "--layers", layers]
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            args += [f"--{name}={item}"]
    status, out, err = run_cli(*args)
    assert status == 2 and out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "field 'layers'" in err and says in err


def test_layers_with_a_model_is_refused(run_cli) -> None:
    status, out, err = run_cli("backprop", "--x", "1,0", "--label", "1", "--model",
                               "nn.Sequential(nn.Linear(2, 2))", "--layers", "N,K")
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "layers" in err and "Traceback" not in err
