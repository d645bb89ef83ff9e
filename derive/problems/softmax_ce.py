"""`softmax-ce`: the proof that d L / d h_i = P(y = i) - y_i for softmax with cross-entropy.

The two cases of dP(y = j)/dh_i (j = i and j != i) come from the quotient rule, then the
chain rule sums over j and the sum collapses because the target sums to 1. SymPy checks
every identity exactly on `classes` explicit classes (seed 002, T4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy
from sympy import IndexedBase

from derive import fields as conv
from derive.answers import Answers
from derive.errors import FieldError
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.solution import Formula, Solution, Step
from derive.symbolic.build import add, div, equalities, mul, neg, power
from derive.symbolic.matrices import Partial
from derive.symbolic.network import NAME
from derive.symbolic.outputs import softmax_ce_gradient, softmax_jacobian


def _name(value: Any, field_name: str) -> str:
    text = conv.text(value, field_name).strip()
    if not NAME.fullmatch(text):
        raise FieldError(field_name, f"{text!r} is not a name; use letters and digits, e.g. h")
    return text


class Event(sympy.Expr):  # type: ignore[misc]
    """P(y = j): the probability the softmax gives class j."""

    is_commutative = True

    def _latex(self, printer: Any) -> str:
        return rf"P({printer._print(self.args[0])} = {printer._print(self.args[1])})"

    def _sympystr(self, printer: Any) -> str:
        return f"P({printer._print(self.args[0])} = {printer._print(self.args[1])})"


class SumExcept(sympy.Expr):  # type: ignore[misc]
    """sum over j != i of a term."""

    is_commutative = True

    def _latex(self, printer: Any) -> str:
        term, j, i = (printer._print(a) for a in self.args)
        return rf"\sum_{{{j} \neq {i}}} {term}"

    def _sympystr(self, printer: Any) -> str:
        term, j, i = (printer._print(a) for a in self.args)
        return f"sum_({j} != {i}) {term}"


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """The notation of the proof, and how many classes the exact checks use."""

    kind = "softmax-ce"
    logits: str = spec(_name, "name of the logits", "h")
    target: str = spec(_name, "name of the target (one-hot or any distribution)", "y")
    classes: int = spec(conv.bounded_int(2, 8), "classes in the exact checks (2 to 8)", 3)


def solve(problem: Problem) -> Solution:
    """Definitions, the two cases of the softmax derivative, the chain rule, the collapse."""
    h, y = IndexedBase(problem.logits), IndexedBase(problem.target)
    label = sympy.Symbol(problem.target)
    i, j, k = sympy.symbols("i j k", integer=True)
    C = sympy.Symbol("C", integer=True, positive=True)
    p = {index: Event(label, index) for index in (i, j)}
    total = sympy.Sum(sympy.exp(h[k]), (k, 1, C))
    loss = sympy.Symbol("L")
    jacobian = softmax_jacobian(problem.classes)
    diagonal = max(v for (a, b), v in jacobian.items() if a == b)
    off = max(v for (a, b), v in jacobian.items() if a != b)
    steps = [
        Step(equalities(p[j], div(sympy.exp(h[j]), total)), "softmax: the probability of class j"),
        Step(equalities(loss, neg(sympy.Sum(mul(y[j], sympy.log(p[j])), (j, 1, C)))),
             f"cross-entropy; the target sums to 1 (one-hot: {problem.target}_j = 1 for the true "
             "class, 0 otherwise)"),
        Step(equalities(Partial(p[i], h[i]),
                        div(add(mul(sympy.exp(h[i]), total), neg(power(sympy.exp(h[i]), 2))),
                            power(total, 2)),
                        mul(div(sympy.exp(h[i]), total), div(add(total, neg(sympy.exp(h[i]))),
                                                             total)),
                        mul(p[i], add(1, neg(p[i])))),
             "case j = i: quotient rule, the numerator's derivative is e^{h_i}", check=diagonal),
        Step(equalities(Partial(p[j], h[i]),
                        div(add(mul(0, total), neg(mul(sympy.exp(h[j]), sympy.exp(h[i])))),
                            power(total, 2)), neg(mul(p[j], p[i]))),
             "case j != i: the numerator e^{h_j} does not depend on h_i", check=off),
        Step(equalities(Partial(loss, h[i]),
                        neg(sympy.Sum(mul(div(y[j], p[j]), Partial(p[j], h[i])), (j, 1, C))),
                        add(neg(mul(div(y[i], p[i]), p[i], add(1, neg(p[i])))),
                            SumExcept(mul(div(y[j], p[j]), p[j], p[i]), j, i)),
                        add(neg(y[i]), mul(y[i], p[i]), mul(p[i], SumExcept(y[j], j, i))),
                        add(neg(y[i]), mul(p[i], sympy.Sum(y[j], (j, 1, C)))),
                        add(p[i], neg(y[i]))),
             "chain rule: d log p / d h = (1/p) dp/dh, split into j = i and j != i, then "
             f"sum_j {problem.target}_j = 1", check=softmax_ce_gradient(problem.classes)),
    ]
    notes = (f"each identity checked exactly with SymPy for {problem.classes} classes",)
    answers = {f"dL/d{problem.logits}_i": Formula(
        add(p[i], neg(y[i])), None, steps[-1].check, Partial(loss, h[i]))}
    return Solution(problem, tuple(steps), Answers.from_values(answers), notes=notes)
