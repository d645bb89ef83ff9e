"""One update rule per optimizer: `iterate` steps an optimizer lazily, and gd's `descend` runs
torch's SGD(lr=eta) through it (iterates equal torch.optim.SGD's; torch's fused
multiply-add may differ in the last bit)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from derive.numeric import descent
from derive.numeric.optim import rules
from derive.numeric.optim.run import iterate
from derive.numeric.optim.specs import parse_optimizer

A = np.array([[3.0, 1.0], [1.0, 2.0]])


def f(x: Any) -> float:
    return float(0.5 * x @ A @ x + x[0])


def gradient(x: Any) -> Any:
    return A @ x + np.array([1.0, 0.0])


def test_iterate_is_lazy_and_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rule = rules.rule_for(parse_optimizer("Adam(lr=0.1, amsgrad=True)"))
    run = iterate(rule, f, gradient, [1.0, -2.0], itertools.repeat(0.1))  # no end
    records = list(itertools.islice(run, 6))
    p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    adam = torch.optim.Adam([p], lr=0.1, amsgrad=True)
    for record in records[1:]:
        p.grad = torch.from_numpy(gradient(p.detach().numpy()))
        adam.step()
        assert record.x.tolist() == pytest.approx(p.detach().tolist(), rel=1e-13)
        assert record.slope is not None
        assert record.slope.tolist() == gradient(record.x).tolist()


def test_descend_steps_through_the_sgd_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    calls = []

    def counted(*args: Any) -> Any:
        calls.append(args[4])  # the learning rate
        return rules._sgd(*args)

    monkeypatch.setitem(rules._STEPS, "SGD", counted)
    trace = descent.descend(f, gradient, [1.0, -2.0], 0.3, 1e-9, 7, stop=False)
    assert calls == [0.3] * 7 and len(trace.points) == 8
    p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    sgd = torch.optim.SGD([p], lr=0.3)
    for point in trace.points[1:]:
        p.grad = torch.from_numpy(gradient(p.detach().numpy()))
        sgd.step()
        assert point.tolist() == pytest.approx(p.detach().tolist(), rel=1e-13)


def test_descend_keeps_its_verdicts() -> None:
    assert descent.descend(f, gradient, [1.0, -2.0], 0.3, 1e-9, 1000).verdict == "converged"
    assert descent.descend(f, gradient, [1.0, -2.0], 1.0, 1e-9, 1000).verdict == "diverged"
    square = descent.descend(lambda x: float(x @ x), lambda x: 2 * x, [1.0], 1.0, 1e-9, 100)
    assert square.verdict == "oscillating" and len(square.points) == 2
    capped = descent.descend(f, gradient, [1.0, -2.0], 0.01, 1e-12, 5)
    assert capped.verdict == "stopped" and len(capped.points) == 6
