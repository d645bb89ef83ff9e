"""`loss`: values equal closed forms (math) and PyTorch's functional losses."""

from __future__ import annotations

import math

import numpy as np
import pytest

import derive
import derive.errors

LOGITS, TARGET = [0.5, 0.3, 0.8], [0.3, 0.6, 0.1]


def solve(**fields):
    return derive.solve(derive.problem("loss", **fields)).answers


def test_seed_000_q1_2_values() -> None:
    answers = solve(logits="0.5,0.3,0.8", target="0.3,0.6,0.1", losses="mse,ce")
    assert answers["mse"] == pytest.approx(0.62, abs=1e-15)
    lse = math.log(sum(math.exp(z) for z in LOGITS))
    expected = -sum(y * (z - lse) for y, z in zip(TARGET, LOGITS, strict=False))
    assert answers["ce"] == pytest.approx(expected, rel=1e-12)
    assert round(answers["ce"], 4) == 1.2433  # positive: the seed's minus sign is wrong


def test_extreme_logits_stay_finite() -> None:
    answers = solve(logits="1000,-1000,0", label="1", losses="ce,bce")
    assert answers["ce"] == pytest.approx(2000.0)
    assert math.isfinite(answers["bce"])


def test_probs_route_equals_logits_route() -> None:
    exps = [math.exp(z) for z in LOGITS]
    probs = ",".join(repr(e / sum(exps)) for e in exps)
    from_probs = solve(probs=probs, target="0.3,0.6,0.1", losses="ce")["ce"]
    assert from_probs == pytest.approx(solve(logits=LOGITS, target=TARGET)["ce"], rel=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_batch_matches_torch(reduction: str) -> None:
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    z = [[2.0, -1.0, 0.5], [0.0, 3.0, -2.0], [1.5, 1.5, 1.5]]
    labels = [0, 1, 2]
    answers = solve(logits=z, label=labels, losses="ce,mse,bce", reduction=reduction)
    zt = torch.tensor(z, dtype=torch.float64)
    onehot = F.one_hot(torch.tensor(labels), 3).double()
    assert answers["ce"] == pytest.approx(F.cross_entropy(zt, torch.tensor(labels),
                                                          reduction=reduction).item(), rel=1e-12)
    assert answers["mse"] == pytest.approx(F.mse_loss(zt, onehot, reduction=reduction).item())
    assert answers["bce"] == pytest.approx(
        F.binary_cross_entropy_with_logits(zt, onehot, reduction=reduction).item(), rel=1e-12)


def test_soft_targets_match_torch() -> None:
    torch = pytest.importorskip("torch")
    answers = solve(logits=LOGITS, target=TARGET)
    expected = torch.nn.functional.cross_entropy(torch.tensor([LOGITS], dtype=torch.float64),
                                                 torch.tensor([TARGET], dtype=torch.float64))
    assert answers["ce"] == pytest.approx(expected.item(), rel=1e-12)


def test_wide_batch_is_written_with_sums() -> None:
    rng = np.random.default_rng(7)
    z = np.round(rng.normal(size=(12, 40)), 3)
    labels = rng.integers(0, 40, size=12)
    solution = derive.solve(derive.problem("loss", logits=z.tolist(), label=labels.tolist(),
                                           losses="ce,mse"))
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert solution.answers["ce"] == pytest.approx(-log_p[range(12), labels].mean(), rel=1e-12)
    onehot = np.eye(40)[labels]
    assert solution.answers["mse"] == pytest.approx(((z - onehot) ** 2).sum(), rel=1e-12)
    text = derive.render(solution, "text")
    assert "Σᵢ₌₁..40 (" in text and "z₄₀" not in text and len(text) < 20_000


def test_every_term_is_shown(run_cli) -> None:
    status, out, _ = run_cli("loss", "--logits", "0.5,0.3,0.8", "--target", "0.3,0.6,0.1",
                             "--loss", "mse")
    assert status == 0 and "(0.5 − 0.3)² + (0.3 − 0.6)² + (0.8 − 0.1)² = 0.62" in out


@pytest.mark.parametrize("args, field", [
    (["--logits", "1,2,3", "--target", "0.5,0.5"], "target"),
    (["--logits", "1,2,3", "--target", "0.5,0.6,0.1"], "target"),
    (["--logits", "1,2,3", "--label", "3"], "label"),
    (["--logits", "1,2,3", "--label", "0,1"], "label"),
    (["--probs", "0.5,0.6", "--label", "0"], "probs"),
    (["--logits", "1,x", "--label", "0"], "logits"),
    (["--label", "0"], "logits"),
    (["--logits", "1,2", "--probs", "0.5,0.5", "--label", "0"], "logits"),
    (["--logits", "1,2", "--label", "0", "--loss", "hinge"], "losses"),
    (["--logits", "1,2;3", "--label", "0,1"], "logits"),
])
def test_bad_input_names_the_field(run_cli, args: list[str], field: str) -> None:
    status, out, err = run_cli("loss", *args)
    assert status == 2 and out == "" and field in err and err.count("\n") == 1


def test_a_batch_has_a_maximum() -> None:
    rows = ";".join(["0.5,0.5"] * 1001)
    with pytest.raises(derive.errors.InputError, match="'logits'.*at most 1000"):
        derive.problem("loss", logits=rows, label=",".join(["0"] * 1001))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_half_mse_is_half_of_torchs_mse(reduction: str) -> None:
    torch = pytest.importorskip("torch")
    z, y = [[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]], [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]
    answers = solve(logits=z, target=y, losses="mse", reduction=reduction, half_mse=True)
    full = torch.nn.functional.mse_loss(torch.tensor(z, dtype=torch.float64),
                                        torch.tensor(y, dtype=torch.float64),
                                        reduction=reduction).item()
    assert answers["mse"] == pytest.approx(full / 2, rel=1e-12)


def test_half_mse_from_the_cli_and_its_slip(run_cli) -> None:
    status, out, _ = run_cli("loss", "--probs", "0.2,0.8", "--target", "0,1", "--loss", "mse",
                             "--half-mse", "--claim", "mse=0.08")
    assert status == 1 and "0.04" in out and "the factor 1/2 is missing" in out
    status, out, err = run_cli("loss", "--logits", "1,2", "--label", "0", "--half-mse")
    assert status == 2 and "half_mse" in err and err.count("\n") == 1
