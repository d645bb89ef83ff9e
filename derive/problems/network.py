"""Fields shared by the kinds that describe a fully connected network (not a kind itself).

Activations, output layer, loss, convention, batch reduction and names: `mlp-grad` adds
the widths, `backprop` the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from derive import converters
from derive.errors import FieldError
from derive.problem import Problem, spec
from derive.symbolic.activations import ACTIVATIONS, Activation
from derive.symbolic.conventions import CONVENTIONS
from derive.symbolic.model import Model
from derive.symbolic.network import SymbolicNetwork, parse_names
from derive.symbolic.outputs import PAIRS, OutputLoss
from derive.symbolic.sizes import has_letters

DEFAULT_LOSS = {"softmax": "ce", "sigmoid": "bce", "identity": "mse", "tanh": "mse"}
MAX_DEPTH = 100  # layers derived: about five seconds
SECONDS_PER_LAYER = 0.05


def _refusal(output: str, loss: str) -> str:
    """Why a pair is not meaningful, and the pairs that are."""
    pairs = ", ".join(f"{out} with {chosen}" for out, chosen in PAIRS)
    if loss == "ce":
        return (f"{output} output with ce loss: cross-entropy needs a distribution; use "
                "--output softmax, or --output identity for CE on the logits (log-softmax "
                "inside, as torch's CrossEntropyLoss)")
    return (f"{output} output with {loss} loss: BCE needs outputs in (0, 1); use {pairs}")


def _names(value: Any, name: str) -> tuple[tuple[str, str], ...]:
    return tuple(parse_names(value, name).items())


@dataclass(frozen=True, kw_only=True)
class NetworkProblem(Problem):
    """A network's activations, output and loss, its convention and its names."""

    hidden: tuple[str, ...] = spec(converters.choice_list(*ACTIVATIONS),
                                   "hidden activation, one for all or one per hidden layer",
                                   ("sigmoid",))
    output: str = spec(converters.choice(*DEFAULT_LOSS),
                       "output layer: softmax, sigmoid, identity (logits) or tanh", "softmax")
    loss: str | None = spec(converters.choice("ce", "bce", "mse"),
                            "loss: ce, bce or mse (default: the output's own)", None)
    half_mse: bool = spec(converters.boolean, "MSE with the factor 1/2", False)
    convention: str = spec(converters.choice(*CONVENTIONS), "Wx, WTx, XWT or XW", "Wx")
    reduction: str = spec(
        converters.choice("mean", "sum"), "over the batch (row conventions)", "mean")
    slope: Decimal = spec(converters.real_number, "slope of leaky_relu for z < 0", Decimal("0.01"))
    names: tuple[tuple[str, str], ...] = spec(_names, "symbol names: W=W^,b=c,z=A/B", ())

    @property
    def widths(self) -> tuple[int, ...]:
        raise NotImplementedError

    @property
    def given_widths(self) -> tuple[int | str, ...]:
        """The widths as given: integers, or letters (`derive.symbolic.sizes`)."""
        return self.widths

    @property
    def letters(self) -> tuple[str | None, ...]:
        """Each width's letter, or None; () when no width is a letter."""
        if not has_letters(self.given_widths):
            return ()
        return tuple(size if isinstance(size, str) else None for size in self.given_widths)

    def estimated_seconds(self) -> float:
        """Solving and rendering time (measured here): about 50 ms a layer."""
        return SECONDS_PER_LAYER * (len(self.widths) - 1)

    def validate(self) -> None:
        depth = len(self.widths) - 1
        if depth > MAX_DEPTH:
            raise FieldError("layers", f"{depth} layers; at most {MAX_DEPTH} are derived")
        if len(self.hidden) not in (1, depth - 1) and depth > 1:
            raise FieldError("hidden", f"{len(self.hidden)} activations for {depth - 1} hidden "
                             "layers; give one for all or one per hidden layer")
        if (self.output, self.chosen_loss) not in PAIRS:
            raise FieldError("loss", _refusal(self.output, self.chosen_loss))
        if self.output == "softmax" and self.widths[-1] < 2:
            raise FieldError("layers", "softmax needs at least 2 outputs; use --output sigmoid "
                             "--loss bce for one output")
        if self.half_mse and self.chosen_loss != "mse":
            raise FieldError("half_mse", "only applies to the mse loss")
        if not 0 <= self.slope < 1:
            raise FieldError("slope", "leaky_relu's slope must be in [0, 1)")
        if "N" in self.letters and CONVENTIONS[self.convention].rows:
            raise FieldError("layers", f"N is the batch in the {self.convention} convention; "
                             "name the width by another letter")
        network = self.network()
        for layer in range(1, depth + 1):  # every layer's names resolve, or a FieldError says why
            network.W(layer), network.b(layer), network.z(layer), network.a(layer - 1)

    @property
    def chosen_loss(self) -> str:
        return self.loss or DEFAULT_LOSS[self.output]

    @property
    def pair(self) -> OutputLoss:
        return PAIRS[(self.output, self.chosen_loss)]

    @property
    def batch_reduction(self) -> str:
        """The reduction over rows; one example (a column convention) is just summed."""
        return self.reduction if CONVENTIONS[self.convention].rows else "sum"

    def hidden_rules(self) -> list[Activation]:
        depth = len(self.widths) - 1
        names = self.hidden * (depth - 1) if len(self.hidden) == 1 else self.hidden
        return [ACTIVATIONS[name] for name in names[: depth - 1]]

    def network(self) -> SymbolicNetwork:
        return SymbolicNetwork(CONVENTIONS[self.convention], self.widths, dict(self.names),
                               self.letters)

    def model(self) -> Model:
        """The network with its rules."""
        return Model(self.network(), tuple(self.hidden_rules()), self.pair, self.half_mse,
                     self.batch_reduction, float(self.slope))
