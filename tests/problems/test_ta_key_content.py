"""What a careful TA's key says, each checked against an independent computation: the
one-hot cross-entropy collapsed to -log of the target class's probability (NumPy); the batch
loss written -(1/N) sum_n sum_i Y_ni log (A_3)_ni and equal to NumPy's mean cross-entropy; the
convention said as its formula, which evaluated in NumPy gives the worked example's Z_1; the
gradient of each hidden activation shown in a step and equal to central differences; init's
boxes naming their scheme with the hand formulas' values, their keys still typeable; conv-size
layers named as the statement names them, their shapes from PyTorch's size formula by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import sympy

import derive
import derive.errors
from derive.answers import parse_key
from derive.render.keys import key_text
from derive.verdicts import check
from tests.problems.oracles import SEED_003, central_differences, sigmoid, softmax

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"




def test_one_hot_loss_is_collapsed_to_the_class_term() -> None:
    solution = derive.solve(derive.problem("backprop", **SEED_003))
    W1, b1 = np.array([[3.0, 6], [4, 5]]), np.array([1.0, -6])
    W2, b2 = np.array([[2.0, 3], [4, 3]]), np.array([-1.0, -2])
    p = softmax(W2.T @ sigmoid(W1.T @ np.array([1.0, 0]) + b1) + b2)
    collapsed = [s for s in solution.steps if "one-hot" in s.why]
    assert len(collapsed) == 1 and "class 2" in collapsed[0].why
    assert collapsed[0].value == pytest.approx(-math.log(p[1]), rel=1e-12)
    assert collapsed[0].check is not None
    text = derive.render(solution, "text")
    lines = text.splitlines()
    summed = next(line for line in lines if "1·log(0.3733)" in line)
    assert "= −(0·log(0.6267) + 1·log(0.3733)) = −log(0.3733) = 0.9853" in summed


def test_batch_row_form_names_the_row_and_its_class() -> None:
    x = "1,-0.5,2;-2,1.5,0.5"
    solution = derive.solve(derive.problem(
        "backprop", convention="XWT", x=x, label="2,0",
        weights=["1,0,-1;0.5,1,0", "1,-1;2,0.5;0,1"], biases=["0,0.5", "0,0.5,-0.5"], lr="0.1"))
    X = np.array([[1, -0.5, 2], [-2, 1.5, 0.5]])
    W1, W2 = np.array([[1, 0, -1], [0.5, 1, 0]]), np.array([[1, -1], [2, 0.5], [0, 1]])
    h = sigmoid(X @ W1.T + np.array([0, 0.5]))
    p = softmax(h @ W2.T + np.array([0, 0.5, -0.5]))
    text = derive.render(solution, "text")
    assert "ℓ₁ = −(Y[1, 1]·log(Y\u0302[1, 1]) + " in text
    assert f"·log({p[0, 2]:.4g})) = −log({p[0, 2]:.4g}) = " in text
    step = next(s for s in solution.steps if "one-hot" in s.why)
    assert step.value == pytest.approx(-math.log(p[0, 2]), rel=1e-12)


def test_soft_targets_keep_only_the_sum() -> None:
    solution = derive.solve(derive.problem("backprop", **{**SEED_003, "target": "0.3,0.7"}))
    assert not [s for s in solution.steps if "one-hot" in s.why]


def _mean_ce_answer(reduction: str = "mean") -> sympy.Expr:
    problem = derive.problem("mlp-grad", layers="5,7,4,3", hidden="sigmoid", convention="XWT",
                             reduction=reduction, names="yhat=A_3")
    return derive.solve(problem).answers.answer("L").value.expr


@pytest.mark.parametrize("reduction, divide", [("mean", True), ("sum", False)])
def test_batch_loss_is_written_over_rows_and_entries(reduction: str, divide: bool) -> None:
    expr = _mean_ce_answer(reduction)
    rng = np.random.default_rng(3)
    rows, classes = 4, 3
    p = softmax(rng.normal(size=(rows, classes)))
    Y = np.eye(classes)[rng.integers(classes, size=rows)]
    sizes = {s: rows for s in expr.free_symbols if s.name == "N"}
    sizes.update({s: classes for s in expr.free_symbols if s.name == "C"})
    summed = expr.xreplace(sizes).doit()
    bases = {b.label.name: b for b in summed.atoms(sympy.IndexedBase)}
    values = {bases["Y"][n, i]: Y[n - 1, i - 1] for n in range(1, rows + 1)
              for i in range(1, classes + 1)}
    values.update({bases["A_3"][n, i]: p[n - 1, i - 1] for n in range(1, rows + 1)
                   for i in range(1, classes + 1)})
    total = -np.sum(Y * np.log(p))
    assert float(summed.xreplace(values)) == pytest.approx(total / rows if divide else total,
                                                           rel=1e-12)


def test_batch_loss_prints_the_minus_and_the_fraction_in_front() -> None:
    text = derive.render(derive.solve(derive.problem(
        "mlp-grad", layers="5,7,4,3", hidden="sigmoid", convention="XWT",
        names="yhat=A_3")), "text")
    assert "L = (1/N)·Σₙ₌₁..N (ℓₙ) = −1/N·Σₙ₌₁..N (Σᵢ₌₁..C (Y[n, i]·log(A₃[n, i])))" \
        in text


def test_seed_001_loss_claim_keeps_its_verdict() -> None:
    solutions = derive.solve_set(derive.load(EXAMPLES / "seed-001.toml"))
    found = {(v.problem, v.answer): (v.verdict, v.cause) for s in solutions for v in check(s)}
    assert found["batched-gradients", "L"] == ("wrong", "the log and the minus sign are missing")


CONVENTION_FORMS = {  # the note's formula at layer 1, as NumPy computes it
    "Wx": lambda W, x, b: W @ x + b, "WTx": lambda W, x, b: W.T @ x + b,
    "XWT": lambda W, x, b: x @ W.T + np.ones((len(x), 1)) @ b.T,
    "XW": lambda W, x, b: x @ W + np.ones((len(x), 1)) @ b.T}
NOTES = {"Wx": "column convention: z_l = W_l a_(l-1) + b_l, one example as a column (a_0 = x)",
         "WTx": "column convention: z_l = W_l^T a_(l-1) + b_l, one example as a column (a_0 = x)",
         "XWT": "row convention: Z_l = A_(l-1) W_l^T + 1 b_l^T, one example per row (A_0 = X)",
         "XW": "row convention: Z_l = A_(l-1) W_l + 1 b_l^T, one example per row (A_0 = X)"}


@pytest.mark.parametrize("convention", sorted(NOTES))
def test_convention_note_is_the_formula_the_example_computes(convention: str) -> None:
    rows = convention.startswith("X")
    W = [[1.0, -2.0, 0.5], [0.5, 1.5, -1.0]]  # out x in
    stored = np.array(W).T if convention in ("WTx", "XW") else np.array(W)
    weights = ";".join(",".join(map(str, row)) for row in stored.tolist())
    x = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]]) if rows else np.array([[0.5], [-1.0], [2.0]])
    solution = derive.solve(derive.problem(
        "backprop", convention=convention, x=";".join(",".join(map(str, r)) for r in (
            x if rows else x.T).tolist()), target=("0,1;1,0" if rows else "0,1"),
        weights=[weights, "1,0;0,1"],
        biases=["0.5,-0.5", "0,0"], lr="0.1"))
    assert solution.notes[0] == NOTES[convention]
    bias = np.array([[0.5], [-0.5]])
    z1 = solution.answers["Z_1" if rows else "z_1"]
    np.testing.assert_allclose(z1, CONVENTION_FORMS[convention](stored, x, bias), rtol=1e-12)


def test_seed_names_are_kept_in_the_note() -> None:
    notes = {s.problem.id: s.notes for s in derive.solve_set(derive.load(
        EXAMPLES / "seed-003.toml"))}
    for key in ("p1-output-jacobian", "p2-numeric-backprop"):
        assert "column convention: Z^1 = (W^1)^T X + W_0^1, one example as a column" in notes[key]



def test_seed_003_gradient_of_h_is_a_step() -> None:
    solution = derive.solve(derive.problem("backprop", **SEED_003))
    W1, b1 = np.array([[3.0, 6], [4, 5]]), np.array([1.0, -6])
    W2, b2 = np.array([[2.0, 3], [4, 3]]), np.array([-1.0, -2])
    h = sigmoid(W1.T @ np.array([1.0, 0]) + b1)
    expected = central_differences(lambda a: -math.log(softmax(W2.T @ a + b2)[1]), h)
    step = next(s for s in solution.steps if s.why == "back through layer 2: the gradient of H")
    np.testing.assert_allclose(step.value.ravel(), expected, atol=1e-8)
    np.testing.assert_allclose(solution.answers["dl/dH"].ravel(), W2 @ (softmax(
        W2.T @ h + b2) - [0, 1]), rtol=1e-12)
    assert step.check is not None and step.check < 1e-6
    assert solution.steps[solution.steps.index(step) + 1].why == "delta of layer 1"


def test_seed_001_batch_activation_gradients_are_steps() -> None:
    solution = next(s for s in derive.solve_set(derive.load(EXAMPLES / "seed-001.toml"))
                    if s.problem.id == "batched-backprop")
    problem = solution.problem
    X, Y = np.array(problem.x, dtype=float), np.eye(3)[list(problem.label)]
    (W1, b1), (W2, b2), (W3, b3) = ((np.array(W, float), np.array(b, float)) for W, b in zip(
        problem.weights, problem.biases, strict=True))
    a1 = sigmoid(X @ W1.T + b1)

    def loss_from_a1(a: np.ndarray) -> float:
        p = softmax(sigmoid(a @ W2.T + b2) @ W3.T + b3)
        return float(-np.sum(Y * np.log(p)) / len(X))

    def loss_from_a2(a: np.ndarray) -> float:
        return float(-np.sum(Y * np.log(softmax(a @ W3.T + b3))) / len(X))

    shown = {s.why: s for s in solution.steps if s.why.startswith("back through")}
    assert set(shown) == {"back through layer 2: the gradient of A_1",
                          "back through layer 3: the gradient of A_2"}
    np.testing.assert_allclose(shown["back through layer 2: the gradient of A_1"].value,
                               central_differences(loss_from_a1, a1), atol=1e-8)
    a2 = sigmoid(a1 @ W2.T + b2)
    np.testing.assert_allclose(shown["back through layer 3: the gradient of A_2"].value,
                               central_differences(loss_from_a2, a2), atol=1e-8)
    np.testing.assert_allclose(solution.answers["dL/dA_2"],
                               shown["back through layer 3: the gradient of A_2"].value)


def test_relu_kink_above_is_checked_against_the_kernels_only() -> None:
    solution = derive.solve(derive.problem(
        "backprop", convention="XWT", x="1,-1", label="1", hidden="relu",
        weights=["1,1;1,-1", "1,1;1,0;0,1", "1,0,0;0,1,0"], biases=["0,0", "0,0,0", "0,0"],
        lr="0.1"))
    assert any("kink" in note for note in solution.notes)
    assert [s.why for s in solution.steps if s.why.startswith("back through")] == [
        "back through layer 3: the gradient of A_2", "back through layer 2: the gradient of A_1"]


def test_init_boxes_name_the_scheme_and_keys_parse_back() -> None:
    problem = derive.problem("init", layer="Conv2d(32, 64, 3, groups=4)", init=[
        "kaiming_uniform_(a=0, mode='fan_in', nonlinearity='relu')",
        "xavier_normal_(gain=calculate_gain('tanh'))", "default",
        "kaiming_normal_(mode='fan_out')"])
    answers = derive.solve(problem).answers
    fan_in, fan_out = 8 * 3 * 3, 64 * 3 * 3  # in_channels / groups and out_channels, times k^2
    expected = {  # the hand formulas of torch.nn.init
        "init 1 bound": ("He (Kaiming) uniform", math.sqrt(6 / fan_in)),
        "init 2 std": ("Xavier (Glorot) normal", 5 / 3 * math.sqrt(2 / (fan_in + fan_out))),
        "init 3 bound": ("torch's default:", 1 / math.sqrt(fan_in)),
        "init 3 bias bound": ("torch's default for the bias", 1 / math.sqrt(fan_in)),
        "init 4 std": ("He (Kaiming) normal", math.sqrt(2 / fan_out))}
    for typed, (scheme, value) in expected.items():
        answer = answers.answer(typed)
        assert parse_key(key_text(answer.key)) == answer.key and key_text(answer.key) == typed
        assert answer.value == pytest.approx(value, rel=1e-12)
        assert answer.reads.startswith(scheme)
        assert answer.reads.endswith(f"= {value:.4g}")


def _out(n: int, k: int, s: int = 1, p: int = 0) -> int:
    """PyTorch's Conv2d / MaxPool2d output size, by hand."""
    return (n + 2 * p - k) // s + 1


