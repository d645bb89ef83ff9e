"""`params`: parameter count of a fully connected network, per layer and in total.

A view on the layer rules: one `Linear` per consecutive pair of widths, counted by
`derive.models.count`; each step is the Linear rule's closed form with the widths named
n_{l-1}, n_l, checked against the rule's row.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from derive import converters
from derive.answers import Answer, Answers, Confusion, Key, Slip
from derive.errors import VerificationError
from derive.models import Input, Summary, count
from derive.models.linear import d_in, d_out, linear_count
from derive.models.nodes import Chain, Layer
from derive.models.registry import RULES
from derive.models.rules import bind
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.solution import Solution, Step
from derive.symbolic.build import add, eq, value_of


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
    """The Linear rule's count with the widths named n_{l-1}, n_l: n_in n_out (+ n_out)."""
    with sympy.evaluate(False):
        return linear_count({"in_features": 1, "out_features": 1, "bias": bias},
                            ()).formula.xreplace({d_in: n_in, d_out: n_out})


def network(widths: tuple[int, ...], bias: bool) -> Chain:
    """One Linear rule per consecutive pair of widths."""
    rule = RULES["Linear"]
    return Chain(tuple((str(i), Layer("Linear", bind(rule, (a, b), {"bias": bias}, f"layer {i}"),
                                      f"layer {i}"))
                       for i, (a, b) in enumerate(zip(widths, widths[1:], strict=False), 1)))


def solve(problem: Problem) -> Solution:
    """Count weights and biases layer by layer (the Linear rule), then add them up."""
    widths = problem.layers
    summary = count(network(widths, problem.bias), Input((widths[0],)))
    n = sympy.symbols(f"n_0:{len(widths)}", integer=True, positive=True)
    steps, per_layer = [], []
    for layer, row in enumerate(summary.rows, 1):
        assert row.count is not None
        formula = layer_count(n[layer - 1], n[layer], problem.bias)
        given = {n[layer - 1]: widths[layer - 1], n[layer]: widths[layer]}
        per_layer.append(row.n_params)
        biases = f"{widths[layer]} bias" + ("es" if widths[layer] > 1 else "")
        why = (f"layer {layer}: W_{layer} is {widths[layer - 1]} x {widths[layer]} "
               "(one weight per connection)" + (f", plus {biases}" if problem.bias
                                                 else ", no bias"))
        steps.append(Step(eq(sympy.Symbol(f"P_{layer}"), formula), why, value=row.n_params,
                          check=0.0, given=given))
    terms = [layer_count(n[i - 1], n[i], problem.bias) for i in range(1, len(n))]
    total_formula = add(*(arg for term in terms for arg in (term.args if problem.bias else [term])))
    total = int(value_of(total_formula, dict(zip(n, widths, strict=True))))
    if total != summary.total:  # the summed formula against the rules' rows
        raise VerificationError(f"params: formula gives {total}, the rules {summary.total}")
    steps.append(Step(eq(sympy.Symbol("P"), total_formula),
                      "total: the sum of every layer's weights and biases",
                      value=total, check=0.0, given=dict(zip(n, widths, strict=True))))
    return Solution(problem, tuple(steps), Answers(_answers(summary, per_layer, problem.bias)))


def _answers(summary: Summary, per_layer: list[int], bias: bool) -> list[Answer]:
    """The total (its weights-only value is the forgotten-biases slip), per layer P_l and
    the counts of W_l and b_l, the weights and biases."""
    weights = [entry.numel for row in summary.rows for entry in row.params
               if entry.name.endswith("weight")]
    forgot = (Confusion(sum(weights), Slip.OTHER, "the biases were left out"),) if bias else ()
    found = [Answer(Key("total"), summary.total, nonnegative=True, confusions=forgot),
             Answer(Key("per_layer"), per_layer, nonnegative=True),
             Answer(Key("weights"), sum(weights), nonnegative=True),
             Answer(Key("biases"), summary.total - sum(weights), nonnegative=True)]
    for layer, row in enumerate(summary.rows, 1):
        found.append(Answer(Key(f"P_{layer}"), row.n_params, nonnegative=True))
        sizes = {entry.name.rsplit(".", 1)[-1]: entry.numel for entry in row.params}
        found.append(Answer(Key(f"W_{layer}", aspect="count"), sizes["weight"], nonnegative=True))
        found.append(Answer(Key(f"b_{layer}", aspect="count"), sizes.get("bias", 0),
                            nonnegative=True))
    return found
