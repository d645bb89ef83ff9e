"""`softmax-ce`: the proof that d L / d h_i = P(y = i) - y_i for softmax with cross-entropy.

The two cases of dP(y = j)/dh_i (j = i and j != i) come from the quotient rule, then the
chain rule sums over j and the sum collapses because the target sums to 1. SymPy checks
every identity exactly on `classes` explicit classes (seed 002, T4). With `logits` and
`target` the proof is followed by the numbers: p, L and dL/dh
(`derive.problems.softmax_ce_numbers`). `names` renames the logits and the target
(``h=z,y=t``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sympy
from sympy import IndexedBase

from derive import converters
from derive.answers import Answer, Answers, Key
from derive.errors import FieldError
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.problems.softmax_ce_numbers import steps_and_answers
from derive.solution import Formula, Solution, Step
from derive.symbolic.build import add, div, equalities, mul, neg, power
from derive.symbolic.matrices import Partial
from derive.symbolic.network import NAME
from derive.symbolic.outputs import softmax_ce_gradient, softmax_jacobian

MAX_CLASSES = 50  # every entry is a step
NAME_KEYS = ("h", "y")


def _names(value: Any, field_name: str) -> tuple[tuple[str, str], ...]:
    """'h=z,y=t' (or a table) -> (('h', 'z'), ('y', 't')): the logits' and target's names."""
    if isinstance(value, dict):
        pairs = [(str(k), str(v)) for k, v in value.items()]
    else:
        pairs = [tuple(part.split("=", 1)) if "=" in part else (part, "")  # type: ignore[misc]
                 for part in converters.text(value, field_name).split(",") if part.strip()]
    names = dict(zip(NAME_KEYS, NAME_KEYS, strict=True))
    for key, name in pairs:
        key, name = key.strip(), name.strip()
        if key not in NAME_KEYS:
            raise FieldError(field_name, f"unknown key {key!r}; use h (the logits) or y (the "
                             "target), e.g. h=z,y=t")
        if not NAME.fullmatch(name):
            raise FieldError(field_name, f"{key}={name!r} is not a name; use letters and "
                             "digits, e.g. h=z")
        names[key] = name
    return tuple(names.items())


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
    names: tuple[tuple[str, str], ...] = spec(
        _names, "names of the logits and the target: h=z,y=t", (("h", "h"), ("y", "y")))
    logits: tuple[Decimal, ...] | None = spec(converters.real_vector, "logits: 1.2,0.3,-0.5", None)
    target: tuple[Decimal, ...] | None = spec(
        converters.real_vector, "target distribution (one-hot or soft): 0,1,0", None)
    classes: int = spec(converters.bounded_int(2, 8), "classes in the exact checks (2 to 8)", 3)

    def validate(self) -> None:
        if (self.logits is None) != (self.target is None):
            raise FieldError("target" if self.target is None else "logits",
                             "give both logits and target for the numbers, or neither")
        if self.logits is None or self.target is None:
            return
        if not 2 <= len(self.logits) <= MAX_CLASSES:
            raise FieldError("logits", f"{len(self.logits)} logits; give 2 to {MAX_CLASSES}")
        if len(self.target) != len(self.logits):
            raise FieldError("target", f"{len(self.target)} entries for {len(self.logits)} "
                             "logits; give one per class")
        total = sum(self.target, Decimal(0))
        if any(v < 0 for v in self.target) or abs(total - 1) > Decimal("1e-6"):
            raise FieldError("target", "is not a distribution (entries >= 0 summing to 1)")

    @property
    def logits_name(self) -> str:
        return dict(self.names)["h"]

    @property
    def target_name(self) -> str:
        return dict(self.names)["y"]


def solve(problem: Problem) -> Solution:
    """Definitions, the two cases of the softmax derivative, the chain rule, the collapse."""
    h, y = IndexedBase(problem.logits_name), IndexedBase(problem.target_name)
    label = sympy.Symbol(problem.target_name)
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
             f"cross-entropy; the target sums to 1 (one-hot: {problem.target_name}_j = 1 for "
             "the true class, 0 otherwise)"),
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
             f"chain rule: d(log p)/d{problem.logits_name} = (1/p) dp/d{problem.logits_name}, "
             "split into j = i and j != i, then "
             f"sum_j {problem.target_name}_j = 1", check=softmax_ce_gradient(problem.classes)),
    ]
    notes = (f"each identity checked exactly with SymPy for {problem.classes} classes",)
    answers = [Answer(Key.derivative("L", f"{problem.logits_name}_i"), Formula(
        add(p[i], neg(y[i])), None, steps[-1].check, Partial(loss, h[i])))]
    if problem.logits is not None and problem.target is not None:
        shown, numbers = steps_and_answers(problem.logits, problem.target, problem.logits_name,
                                           problem.target_name)
        steps += shown
        answers += numbers
    return Solution(problem, tuple(steps), Answers(answers), notes=notes)
