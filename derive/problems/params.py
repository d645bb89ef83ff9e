"""`params`: parameter count of a fully connected network, per layer and in total."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from derive import converters
from derive.answers import Answers, Key
from derive.errors import VerificationError
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.solution import Solution, Step
from derive.symbolic.build import add, eq, mul, value_of


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """Widths of a fully connected network, input first, e.g. 100,50,25,10."""

    kind = "params"
    layers: tuple[int, ...] = spec(
        converters.layer_widths, "widths, input first, e.g. 100,50,25,10")
    bias: bool = spec(converters.boolean, "whether every layer has a bias vector", True)

    def estimated_seconds(self) -> float:
        """Solving and rendering time (measured here): linear in the depth."""
        return 0.005 + 0.0005 * len(self.layers)


def layer_count(n_in: sympy.Symbol, n_out: sympy.Symbol, bias: bool) -> sympy.Expr:
    """Weights n_in * n_out, plus n_out biases."""
    return add(mul(n_in, n_out), n_out) if bias else mul(n_in, n_out)


def _exact(expr: sympy.Expr, given: dict[sympy.Symbol, int], expected: int) -> int:
    """Check the formula's exact value against the plain-integer count."""
    value = int(value_of(expr, given))
    if value != expected:  # the two routes must agree; a mismatch is a bug
        raise VerificationError(f"params: formula gives {value}, direct count {expected}")
    return value


def solve(problem: Problem) -> Solution:
    """Count weights and biases layer by layer, then add them up."""
    widths = problem.layers
    n = sympy.symbols(f"n_0:{len(widths)}", integer=True, positive=True)
    given = dict(zip(n, widths, strict=True))
    steps, per_layer = [], []
    for layer in range(1, len(widths)):
        formula = layer_count(n[layer - 1], n[layer], problem.bias)
        direct = widths[layer - 1] * widths[layer] + (widths[layer] if problem.bias else 0)
        count = _exact(formula, given, direct)
        per_layer.append(count)
        biases = f"{widths[layer]} bias" + ("es" if widths[layer] > 1 else "")
        why = (f"layer {layer}: W_{layer} is {widths[layer - 1]} x {widths[layer]} "
               "(one weight per connection)" + (f", plus {biases}" if problem.bias
                                                 else ", no bias"))
        steps.append(Step(eq(sympy.Symbol(f"P_{layer}"), formula), why,
                          value=count, check=0.0,
                          given={n[layer - 1]: widths[layer - 1], n[layer]: widths[layer]}))
    terms = [layer_count(n[i - 1], n[i], problem.bias) for i in range(1, len(n))]
    total_formula = add(*(arg for term in terms for arg in (term.args if problem.bias else [term])))
    total = _exact(total_formula, given, sum(per_layer))
    steps.append(Step(eq(sympy.Symbol("P"), total_formula),
                      "total: the sum of every layer's weights and biases",
                      value=total, check=0.0, given=given))
    weights = sum(a * b for a, b in zip(widths, widths[1:], strict=False))
    answers: dict[Any, Any] = {"total": total, "per_layer": per_layer, "weights": weights,
                               "biases": total - weights}
    for layer in range(1, len(widths)):
        answers[Key(f"P_{layer}")] = per_layer[layer - 1]
        answers[Key(f"W_{layer}", aspect="count")] = widths[layer - 1] * widths[layer]
        answers[Key(f"b_{layer}", aspect="count")] = widths[layer] if problem.bias else 0
    return Solution(problem, tuple(steps), Answers.from_values(answers, nonnegative=True))
