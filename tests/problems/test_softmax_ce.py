"""`softmax-ce`: the proof's identities hold exactly, and its result matches autograd."""

from __future__ import annotations

import numpy as np
import pytest

import derive
from derive.render.printing import tex, text


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_every_step_is_checked_exactly(classes: int) -> None:
    solution = derive.solve(derive.problem("softmax-ce", classes=classes))
    checked = [step for step in solution.steps if step.check is not None]
    assert len(checked) == 3 and all(step.check == 0 for step in checked)
    answer = solution.answers["dL/dh_i"]
    assert text(answer.expr) == "P(y = i) − yᵢ" and tex(answer.expr) == "P(y = i) - {y}_{i}"


def test_both_cases_of_the_softmax_derivative_are_shown() -> None:
    shown = derive.render(derive.solve(derive.problem("softmax-ce")), "text")
    assert "∂P(y = i)/∂hᵢ" in shown and "= P(y = i)·(1 − P(y = i))" in shown
    assert "= −P(y = j)·P(y = i)" in shown and "Σⱼ≠ᵢ (" in shown


def test_the_result_equals_autograd_for_a_soft_target() -> None:
    torch = pytest.importorskip("torch")
    h = torch.tensor([0.3, -1.2, 2.0, 0.5], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    (-(y * torch.log_softmax(h, 0)).sum()).backward()
    p = np.exp(h.detach().numpy()) / np.exp(h.detach().numpy()).sum()
    np.testing.assert_allclose(h.grad.numpy(), p - y.numpy(), rtol=1e-12)  # P(y = i) - y_i


def test_own_names_are_used(run_cli) -> None:
    status, out, _ = run_cli("softmax-ce", "--names", "h=z,y=t")
    assert status == 0 and "dL/dz_i = P(t = i) − tᵢ" in out


@pytest.mark.parametrize("args, field", [(["--classes", "1"], "classes"),
                                         (["--classes", "99"], "classes"),
                                         (["--names", "h=h(x)"], "names"),
                                         (["--names", "q=z"], "names"),
                                         (["--logits", "z"], "logits"),
                                         (["--logits", "1,2"], "target"),
                                         (["--logits", "1,2", "--target", "1"], "target"),
                                         (["--logits", "1,2", "--target", "1,1"], "target")])
def test_bad_input_names_the_field(run_cli, args, field) -> None:
    status, out, err = run_cli("softmax-ce", *args)
    assert status == 2 and out == "" and field in err and "Traceback" not in err


@pytest.mark.parametrize("logits, target", [([1.2, 0.3, -0.5], [0, 1, 0]),
                                            ([0.3, -1.2, 2.0, 0.5], [0.1, 0.2, 0.3, 0.4]),
                                            ([1000.0, -1000.0], [0.0, 1.0])])
def test_numbers_equal_torch(logits, target) -> None:
    torch = pytest.importorskip("torch")
    h = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(target, dtype=torch.float64)
    loss = torch.nn.functional.cross_entropy(h[None], y[None])
    loss.backward()
    answers = derive.solve(derive.problem("softmax-ce", logits=logits, target=target)).answers
    np.testing.assert_allclose(answers["p"], torch.softmax(h, 0).detach().numpy(), rtol=1e-12)
    assert answers["L"] == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(answers["dL/dh"], h.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_numbers_from_the_cli_with_names(run_cli) -> None:
    status, out, _ = run_cli("softmax-ce", "--logits", "1.2,0.3,-0.5", "--target", "0,1,0",
                             "--names", "h=z", "--claim", "L=1.363", "--claim", "dL/dz=.6292,"
                             "-.7442,.1149", "--claim", "L=0.2558")
    assert status == 1 and out.count("correct") >= 3
    assert "the log and the minus sign are missing" in out
