"""optimize's written steps as a TA simplifies them (review of optimizers.pdf): no factor
(1 - 0) of a zero dampening, no eta/1 at Adagrad's first step, epsilon as torch's value (never
a rounded 0), no zero initial state multiplied out at t = 1, scalars bare in one dimension,
the StepLR factor with its base as written; every number still torch.optim's."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy

import derive
from derive.numeric.optim.schedules import rates
from derive.numeric.optim.specs import parse_optimizer, parse_schedule
from derive.problems.optimize_equations import equations
from derive.problems.optimize_tables import _closed_form
from derive.render.captions import caption_tex, caption_unicode
from derive.render.printing import tex, text

T = sympy.Symbol("t")


def _text(optimizer: str, function: str = "x1**2 + 10*x2**2", x0: str = "1,1",
          **fields: str) -> str:
    return derive.render(derive.solve(derive.problem(
        "optimize", function=function, x0=x0, optimizer=optimizer, steps=2, **fields)), "text")


def _rule(optimizer: str, name: str) -> str:
    return {e.name: text(e.rhs(T)) for e in equations(parse_optimizer(optimizer), "torch")}[name]


def test_no_dampening_writes_no_factor_one() -> None:
    assert _rule("SGD(momentum=0.9)", "b") == "μ·b_(t − 1) + gₜ"
    assert _rule("SGD(momentum=0.9, dampening=0.5)", "b") == "μ·b_(t − 1) + (1 − τ)·gₜ"
    written = _text("SGD(lr=0.05, momentum=0.9)")
    assert "(1 − 0)" not in written
    # b_2 = 0.9 b_1 + g_2 with b_1 = g_1 = (2, 20) and g_2 = 2 x_1 etc., x_1 = x_0 - 0.05 b_1
    assert "b₂ = μ·b₁ + g₂ = 0.9·[2, 20] + [1.8, 0] = [3.6, 18]" in written


def test_first_step_remark_only_where_the_rule_is_stated_and_at_t_1() -> None:
    written = _text("SGD(lr=0.05, momentum=0.9)")
    assert "torch's momentum buffer; its first step is b₁ = g₁ (no dampening)" in written
    assert "t = 1: torch's first step sets b₁ = g₁" in written
    assert "t = 2: torch's momentum buffer\n" in written


def test_adagrad_first_rate_and_epsilon() -> None:
    written = _text("Adagrad(lr=0.5, lr_decay=0.1)")
    assert "η̃₁ = η₁ = 0.5" in written and "/1 " not in written
    assert "η̃₂ = η₂/(1 + δ) = 0.5/(1 + 0.1) = 0.4545" in written
    assert "+ 1e-10)" in written and "+ 0)" not in written  # torch's eps, not rounded away
    latex = derive.render(derive.solve(derive.problem(
        "optimize", function="x1**2 + 10*x2**2", x0="1,1",
        optimizer="Adagrad(lr=0.5, lr_decay=0.1)", steps=2)), "latex")
    assert r"+ 1 \times 10^{-10}}" in latex


def test_adagrad_without_decay_has_no_decayed_rate() -> None:
    names = [e.name for e in equations(parse_optimizer("Adagrad(lr=0.5)"), "torch")]
    assert names == ["g", "G", "x"]
    assert _rule("Adagrad(lr=0.5)", "x") == "x_(t − 1) − ηₜ·gₜ/(sqrt(Gₜ) + ε)"
    assert "ε" not in _rule("Adagrad(lr=0.5, eps=0)", "x")


def test_zero_initial_states_are_not_multiplied_out() -> None:
    written = _text("Adam(lr=0.1)")
    assert "t = 1: the first moment (exp_avg); m₀ = 0\n       m₁ = (1 − β₁)·g₁ = " \
        "(1 − 0.9)·[2, 20] = [0.2, 2]" in written
    assert "0.9·[0, 0]" not in written and "0.999·[0, 0]" not in written
    assert "m₂ = β₁·m₁ + (1 − β₁)·g₂" in written  # from t = 2 the rule is whole
    rmsprop = _text("RMSprop(lr=0.01, momentum=0.5, centered=True)")
    assert "0.5·[0, 0]" not in rmsprop and "b₁ = g₁/(sqrt(" in rmsprop
    adagrad = _text("Adagrad(lr=0.5)")  # a zero accumulator: G_1 = g_1^2
    assert "G₁ = g₁² = [2, 20]² = [4, 400]" in adagrad


def test_one_variable_is_written_as_numbers() -> None:
    written = _text("SGD(lr=0.1, momentum=0.9)", "x**2", "1", momentum_form="cs231n"
                    ).replace("−", "-")  # whichever minus a negative value prints with
    assert "v₁ = -η₁·g₁ = -0.1·2 = -0.2" in written
    assert "x₁ = x₀ + v₁ = 1 + (-0.2) = 0.8" in written
    assert "∇f = 2·x" in written and not re.search(r"\[-?\d", written)
    assert "xₜ = (x)" not in written and " xₜ " in written
    solution = derive.solve(derive.problem("optimize", function="x**2", x0="1",
                                           optimizer="SGD(lr=0.1, momentum=0.9)", steps=3,
                                           momentum_form="cs231n"))
    assert isinstance(solution.answers["x_2"], float)
    assert solution.answers["x_2"] == pytest.approx(0.46)
    assert solution.answers["v_2"] == pytest.approx(-0.34)


def test_one_variable_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    solution = derive.solve(derive.problem("optimize", function="x**2", x0="1",
                                           optimizer="Adam(lr=0.1)", steps=3))
    p = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([p], lr=0.1, foreach=False)
    for t in range(1, 4):
        optimizer.zero_grad()
        (p ** 2).sum().backward()
        optimizer.step()
        assert solution.answers[f"x_{t}"] == pytest.approx(p.item(), rel=1e-12)
        assert solution.answers[f"m_{t}"] == pytest.approx(
            optimizer.state[p]["exp_avg"].item(), rel=1e-12)


@pytest.mark.parametrize(("call", "written"), [
    ("StepLR(step_size=2, gamma=0.5)", "0.5^floor((t − 1)/2)·η"),
    ("MultiStepLR(milestones=[2, 4], gamma=0.1)", "0.1^nₜ·η"),
    ("ExponentialLR(gamma=0.95)", "0.95^(t − 1)·η"),
])
def test_schedule_factor_keeps_its_base(call: str, written: str) -> None:
    form = _closed_form(parse_schedule(call), sympy.Symbol("t") - 1)
    assert text(form) == written


def test_step_lr_tex_and_values() -> None:
    form = _closed_form(parse_schedule("StepLR(step_size=2, gamma=0.5)"),
                        sympy.Symbol("t") - 1)
    assert tex(form) == r"{0.5}^{\left\lfloor{\frac{t - 1}{2}}\right\rfloor} \eta"
    eta = sympy.Symbol(r"\eta")
    values = [float(form.subs({eta: 0.1, T: t}).doit()) for t in range(1, 8)]
    expected = rates(parse_schedule("StepLR(step_size=2, gamma=0.5)"), 0.1, 7)
    assert np.allclose(values, expected, rtol=1e-15)
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([p], lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(7):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert np.allclose(values, lrs, rtol=1e-12)


def test_gbar_is_typeset() -> None:
    assert caption_tex("gbar_t") == r"$\bar{g}_{t}$"
    assert caption_unicode("gbar_t") == "g\u0304ₜ"
    solution = derive.solve(derive.problem(
        "optimize", function="x1**2 + 10*x2**2", x0="1,1",
        optimizer="RMSprop(centered=True)", steps=2))
    assert r"& $\bar{g}_{t}$ &" in derive.render(solution, "latex")
    assert "gbar_t" not in derive.render(solution, "text").split("Answers:")[0]
