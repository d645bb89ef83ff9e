"""`backprop`: a worked numeric example of one forward pass, backward pass and SGD step.

The formulas are the gradient engine's (`derive.symbolic.formulas`), shown with the
problem's numbers substituted; the numbers come from the rule table's kernels
(`derive.numeric.mlp`). Every printed formula is evaluated again and compared with the
kernels, and every gradient with central finite differences of the loss at these values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from derive import converters
from derive.answers import Answers
from derive.errors import FieldError
from derive.problem import spec
from derive.problems.network import NetworkProblem
from derive.solution import Solution, shown_as_detail
from derive.symbolic import formulas
from derive.symbolic.conventions import CONVENTIONS
from derive.symbolic.numeric_example import Example
from derive.symbolic.sizes import shown

MAX_ENTRIES = 20_000  # weights plus activations: about a second and a half
SECONDS_PER_ENTRY = 6e-5

Matrix = tuple[tuple[Decimal, ...], ...]


@dataclass(frozen=True, kw_only=True)
class Problem(NetworkProblem):
    """Concrete input, target, weights and biases, and the learning rate of one SGD step."""

    kind = "backprop"
    x: Matrix = spec(converters.real_rows, "input: one example 1,0, or rows of a batch 1,0;0,1")
    target: Matrix | None = spec(converters.real_rows, "target rows (one-hot or soft): 0,1", None)
    label: tuple[int, ...] | None = spec(converters.index_list, "class index per row, from 0", None)
    weights: tuple[Matrix, ...] = spec(converters.listed(converters.real_rows, "matrices", 20),
                                       "W_l per layer, in the convention's orientation: 3,6;4,5")
    biases: tuple[tuple[Decimal, ...], ...] | None = spec(
        converters.listed(converters.real_vector, "vectors", 20),
        "b_l per layer (default zeros): 1,-6", None)
    lr: Decimal = spec(converters.real_number, "learning rate of the SGD step", Decimal("0.1"))
    layers: tuple[int | str, ...] | None = spec(
        converters.layer_sizes, "the widths' names, input first: N,N1,K (a letter, or the "
        "number the weights give); shapes are shown in them", None)

    @classmethod
    def from_fields(cls, raw: Mapping[str, Any]) -> Any:
        """With a `model` (PyTorch text), the problem is `model-backprop`'s; else the MLP's."""
        if raw.get("model") is not None:
            from derive.problems import model_backprop

            return model_backprop.Problem.from_fields(raw)
        return super().from_fields(raw)

    @property
    def widths(self) -> tuple[int, ...]:
        shapes = [(len(W), len(W[0])) for W in self.weights]
        transposed = self.convention in ("WTx", "XW")
        ins = [rows if transposed else cols for rows, cols in shapes]
        outs = [cols if transposed else rows for rows, cols in shapes]
        return (ins[0], *outs)

    @property
    def given_widths(self) -> tuple[int | str, ...]:
        """The widths as `layers` names them (letters or numbers), else the weights' numbers."""
        return self.layers or self.widths

    @property
    def entries(self) -> int:
        """Numbers the worked example computes with: the weights, and the activations of
        every sample at every layer."""
        return sum(len(W) * len(W[0]) for W in self.weights) + len(self.x) * sum(self.widths)

    def estimated_seconds(self) -> float:
        """Solving and rendering time (measured here): linear in the numbers."""
        return 0.05 + SECONDS_PER_ENTRY * self.entries

    def validate(self) -> None:
        widths, shapes = self.widths, [(len(W), len(W[0])) for W in self.weights]
        if self.entries > MAX_ENTRIES:
            raise FieldError("weights", f"{self.entries} weights and activations; at most "
                             f"{MAX_ENTRIES} are worked by hand")
        orientation = "in x out" if self.convention in ("WTx", "XW") else "out x in"
        for layer, (rows, cols) in enumerate(shapes[1:], 2):
            if (cols if orientation == "out x in" else rows) != widths[layer - 1]:
                raise FieldError("weights", f"W_{layer} is {rows} x {cols} but layer "
                                 f"{layer - 1} has {widths[layer - 1]} outputs; in the "
                                 f"{self.convention} convention W_l is {orientation}")
        if len(self.x[0]) != widths[0]:
            raise FieldError("x", f"{len(self.x[0])} inputs, but W_1 takes {widths[0]}")
        if len(self.x) > 1 and not self.convention.startswith("X"):
            raise FieldError("x", f"{len(self.x)} rows: the {self.convention} convention takes "
                             "one example; use --convention XWT or XW for a batch")
        if self.biases is not None and [len(b) for b in self.biases] != list(widths[1:]):
            raise FieldError("biases", f"expected one bias vector per layer with "
                             f"{', '.join(map(str, widths[1:]))} entries")
        if self.lr <= 0:
            raise FieldError("lr", "the learning rate must be positive")
        self._validate_target(widths)
        self._validate_layers(widths)
        super().validate()

    def _validate_layers(self, widths: tuple[int, ...]) -> None:
        """`layers` names each width the weights give: one entry per width, a number equal to
        it, a letter naming one width only (a letter may repeat for equal widths)."""
        if self.layers is None:
            return
        given = "-".join(map(str, widths))
        if len(self.layers) != len(widths):
            raise FieldError("layers", f"{len(self.layers)} sizes, but the weights give "
                             f"{len(widths)} widths ({given}); name each, input first")
        named: dict[str, int] = {}
        for position, (size, width) in enumerate(zip(self.layers, widths, strict=True), 1):
            if isinstance(size, int) and size != width:
                raise FieldError("layers", f"size {position} is {size}, but the weights give "
                                 f"{width} ({given}); write {width} or a letter")
            if isinstance(size, str) and named.setdefault(size, width) != width:
                raise FieldError("layers", f"{size} names widths {named[size]} and {width} "
                                 f"({given}); give different widths different letters")

    def _validate_target(self, widths: tuple[int, ...]) -> None:
        if (self.target is None) == (self.label is None):
            raise FieldError("target", "give exactly one of target and label")
        if self.label is not None:
            if len(self.label) != len(self.x) or max(self.label) >= widths[-1]:
                raise FieldError("label", f"give one class (0 to {widths[-1] - 1}) per row of x")
            return
        assert self.target is not None
        if len(self.target) != len(self.x):
            raise FieldError("target", f"{len(self.target)} row(s) for {len(self.x)} row(s) of "
                             "x; give one target row per input row")
        if len(self.target[0]) != widths[-1]:
            raise FieldError("target", f"{len(self.target[0])} entries, but the network has "
                             f"{widths[-1]} output(s) (the last of --weights gives them, "
                             f"in the {self.convention} convention); give one entry per output")
        if self.chosen_loss == "ce" and any(abs(sum(row, Decimal(0)) - 1) > Decimal("1e-9")
                                            or min(row) < 0 for row in self.target):
            raise FieldError("target", "cross-entropy needs target rows that are distributions "
                             "(entries >= 0 summing to 1)")
        if self.chosen_loss == "bce" and any(not 0 <= v <= 1 for row in self.target
                                             for v in row):
            raise FieldError("target", "binary cross-entropy needs targets between 0 and 1")

    def arrays(self) -> tuple[list[tuple[Any, Any]], Any, Any]:
        """Parameters in row layout (W_l out x in), the input rows X and the target rows Y."""
        transposed = self.convention in ("WTx", "XW")
        weights = [np.array(W, dtype=float) for W in self.weights]
        biases = ([np.array(b, dtype=float) for b in self.biases] if self.biases is not None
                  else [np.zeros(n) for n in self.widths[1:]])
        params = [(W.T if transposed else W, b) for W, b in zip(weights, biases, strict=True)]
        X = np.array(self.x, dtype=float)
        Y = (np.array(self.target, dtype=float) if self.target is not None
             else np.eye(self.widths[-1])[list(self.label or ())])
        return params, X, Y


