"""The optimize and init commands: answers against torch, one-line refusals (exit 2), the plot."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., tuple[int, str, str]]


def test_optimize_answers_are_torchs(run_cli: Run) -> None:
    torch = pytest.importorskip("torch")
    code, out, _ = run_cli("optimize", "x1**2 + 10*x2**2", "--x0", "1,1", "--steps", "4",
                           "--optimizer", "Adam(lr=0.1, amsgrad=True, weight_decay=0.1)",
                           "--optimizer", "SGD(lr=0.05, momentum=0.9, nesterov=True)",
                           "--schedule", "CosineAnnealingLR(T_max=3)", "--format", "json")
    assert code == 0
    answers = json.loads(out)["answers"]
    p = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([p], lr=0.1, amsgrad=True, weight_decay=0.1)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=3)
    for t in range(1, 5):
        optimizer.zero_grad()
        (p[0] ** 2 + 10 * p[1] ** 2).backward()
        assert answers[f"optimizer 1 lr_{t}"] == pytest.approx(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
        assert answers[f"optimizer 1 x_{t}"] == pytest.approx(p.tolist(), rel=1e-12)
        state = optimizer.state[p]
        assert answers[f"optimizer 1 vmax_{t}"] == pytest.approx(
            state["max_exp_avg_sq"].tolist(), rel=1e-12)
        assert answers[f"optimizer 1 m_{t}"] == pytest.approx(state["exp_avg"].tolist(),
                                                              rel=1e-12)


@pytest.mark.parametrize("args, message", [
    (["--optimizer", "Adamax(lr=0.1)"], "unknown optimizer 'Adamax'; known: SGD, Adagrad"),
    (["--optimizer", "Adam(lr=0.1, momentum=0.9)"], "unknown argument 'momentum' of Adam"),
    (["--optimizer", "SGD(lr=0.1)", "--schedule", "OneCycleLR(max_lr=1)"],
     "unknown schedule 'OneCycleLR'; known: StepLR"),
    (["--optimizer", "SGD(lr=0.1)", "--steps", "201"], "steps"),
    (["--optimizer", "SGD(lr=0.1)"] * 9, "give 1 to 8 optimizer calls"),
    (["--optimizer", "SGD(lr=open('x'))"], "is not a number"),
    (["--optimizer", "Adam(lr=0.1, lr=0.2)"], "keyword argument 'lr' repeated in Adam(...)"),
    (["--optimizer", "SGD(lr=0.1, momentum=0.5, dampening=0.5)", "--momentum-form", "cs231n"],
     "CS231n's momentum has no dampening"),
])
def test_optimize_refusals(run_cli: Run, args: list[str], message: str) -> None:
    code, out, err = run_cli("optimize", "x1**2 + x2**2", "--x0", "1,1", *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_init_grouped_conv(run_cli: Run) -> None:
    torch = pytest.importorskip("torch")
    code, out, _ = run_cli("init", "--layer", "Conv2d(32, 64, 3, groups=4)", "--init",
                           "kaiming_uniform_(a=0, mode='fan_in', nonlinearity='relu')",
                           "--init", "default", "--format", "json")
    assert code == 0
    answers = json.loads(out)["answers"]
    weight = torch.nn.Conv2d(32, 64, 3, groups=4).weight
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(weight)
    assert (answers["fan_in"], answers["fan_out"]) == (fan_in, fan_out) == (72, 576)
    gain = torch.nn.init.calculate_gain("relu")
    assert answers["init 1 bound"] == pytest.approx(3 ** 0.5 * gain / fan_in ** 0.5, rel=1e-15)
    assert answers["init 2 bias bound"] == pytest.approx(1 / fan_in ** 0.5, rel=1e-15)


@pytest.mark.parametrize("args, message", [
    (["--layer", "LSTM(3, 4)"], "unknown layer 'LSTM'; known: Linear, Conv1d"),
    (["--layer", "Linear(3, 4)", "--init", "orthogonal_()"], "unknown init scheme 'orthogonal_'"),
    (["--layer", "Linear(3, 4)", "--init", "xavier_uniform_(gain=2, mode='fan_in')"],
     "unknown argument 'mode' of xavier_uniform_; known: gain"),
    (["--layer", "Conv2d(3, 4, 3, groups=2)"], "divisible by groups"),
])
def test_init_refusals(run_cli: Run, args: list[str], message: str) -> None:
    code, _, err = run_cli("init", *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_optimize_plot(run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("optimize", "x1**2 + 10*x2**2", "--x0", "1,1", "--steps", "5",
                           "--optimizer", "Adam(lr=0.1)", "--optimizer", "SGD(lr=0.05)",
                           "--plot", "paths.png", "-o", "key.md")
    assert code == 0, err
    assert (tmp_path / "paths.png").stat().st_size > 1000
    assert "paths.png" in (tmp_path / "key.md").read_text()
