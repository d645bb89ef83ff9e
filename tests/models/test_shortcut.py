"""The conv-size shortcut (``conv k=5 p=2 out=6``) in summary: the rules' Conv2d/pools."""

from __future__ import annotations

import pytest

import derive


def test_summary_reads_the_shortcut_beside_pytorch_calls(run_cli) -> None:
    layers = ["conv k=5 p=2 out=6", "maxpool k=2", "Flatten()", "Linear(6*16*16, 10)"]
    solution = derive.solve(derive.problem("summary", input="3x32x32", layers=layers))
    written = derive.solve(derive.problem("summary", input="3x32x32", layers=[
        "Conv2d(3, 6, 5, padding=2)", "MaxPool2d(2)", "Flatten()", "Linear(6*16*16, 10)"]))
    assert dict(solution.answers) == dict(written.answers)
    assert solution.answers["total"] == 456 + 15370
    status, out, _ = run_cli("summary", "--input", "3x32x32", "--layer", "conv k=3 out=4")
    assert status == 0 and "4 × 30 × 30" in out


def test_shortcut_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.AvgPool2d(3, 2), nn.Conv2d(8, 4, 1))
    solution = derive.solve(derive.problem("summary", input="3x33x33", layers=[
        "conv k=3 s=2 p=1 out=8", "avgpool k=3 s=2", "conv k=1 out=4"]))
    x = torch.zeros(1, 3, 33, 33)
    for index, module in enumerate(model):
        x = module(x)
        assert solution.answers[f"shape of {index}"] == tuple(x.shape[1:])
    assert solution.answers["total"] == sum(p.numel() for p in model.parameters())


def test_a_bad_shortcut_is_a_one_line_error(run_cli) -> None:
    status, out, err = run_cli("summary", "--input", "3x8x8", "--layer", "conv k=3 z=1")
    assert status == 2 and "'z'" in err and err.count("\n") == 1