def solve(problem: Problem) -> Solution:
    """Forward pass, loss, backward pass, one SGD step, and the loss after it."""
    params, X, Y = problem.arrays()
    example = Example(problem.model(), params, X, Y)
    example.forward_steps()
    example.backward_steps()
    updated = example.update_steps(float(problem.lr))
    after = example.loss_after(updated)
    notes = [formulas.convention_note(example.model.net), *_sizes_note(problem, len(X)),
             f"one SGD step with learning rate {problem.lr}",
             f"the loss went {'down' if after < example.loss else 'up'} from "
             f"{example.loss:.4g} to {after:.4g}", *example.notes]
    if problem.label is not None:
        notes.append("class labels are written as one-hot target rows")
    answers = shown_as_detail(Answers.from_values(example.answers), tuple(example.steps))
    return Solution(problem, tuple(example.steps), answers,
                    notes=tuple(notes))



def _sizes_note(problem: Problem, batch: int) -> list[str]:
    """The letters' numbers, said once: 'N = 2, N1 = 2, K = 2' (with the batch N = 4 in a
    row convention); nothing when no width is named by a letter."""
    if not problem.letters:
        return []
    rows = CONVENTIONS[problem.convention].rows
    return ["shapes in letters: " + ", ".join(
        ([f"N = {batch}"] if rows else []) + [shown(problem.given_widths, problem.widths)])]