def test_conv_size_layers_named_as_the_statement_names_them() -> None:
    solution = next(s for s in derive.solve_set(derive.load(EXAMPLES / "seed-002.toml"))
                    if s.problem.kind == "conv-size")
    a = _out(32, 5, p=2)
    b = _out(a, 2, s=2)
    c = _out(b, 3, s=2, p=1)
    expected = {"A": (16, a, a), "B": (16, b, b), "C": (32, c, c)}
    for name, shape in expected.items():
        assert tuple(solution.answers[name]) == shape
        assert tuple(solution.answers[f"shape of {name}"]) == shape
    text = derive.render(solution, "text")
    assert "layer A (conv), height and width (square)" in text and "H_B = floor((H_A" in text
    assert "A: conv     5" in text and "layer 1" not in text
    assert [m.label for m in solution.figure.maps] == ["input", "A: conv", "B: maxpool",
                                                       "C: conv"]


@pytest.mark.parametrize("names, message", [
    (["A", "B"], "2 names for 3 layers"), (["A", "B", "1x"], "is not a layer name"),
    (["A", "A", "B"], "its own name"), (["A", "in", "B"], "is not a layer name")])
def test_conv_size_names_are_validated(names: list[str], message: str) -> None:
    with pytest.raises(derive.errors.InputError, match=message):
        derive.problem("conv-size", input="32", channels="3", names=names, layers=[
            "conv k=5 p=2 out=16", "maxpool k=2", "conv k=3 s=2 p=1 out=32"])
