"""optimize's update equations read in the textbook order (the order torch.optim's
documentation writes them), in text and LaTeX."""

from __future__ import annotations

import pytest
import sympy

from derive.numeric.optim.specs import parse_optimizer
from derive.problems.optimize_equations import equations
from derive.render.printing import tex

T = sympy.Symbol("t")


def _rules(text: str, form: str = "torch") -> dict[str, str]:
    return {e.name: tex(e.rhs(T)) for e in equations(parse_optimizer(text), form)}


@pytest.mark.parametrize(("optimizer", "form", "name", "expected"), [
    ("SGD(lr=0.1, momentum=0.9, dampening=0.5)", "torch", "b",
     r"\mu b_{t - 1} + \left(1 - \tau\right) g_{t}"),
    ("SGD(lr=0.1, momentum=0.9)", "cs231n", "x", r"x_{t - 1} + v_{t}"),
    ("SGD(lr=0.1, momentum=0.9, nesterov=True)", "cs231n", "x",
     r"x_{t - 1} - \mu v_{t - 1} + \left(1 + \mu\right) v_{t}"),
    ("Adam(weight_decay=0.1)", "torch", "g",
     r"\nabla f{\left(x_{t - 1} \right)} + \lambda x_{t - 1}"),
    ("Adam()", "torch", "m", r"\beta_{1} m_{t - 1} + \left(1 - \beta_{1}\right) g_{t}"),
    ("Adam()", "torch", "v", r"\beta_{2} v_{t - 1} + \left(1 - \beta_{2}\right) g_{t}^{2}"),
    ("Adam()", "torch", "x",
     r"x_{t - 1} - \frac{\eta_{t} \hat{m}_{t}}{\sqrt{\hat{v}_{t}} + \epsilon}"),
    ("AdamW(weight_decay=0.1)", "torch", "x", r"x_{t - 1} - \eta_{t} \lambda x_{t - 1} - "
     r"\frac{\eta_{t} \hat{m}_{t}}{\sqrt{\hat{v}_{t}} + \epsilon}"),
    ("RMSprop(centered=True)", "torch", "gbar",
     r"\alpha \bar{g}_{t - 1} + \left(1 - \alpha\right) g_{t}"),
    ("Adagrad(lr_decay=0.1)", "torch", "lrdecay",
     r"\frac{\eta_{t}}{1 + \left(t - 1\right) \delta}"),
    ("Adagrad(lr_decay=0.1)", "torch", "x",
     r"x_{t - 1} - \frac{\tilde{\eta}_{t} g_{t}}{\sqrt{G_{t}} + \epsilon}"),
])
def test_textbook_order(optimizer: str, form: str, name: str, expected: str) -> None:
    assert _rules(optimizer, form)[name] == expected


def test_equations_keep_their_values() -> None:
    """Unevaluated sums and products still evaluate to the update they state."""
    rule = {e.name: e for e in equations(parse_optimizer("SGD(momentum=0.9, dampening=0.5)"),
                                         "torch")}
    mu, tau = sympy.Symbol(r"\mu"), sympy.Symbol(r"\tau")
    b = rule["b"].rhs(T)
    g_t, b_last = sympy.Symbol("g_{t}"), sympy.Symbol("b_{t - 1}")
    assert sympy.simplify(b - (mu * b_last + (1 - tau) * g_t)) == 0
