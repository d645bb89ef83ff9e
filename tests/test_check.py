"""`derive check` and `--claim`: verdicts and causes, on the seeds and on claims made to order."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

import derive
from derive.render.keys import key_text
from derive.verdicts import check, compare

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def verdicts(path: str) -> dict[tuple[str, str], tuple[str, str]]:
    problem_set = derive.load(EXAMPLES / path)
    return {(v.problem, v.answer): (v.verdict, v.cause)
            for s in derive.solve_set(problem_set) for v in check(s)}


def test_seed_000_claims() -> None:
    found = verdicts("seed-000.toml")
    wrong = {key: cause for key, (verdict, cause) in found.items() if verdict == "wrong"}
    assert set(wrong) == {("q1.2-losses", "ce"), ("q1.4-attention-params", "attention"),
                          ("q1.4-attention-params", "per_head"),
                          ("q1.4-attention-params", "qkv"),
                          ("q1.4-attention-params", "output_projection"),
                          ("q2.4-mlp-gradients", "dl/dW_2"), ("q2.4-mlp-gradients", "dl/dW_1")}
    assert wrong[("q1.2-losses", "ce")] == ("ce is never negative; this is the right value "
                                            "with its sign flipped")
    for answer in ("attention", "qkv", "output_projection"):
        assert "d_model were 512 and bias were false" in wrong[("q1.4-attention-params", answer)]
    assert "write sigma(A)^T, not sigma(A)" in wrong[("q2.4-mlp-gradients", "dl/dW_2")]
    assert found[("q2.4-mlp-gradients", "dl/dc_1")] == (
        "correct", "correct up to layout (vectors written as rows, the numerator layout)")


def test_seed_001_and_002_claims() -> None:
    assert verdicts("seed-001.toml") == {
        ("batched-gradients", "dL/dZ_3"): ("wrong", "sign flipped"),
        ("batched-gradients", "L"): ("wrong", "the log and the minus sign are missing")}
    assert all(verdict == "correct" for verdict, _ in verdicts("seed-002.toml").values())


def test_seed_004_shape_statements() -> None:
    found = verdicts("seed-004.toml")
    wrong = {answer: cause for (_, answer), (verdict, cause) in found.items()
             if verdict != "correct"}
    assert set(wrong) == {"shape of dL/dW_2", "shape of W_2 (first)",
                          "shape of dL/db_1 (first)", "shape of b_1"}
    assert wrong["shape of dL/dW_2"].startswith("the sizes are swapped")
    assert wrong["shape of b_1"] == "this is the shape of b_2, not the shape of b_1"
    assert len(found) == 13


@pytest.mark.parametrize("claim, cause", [
    ("1/N * sum(Y * A_3)", "the log and the minus sign are missing"),
    ("-1/N * sum(Y * A_3)", "the log is missing"),
    ("1/N * sum(Y * log(A_3))", "the minus sign is missing"),
    ("-sum(Y * log(A_3))", "a factor N too many")])
def test_a_loss_formula_slip_is_named(claim: str, cause: str) -> None:
    problem = derive.problem("mlp-grad", layers="5,7,4,3", hidden="sigmoid", convention="XWT",
                             reduction="mean", names="yhat=A_3", claims={"L": claim})
    assert [(v.verdict, v.cause) for v in check(derive.solve(problem))] == [("wrong", cause)]
    right = derive.problem("mlp-grad", layers="5,7,4,3", hidden="sigmoid", convention="XWT",
                           reduction="mean", names="yhat=A_3",
                           claims={"L": "-1/N * sum(Y * log(A_3))"})
    assert check(derive.solve(right))[0].verdict == "correct"


def test_seed_003_claims() -> None:
    found = verdicts("seed-003.toml")
    problem = "p2-numeric-backprop"
    not_right = {answer: verdict for (_, answer), (verdict, _) in found.items()
                 if verdict != "correct"}
    assert not_right == {"dl/dW^2": "rounding slip", "W_0^1 new": "rounding slip",
                         "W_0^2 new": "wrong", "dl/dW^1 (in the W^1 update)": "wrong",
                         "loss new": "wrong"}
    assert "H and Yhat were used as rounded" in found[(problem, "dl/dW^2")][1]
    assert "dl/dW_0^1 was used as rounded" in found[(problem, "W_0^1 new")][1]
    assert found[(problem, "dl/dW^1 (in the W^1 update)")][1].startswith(
        "dl/dH was used where the gradient of the pre-activation belongs")
    assert found[(problem, "dl/dH")][0] == "correct"
    assert found[(problem, "W_0^2 new")][1] == ("the learning rate was not applied to W_0^2 "
                                                "(taken as 1)")


@pytest.mark.parametrize("truth, claim, verdict", [
    (0.98531, Decimal("0.985"), "correct"), (0.98531, Decimal("0.986"), "wrong"),
    (0.98531, Decimal("0.99"), "correct"), (0.98531, Decimal("0.980"), "wrong"),
    (6585, 6585, "correct"), (6585, Decimal("6585.0"), "correct"), (6585, 6584, "wrong"),
    ([0.5, 1.25], (Decimal("0.5"), Decimal("1.25")), "correct"),
    ([0.5, 1.25], (Decimal("0.5"),), "wrong"),
    (0.98531, Decimal("0.987"), "wrong"),  # two units from 0.985: more than a slip
    (0.6657, Decimal("2"), "wrong"), (0.6657, Decimal("-1"), "wrong"),  # no decimals
    (0.6657, Decimal("1"), "wrong"), (0.6657, Decimal("0.7"), "wrong"),  # too few digits
    (0.6657, Decimal("0.67"), "correct"), (0.5, Decimal("0.5"), "correct"),  # exact
    ([0.62, 0.0031], (Decimal("0.62"), Decimal("0.003")), "correct"),  # the matrix's scale
    (0.0031, Decimal("0.003"), "wrong"),
    (1234.5, Decimal("1.2E+3"), "correct"), (1334.5, Decimal("1.2E+3"), "wrong"),
    (0.00004, Decimal("-0.0001"), "wrong"),  # the other sign is never a slip
    (0.98531, 0.98, "wrong"),  # a float claim keeps its written digits; off is wrong
])
def test_reals_are_judged_by_their_written_digits(truth, claim, verdict) -> None:
    assert compare(truth, claim) == verdict


def test_rtol_overrides_the_written_digits() -> None:
    assert compare(0.98531, Decimal("0.98"), rtol=0.01) == "correct"
    assert compare(0.98531, Decimal("0.9853"), rtol=1e-9) == "wrong"


def backprop_claims(**claims):
    problem = derive.problem("backprop", convention="XWT", x="1,2;0,1;2,1", label="0,1,1",
                             weights=["1,-1;0,2;1,1", "1,0,-1;2,1,0"], biases=["0,0,0", "0,0"],
                             lr="0.1", claims=claims)
    solution = derive.solve(problem)
    return solution, {v.answer: (v.verdict, v.cause) for v in check(solution)}


def test_the_catalogue_finds_each_cause_of_a_wrong_number() -> None:
    solution, _ = backprop_claims()
    answer = {key_text(key): np.asarray(value, dtype=float)
              for key, value in solution.answers.items() if not isinstance(value, str)}
    claims = {"dL/dW_2": -answer["dL/dW_2"], "dL/dW_1": answer["dL/dW_1"].T,
              "dL/db_2": 2 * answer["dL/db_2"].ravel(), "dL/dZ_2": 3 * answer["dL/dZ_2"],
              "W_2 new": answer["W_2 new"] + 0.1 * answer["dL/dW_2"],
              "W_1 new": answer["W_1 new"] - 0.1 * answer["dL/dW_1"]}
    _, found = backprop_claims(**{name: _decimal(value.tolist())
                                  for name, value in claims.items()})
    assert found["dL/dW_2"] == ("wrong", "the sign is flipped")
    assert found["dL/dW_1"] == ("wrong", "this is the transpose of the right answer")
    assert found["dL/db_2"] == ("wrong", "a factor 2 too many")
    assert found["dL/dZ_2"] == ("wrong", "a factor N too many")  # N = 3 rows
    assert found["W_2 new"] == ("wrong", "the update was not applied to W_2")
    assert found["W_1 new"] == ("wrong", "the step was applied twice to W_1")


def _decimal(value):
    if isinstance(value, list):
        return [_decimal(v) for v in value]
    return Decimal(f"{float(value):.12f}")  # twelve written decimals: judged that finely


def test_a_neighbouring_quantity_and_a_substituted_size() -> None:
    doubled = 30 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 + 1  # 512 read as 1024
    solution = derive.solve(derive.problem("params", layers="30,1024,512,1",
                                           claims={"weights": 557057, "total": doubled}))
    found = {v.answer: (v.verdict, v.cause) for v in check(solution)}
    assert found["weights"] == ("wrong", "this is the value of total, not of weights")
    assert found["total"][1].startswith("as if layers were (30, 1024, 1024, 1)")


@pytest.mark.parametrize("claim, cause", [
    ("(yhat - y) @ sigmoid(z_1)", "write sigma(z_1)^T, not sigma(z_1)"),
    ("-(yhat - y) @ sigmoid(z_1).T", "sign flipped"),
    ("2 * (yhat - y) @ sigmoid(z_1).T", "a factor 2 too many"),
])
def test_formula_causes(claim: str, cause: str) -> None:
    solution = derive.solve(derive.problem("mlp-grad", layers="5,4,3",
                                           claims={"dl/dW_2": claim}))
    (verdict,) = check(solution)
    assert verdict.verdict == "wrong" and cause in verdict.cause


def test_sigma_for_its_derivative_and_a_missing_log_are_found() -> None:
    solution = derive.solve(derive.problem("mlp-grad", layers="5,4,3", claims={
        "dl/db_1": "(W_2.T @ (yhat - y)) * sigmoid(z_1)"}))
    assert "sigma written for sigma'" in check(solution)[0].cause


def test_a_right_formula_in_other_words_is_correct() -> None:
    solution = derive.solve(derive.problem("mlp-grad", layers="5,4,3", convention="XW",
                                           claims={"dL/dW_1": "X.T @ (((1/N) * (Yhat - Y)) @ "
                                                              "W_2.T * relu(Z_1)*0 + ((1/N) * "
                                                              "(Yhat - Y) @ W_2.T) * sigmoid(Z_1)"
                                                              " * (1 - sigmoid(Z_1)))"}))
    assert check(solution)[0].verdict == "correct"


def test_check_command_exit_status_and_json(run_cli) -> None:
    status, out, _ = run_cli("check", str(EXAMPLES / "seed-002.toml"))
    assert status == 0 and "0 wrong" in out
    status, out, _ = run_cli("check", str(EXAMPLES / "seed-003.toml"), "--format", "json")
    data = json.loads(out)["claims"]
    assert status == 1 and {c["verdict"] for c in data} == {"correct", "rounding slip", "wrong"}
    assert all(set(c) >= {"verdict", "cause", "claimed", "correct"} for c in data)
    status, _, err = run_cli("check", str(EXAMPLES / "seed-002.toml"), "--strict")
    assert status == 0
    status, _, err = run_cli("check", "missing.toml")
    assert status == 2 and "Traceback" not in err


def test_marked_up_key_strikes_wrong_claims(run_cli) -> None:
    status, out, _ = run_cli("check", str(EXAMPLES / "seed-003.toml"), "--format", "markdown")
    assert status == 1 and "~~" in out and "learning rate was not applied" in out
    status, out, _ = run_cli("check", str(EXAMPLES / "seed-003.toml"), "--format", "latex")
    assert "\\struck{" in out


@pytest.mark.parametrize("args", [
    ["params", "--layers", "100,50,25,10", "--claim", "total=6585"],
    ["conv-size", "--input", "32x32", "--kernel", "3", "--claim", "output=30 x 30"],
    ["attention-params", "--d-model", "256", "--heads", "8", "--claim", "attention=263168"],
    ["loss", "--logits", "0.5,0.3,0.8", "--target", "0.3,0.6,0.1", "--loss", "mse",
     "--claim", "mse=0.62"],
    ["mlp-grad", "--layers", "4,3,2", "--claim", "dl/db_2=yhat - y"],
    ["backprop", "--x", "1,0", "--target", "0,1", "--weights", "1,0;0,1", "--claim",
     "loss=1.313"],
    ["graph", "x*y", "--at", "x=2,y=3", "--claim", "df/dx=3"],
    ["gd", "x1**2", "--x0", "1", "--lr", "0.5", "--claim", "lr 0.5 verdict=converged"],
])
def test_claim_works_on_every_kind(run_cli, args) -> None:
    status, out, err = run_cli(*args)
    assert status == 0, out + err
    assert "1 correct, 0 rounding slip, 0 wrong." in out


def test_an_unknown_answer_name_is_a_clear_error(run_cli) -> None:
    status, _, err = run_cli("params", "--layers", "4,3", "--claim", "totl=15")
    assert status == 2 and "claim 'totl': no such answer" in err


def test_the_api_check_can_be_called_twice() -> None:
    """Importing the checker must not rebind `derive.check` to a module."""
    solution = derive.solve(derive.problem("params", layers="4,3", claims={"total": 15}))
    assert [v.verdict for v in derive.check(solution)] == ["correct"]
    assert [v.verdict for v in derive.check(solution)] == ["correct"]
    assert callable(derive.check)


def test_a_negative_claim_of_a_loss_is_wrong_with_that_reason(run_cli) -> None:
    status, out, _ = run_cli("loss", "--logits", "0.1090,0.0534", "--label", "0", "--claim",
                             "ce=-0.67")
    assert status == 1 and "0 rounding slip, 1 wrong." in out
    assert "ce is never negative" in out and "sign flipped" in out
    _, out, _ = run_cli("loss", "--logits", "0.1090,0.0534", "--label", "0", "--claim", "ce=-1")
    assert "ce is never negative" in out and "sign flipped" not in out  # -1 is too coarse


@pytest.mark.parametrize("kind, fields, name", [
    ("params", {"layers": "4,3"}, "total"),
    ("gd", {"function": "x1**2", "x0": "1", "lr": "0.1"}, "lr 0.1 steps"),
    ("attention-params", {"d_model": "8", "heads": "2"}, "qkv"),
])
def test_counts_and_sizes_cannot_be_negative(kind, fields, name) -> None:
    solution = derive.solve(derive.problem(kind, **fields, claims={name: -3}))
    (verdict,) = check(solution)
    assert verdict.verdict == "wrong" and verdict.cause.startswith(f"{name} is never negative")


def test_a_coordinate_may_be_negative() -> None:
    solution = derive.solve(derive.problem("gd", function="x1**2", x0="-1", lr="0.1",
                                           claims={"lr 0.1 x": -5}))
    assert "cannot be negative" not in check(solution)[0].cause


@pytest.mark.parametrize("claim, cause", [
    ("0", "0 is not 0.6657"),
    ("1", "too few digits: 1 keeps no significant digit; to 2 significant digits it is 0.67"),
    ("0.7", "too few digits: 0.7 keeps 1 significant digit"),
    ("0.33", "a factor 2 is missing"), ("1.3", "a factor 2 too many")])
def test_a_coarse_claim_is_matched_no_more_loosely_than_its_digits(run_cli, claim,
                                                                   cause) -> None:
    """ce = 0.6657: a cause must be a value the claim would be correct for (2 significant
    digits), so 0 is not 'a factor 2 missing' (0.33 rounded to units)."""
    status, out, _ = run_cli("loss", "--logits", "0.1090,0.0534", "--label", "0", "--claim",
                             f"ce={claim}")
    assert status == 1 and cause in out, out
    assert claim != "0" or "factor" not in out


def test_the_new_loss_of_seed_003_says_what_is_known() -> None:
    cause = verdicts("seed-003.toml")[("p2-numeric-backprop", "loss new")][1]
    assert cause.startswith("0.1 is not 0.3421 (loss new, the loss after the step")
