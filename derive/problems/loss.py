"""`loss`: the value of cross-entropy, MSE or binary cross-entropy for given numbers.

Cross-entropy from logits uses log-sum-exp (max + log sum exp(z - max)), so logits of
+-1000 stay finite; MSE is the sum of squared differences without 1/2 (seed 000's
definition; `half_mse` gives the 1/2 convention, as the gradient kinds have) and is exact
for decimal inputs; BCE from logits uses the stable form
max(z, 0) - z y + log(1 + exp(-|z|)).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sympy

from derive import converters
from derive.answers import Answer, Answers, Confusion, Key, Slip
from derive.errors import FieldError
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.problems import loss_terms
from derive.solution import Solution, Step
from derive.symbolic.build import eq

LOSSES = ("ce", "mse", "bce")
DEFAULT_REDUCTION = {"ce": "mean", "mse": "sum", "bce": "mean"}
DISTRIBUTION_TOLERANCE = Decimal("1e-6")
MAX_ROWS = 1000  # samples of a batch: about three seconds
SECONDS_PER_ROW = 0.0025

Rows = tuple[tuple[Decimal, ...], ...]


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """Predictions (logits or probabilities), a target, and the losses to evaluate."""

    kind = "loss"
    logits: Rows | None = spec(
        converters.real_rows, "logits, one row per sample: 0.5,0.3,0.8", None)
    probs: Rows | None = spec(converters.real_rows, "probabilities, one row per sample", None)
    target: Rows | None = spec(converters.real_rows, "target values / distribution per row", None)
    label: tuple[int, ...] | None = spec(
        converters.index_list, "class index per sample (from 0)", None)
    losses: tuple[str, ...] = spec(converters.choices(*LOSSES), "losses: ce, mse, bce", ("ce",))
    reduction: str | None = spec(converters.choice("mean", "sum"),
                                 "over the batch: mean or sum (default per loss)", None)
    half_mse: bool = spec(converters.boolean, "MSE with the factor 1/2", False)

    def validate(self) -> None:
        if (self.logits is None) == (self.probs is None):
            raise FieldError("logits", "give exactly one of logits and probs")
        if (self.target is None) == (self.label is None):
            raise FieldError("target", "give exactly one of target and label")
        if self.half_mse and "mse" not in self.losses:
            raise FieldError("half_mse", "only applies to the mse loss; add mse to the losses")
        rows = self.predictions
        if len(rows) > MAX_ROWS:
            raise FieldError("logits" if self.logits is not None else "probs",
                             f"{len(rows)} rows; at most {MAX_ROWS} (each is derived term by "
                             "term)")
        if self.label is not None:
            _check_labels(self.label, rows)
        elif self.target is not None and (len(self.target), len(self.target[0])) != (
                len(rows), len(rows[0])):
            raise FieldError("target", f"has {len(self.target)} x {len(self.target[0])} entries, "
                             f"the predictions {len(rows)} x {len(rows[0])}; make them match")
        if self.probs is not None:
            _check_distributions(self.probs, "probs")
        if "ce" in self.losses and self.target is not None:
            _check_distributions(self.target, "target")
        if "bce" in self.losses and self.target is not None and any(
                not 0 <= y <= 1 for row in self.target for y in row):
            raise FieldError("target", "binary cross-entropy needs targets between 0 and 1")
        if self.probs is not None:
            _check_finite_logs(self.probs, targets(self), self.losses)

    def estimated_seconds(self) -> float:
        """Solving and rendering time (measured here): about 2.5 ms a row."""
        return 0.02 + SECONDS_PER_ROW * len(self.predictions)

    @property
    def predictions(self) -> Rows:
        rows = self.logits if self.logits is not None else self.probs
        assert rows is not None
        return rows


def _check_labels(labels: tuple[int, ...], rows: Rows) -> None:
    if len(labels) != len(rows):
        raise FieldError("label", f"{len(labels)} labels for {len(rows)} rows; give one per row")
    if max(labels) >= len(rows[0]):
        raise FieldError("label", f"class {max(labels)} does not exist; there are "
                         f"{len(rows[0])} classes, numbered from 0")


def _check_distributions(rows: Rows, name: str) -> None:
    for index, row in enumerate(rows, 1):
        total = sum(row, Decimal(0))
        if any(value < 0 for value in row) or abs(total - 1) > DISTRIBUTION_TOLERANCE:
            raise FieldError(name, f"row {index} is not a distribution (entries >= 0 summing to "
                             f"1, got sum {total}); fix it or pass logits instead")


def _check_finite_logs(probs: Rows, target: Rows, names: tuple[str, ...]) -> None:
    pairs = [(p, y) for p_row, y_row in zip(probs, target, strict=True)
             for p, y in zip(p_row, y_row, strict=True)]
    if "ce" in names and any(p == 0 and y > 0 for p, y in pairs):
        raise FieldError("probs", "a probability is 0 where the target has weight, so the "
                         "cross-entropy is infinite; pass logits instead")
    if "bce" in names and any(not 0 < p < 1 for p, _ in pairs):
        raise FieldError("probs", "binary cross-entropy needs probabilities strictly between 0 "
                         "and 1 (log 0 is infinite); pass logits instead")


def targets(problem: Problem) -> Rows:
    """The target rows, with class labels written as one-hot rows."""
    if problem.target is not None:
        return problem.target
    classes = len(problem.predictions[0])
    assert problem.label is not None
    return tuple(tuple(Decimal(int(c == k)) for c in range(classes)) for k in problem.label)


def solve(problem: Problem) -> Solution:
    """Evaluate each requested loss, sample by sample, then reduce over the batch."""
    y_rows = targets(problem)
    steps: list[Step] = []
    answers: list[Answer] = []
    notes = []
    if problem.label is not None:
        notes.append("class labels are written as one-hot target rows")
    for name in problem.losses:
        reduction = problem.reduction or DEFAULT_REDUCTION[name]
        rule = loss_terms.RULES[(name, problem.logits is not None)]
        per_row = [rule(steps, z, y, n) for n, (z, y) in
                   enumerate(zip(problem.predictions, y_rows, strict=True), 1)]
        half = name == "mse" and problem.half_mse
        value = _reduce(steps, name, per_row, reduction, len(y_rows[0]), half)
        # the value without the 1/2 is what a claimant who forgot it writes
        confusions = (Confusion(2 * value, Slip.NO_HALF),) if half else ()
        answers.append(Answer(Key(name), value, nonnegative=True, confusions=confusions,
                              batch=len(per_row)))
        notes.append(f"{name}: {reduction} over the batch"
                     + (" (and over the entries)" if name != "ce" and reduction == "mean" else "")
                     + (", with the factor 1/2" if half else ""))
    return Solution(problem, tuple(steps), Answers(answers), notes=tuple(notes))


def _reduce(steps: list[Step], name: str, per_row: list[Any], reduction: str,
            classes: int, half: bool = False) -> float:
    if len(per_row) == 1 and (reduction == "sum" or name == "ce") and not half:
        return float(per_row[0])
    divisor = 1 if reduction == "sum" else len(per_row) * (1 if name == "ce" else classes)
    divisor *= 2 if half else 1
    values = [Fraction(v) if isinstance(v, Fraction) else float(v) for v in per_row]
    total = sum(values) / divisor
    if len(per_row) > loss_terms.MAX_TERMS:
        symbols: tuple[sympy.Symbol, ...] = ()
        n = sympy.Symbol("n", integer=True)
        formula = sympy.Sum(sympy.Symbol("l_n"), (n, 1, len(per_row)))
    else:
        symbols = sympy.symbols(f"l_1:{len(per_row) + 1}")
        formula = sympy.Add(*symbols, evaluate=False)
    if divisor != 1:
        formula = sympy.Mul(sympy.Rational(1, divisor), formula, evaluate=False)
    steps.append(Step(eq(sympy.Symbol(f"L_{{{name}}}"), formula),
                      f"{name}: {reduction} over {len(per_row)} rows"
                      + (f" x {classes} entries" if reduction == "mean" and name != "ce" and
                         classes > 1 else "")
                      + (", times 1/2" if half else ""),
                      value=float(total), check=0.0, given=dict(zip(symbols, values,
                                                                  strict=False))))
    return float(total)

