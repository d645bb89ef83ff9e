"""`mlp-grad`: the gradient of the loss for every weight and bias of a fully connected network.

The derivation is planned rule by rule (`derive.symbolic.backprop`) in the course's
convention and names; every formula is checked against finite differences on the same
network at small sizes before it is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from derive import fields as conv
from derive.errors import FieldError
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.solution import Solution
from derive.symbolic import backprop
from derive.symbolic.activations import ACTIVATIONS
from derive.symbolic.conventions import CONVENTIONS
from derive.symbolic.instance import instantiate, small_widths
from derive.symbolic.network import SymbolicNetwork, parse_names
from derive.symbolic.outputs import PAIRS

DEFAULT_LOSS = {output: loss for output, loss in PAIRS}
MAX_DEPTH = 100


def _names(value: Any, name: str) -> tuple[tuple[str, str], ...]:
    return tuple(parse_names(value, name).items())


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """A fully connected network, its activations, output and loss, and the convention."""

    kind = "mlp-grad"
    layers: tuple[int, ...] = spec(conv.layer_widths, "widths, input first: 3072,256,10")
    hidden: tuple[str, ...] = spec(conv.choice_list(*ACTIVATIONS),
                                   "hidden activation, one for all or one per hidden layer",
                                   ("sigmoid",))
    output: str = spec(conv.choice(*DEFAULT_LOSS), "output layer: softmax, sigmoid, identity",
                       "softmax")
    loss: str | None = spec(conv.choice("ce", "bce", "mse"),
                            "loss: ce, bce or mse (default: the output's own)", None)
    half_mse: bool = spec(conv.boolean, "MSE with the factor 1/2", False)
    convention: str = spec(conv.choice(*CONVENTIONS), "Wx, WTx, XWT or XW", "Wx")
    reduction: str = spec(conv.choice("mean", "sum"), "over the batch (row conventions)", "mean")
    slope: Decimal = spec(conv.real_number, "slope of leaky_relu for z < 0", Decimal("0.01"))
    names: tuple[tuple[str, str], ...] = spec(_names, "symbol names: W=W^,b=c,z=A/B", ())
    seed: int = spec(conv.nonnegative_int, "seed of the check's random values", 0)

    def validate(self) -> None:
        depth = len(self.layers) - 1
        if depth > MAX_DEPTH:
            raise FieldError("layers", f"{depth} layers; at most {MAX_DEPTH} are derived")
        if len(self.hidden) not in (1, depth - 1) and depth > 1:
            raise FieldError("hidden", f"{len(self.hidden)} activations for {depth - 1} hidden "
                             "layers; give one for all or one per hidden layer")
        if (self.output, self.chosen_loss) not in PAIRS:
            pairs = ", ".join(f"{out} with {loss}" for out, loss in PAIRS)
            raise FieldError("loss", f"{self.output} output with {self.chosen_loss} loss is not "
                             f"supported; use {pairs}")
        if self.output == "softmax" and self.layers[-1] < 2:
            raise FieldError("layers", "softmax needs at least 2 outputs; use --output sigmoid "
                             "--loss bce for one output")
        if self.half_mse and self.chosen_loss != "mse":
            raise FieldError("half_mse", "only applies to the mse loss")
        if not 0 <= self.slope < 1:
            raise FieldError("slope", "leaky_relu's slope must be in [0, 1)")
        network = self.network()
        for layer in range(1, depth + 1):  # every layer's names resolve, or a FieldError says why
            network.W(layer), network.b(layer), network.z(layer), network.a(layer - 1)

    @property
    def chosen_loss(self) -> str:
        return self.loss or DEFAULT_LOSS[self.output]

    def hidden_rules(self) -> list[Any]:
        depth = len(self.layers) - 1
        names = self.hidden * (depth - 1) if len(self.hidden) == 1 else self.hidden
        return [ACTIVATIONS[name] for name in names[: depth - 1]]

    def network(self) -> SymbolicNetwork:
        return SymbolicNetwork(CONVENTIONS[self.convention], self.layers, dict(self.names))


def solve(problem: Problem) -> Solution:
    """Forward definitions, local derivatives, chain rule, backward recursion, each checked."""
    net = problem.network()
    hidden = problem.hidden_rules()
    pair = PAIRS[(problem.output, problem.chosen_loss)]
    reduction = problem.reduction if net.convention.rows else "sum"
    instance = instantiate(net, hidden, pair, float(problem.slope), problem.half_mse, reduction,
                           problem.seed)
    plan = backprop.Plan(net, hidden, pair, problem.half_mse, reduction, float(problem.slope),
                         instance)
    backprop.forward_steps(plan)
    backprop.local_steps(plan)
    backprop.chain_steps(plan)
    answers = backprop.backward_steps(plan)
    sizes = "-".join(map(str, small_widths(problem.layers)))
    notes = [f"convention {net.convention.name}",
             f"every formula checked against central finite differences on the same network "
             f"at sizes {sizes}" + (f" with a batch of {instance.X.shape[0]}"
                                    if net.convention.rows else ""),
             "ReLU'(0) is taken as 0" if any(r.name == "relu" for r in hidden) else ""]
    if net.depth > backprop.EXPANDED_DEPTH:
        notes.append("answers are written with the deltas of the backward recursion")
    return Solution(problem, tuple(plan.steps), answers, notes=tuple(n for n in notes if n))
