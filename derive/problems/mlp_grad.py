"""`mlp-grad`: the gradient of the loss for every weight and bias of a fully connected network.

The derivation is planned rule by rule (`derive.symbolic.gradient_plan`) in the course's
convention and names; every formula is checked against finite differences on the same
network at small sizes before it is kept.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from derive import converters
from derive.answers import Answer, Answers
from derive.problem import spec
from derive.problems.network import NetworkProblem
from derive.solution import Solution, shown_as_detail
from derive.symbolic import formulas, gradient_plan
from derive.symbolic.elementwise import elementwise_steps
from derive.symbolic.formula_samples import sampler
from derive.symbolic.instance import instantiate, small_widths
from derive.symbolic.loss_answer import loss_answer
from derive.symbolic.sizes import stand_ins

SHAPES = "the shape of every quantity and chain-rule factor the steps show (the steps)"


@dataclass(frozen=True, kw_only=True)
class Problem(NetworkProblem):
    """A fully connected network, its activations, output and loss, and the convention."""

    kind = "mlp-grad"
    layers: tuple[int | str, ...] = spec(
        converters.layer_sizes, "widths, input first: 3072,256,10, or letters: D,H,C")
    seed: int = spec(converters.nonnegative_int, "seed of the check's random values", 0)
    elementwise: bool = spec(converters.boolean, "also write each gradient entry by entry", False)

    @property
    def widths(self) -> tuple[int, ...]:
        """The numeric widths: a letter's random small stand-in (`derive.symbolic.sizes`)."""
        return stand_ins(self.layers)

    @property
    def given_widths(self) -> tuple[int | str, ...]:
        return self.layers


def solve(problem: Problem) -> Solution:
    """Forward definitions, local derivatives, chain rule, backward recursion, each checked."""
    model = problem.model()
    net, hidden, instance = model.net, model.hidden, instantiate(model, problem.seed)
    plan = gradient_plan.Plan(model, instance)
    gradient_plan.forward_steps(plan)
    gradient_plan.local_steps(plan)
    gradient_plan.chain_steps(plan)
    derived = gradient_plan.backward_steps(plan)
    exprs = {key: formula.expr for key, formula in derived.items()}
    answers = [Answer(key, dataclasses.replace(formula, sample=sampler(problem, exprs, key)))
               for key, formula in derived.items()]
    answers += [loss_answer(model, plan.steps), *(
        dataclasses.replace(shape, detail=SHAPES) for shape in gradient_plan.shape_answers(plan))]
    if problem.elementwise:
        plan.steps.extend(elementwise_steps(net, instance))
    sizes = "-".join(map(str, small_widths(problem.widths)))
    notes = [formulas.convention_note(net),
             f"every formula checked against central finite differences on the same network "
             f"at sizes {sizes}" + (f" with a batch of {instance.X.shape[0]}"
                                    if net.convention.rows else ""),
             "ReLU'(0) is taken as 0" if any(r.name == "relu" for r in hidden) else ""]
    if net.depth > gradient_plan.EXPANDED_DEPTH:
        notes.append("answers are written with the deltas of the backward recursion")
    return Solution(problem, tuple(plan.steps), shown_as_detail(
        Answers(answers), tuple(plan.steps), SHAPES),
                    notes=tuple(n for n in notes if n))
