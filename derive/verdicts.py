"""Checking claimed answers against derived ones: a verdict and a likely cause for each.

Integers compare exactly; reals against the precision the claim was written with (correct
when the right value rounds to it, a rounding slip when it is off by at most two units of
its last digit, wrong otherwise, or `rtol` when given); vectors and matrices entry by entry;
shapes as shapes; formulas numerically (`derive.claimed_formula`). A wrong number's cause is
searched in a catalogue of perturbations of the right answer: the sign, a transpose, a
factor 2 or N, the learning rate not applied or applied twice, another answer of the same
problem, and the problem itself solved with one or two of its fields changed (a different
size substituted, the bias dropped).

The module is `verdicts`, not `check`: a submodule named like the function `derive.check`
would replace that function on the package the first time it is imported.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from derive import solve
from derive.claimed_formula import identifier, judge
from derive.errors import DeriveError, InputError
from derive.problems.network import NetworkProblem
from derive.render.printing import text
from derive.solution import Formula, Shape, Solution
from derive.symbolic.instance import instantiate
from derive.symbolic.matrices import evaluate

VERDICTS = ("correct", "rounding slip", "wrong")
SLIP_UNITS = 2
MAX_RESOLVES = 400


@dataclass(frozen=True)
class Verdict:
    """One claim judged: what was claimed, what is right, the verdict and its likely cause."""

    problem: str
    answer: str
    claimed: Any
    correct: Any
    verdict: str
    cause: str = ""


def check(solution: Solution, rtol: float | None = None) -> list[Verdict]:
    """Every claim of the solution's problem, judged."""
    problem = solution.problem
    verdicts = []
    for name, claim in problem.claims:
        if name not in solution.answers:
            raise InputError(f"problem {problem.id!r}, field 'claims': no answer named {name!r}; "
                             f"the answers are {', '.join(solution.answers)}")
        truth = solution.answers[name]
        if isinstance(truth, Formula):
            verdict, cause = _formula(solution, name, claim)
        else:
            verdict = compare(truth, claim, rtol)
            cause = "" if verdict == "correct" else _number_cause(solution, name, claim, rtol)
        verdicts.append(Verdict(problem.id, name, claim, truth, verdict, cause))
    return verdicts


# -- numbers ------------------------------------------------------------------------------
def _flat(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, Sequence):
        return [item for part in value for item in _flat(part)]
    return [value]


def _real(truth: float, claim: Any, rtol: float | None) -> str:
    if isinstance(claim, str | bool) or (isinstance(claim, Decimal) and not claim.is_finite()):
        return "wrong"
    difference = abs(float(truth) - float(claim))
    if rtol is not None:
        return "correct" if difference <= rtol * max(abs(float(truth)), 1e-300) else "wrong"
    unit = 10.0 ** (int(claim.as_tuple().exponent) if isinstance(claim, Decimal) else 0)
    slack = 1e-9 * max(1.0, abs(float(truth)))
    if difference <= unit / 2 + slack:
        return "correct"
    return "rounding slip" if difference <= SLIP_UNITS * unit + slack else "wrong"


def _shape(claim: Any) -> tuple[int, ...] | None:
    if isinstance(claim, str):
        parts = [part.strip() for part in claim.lower().replace("×", "x").split("x")]
        return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None
    return tuple(int(c) for c in claim) if isinstance(claim, Sequence) else None


def compare(truth: Any, claim: Any, rtol: float | None = None) -> str:
    """The verdict of `claim` against the right value `truth`."""
    if isinstance(truth, Shape):
        return "correct" if _shape(claim) == tuple(truth) else "wrong"
    if isinstance(truth, list) and truth and isinstance(truth[0], Shape):
        claimed = claim.split(",") if isinstance(claim, str) else claim
        shapes = [_shape(c) for c in claimed]
        return "correct" if shapes == [tuple(t) for t in truth] else "wrong"
    if isinstance(truth, str):
        return "correct" if str(claim).strip().lower() == truth.lower() else "wrong"
    if isinstance(truth, int) and not isinstance(truth, bool):
        return "correct" if not isinstance(claim, str) and Decimal(str(claim)) == truth \
            else "wrong"
    truths, claims = _flat(truth), _flat(claim)
    if len(truths) != len(claims):
        return "wrong"
    verdicts = [_real(t, c, rtol) for t, c in zip(truths, claims, strict=True)]
    return max(verdicts, key=VERDICTS.index)


# -- causes of a wrong number ---------------------------------------------------------------
def _number_cause(solution: Solution, name: str, claim: Any, rtol: float | None) -> str:
    if compare(solution.answers[name], claim, rtol) == "rounding slip":
        return "off in the last digits: an earlier value was rounded before it was used"
    for candidate, cause in _perturbations(solution, name):
        if compare(candidate, claim, rtol) == "correct":
            return cause
    for changed, cause in _resolved(solution):
        if name in changed.answers and compare(changed.answers[name], claim, rtol) == "correct":
            return cause
    return ""


def _perturbations(solution: Solution, name: str) -> Iterator[tuple[Any, str]]:
    truth = solution.answers[name]
    if isinstance(truth, Shape | str) or (isinstance(truth, list) and truth and
                                          isinstance(truth[0], Shape)):
        return
    value = np.asarray(truth, dtype=float)
    yield -value, "sign flipped"
    if value.ndim == 2:
        yield value.T, "transposed"
    for factor, label in ((2.0, "2"), *_batch(solution)):
        yield value * factor, f"a factor {label} too many"
        yield value / factor, f"a factor {label} missing"
    yield from _update_slips(solution, name)
    for other, value_other in solution.answers.items():
        if other != name and not isinstance(value_other, Formula | str):
            yield value_other, f"this is the value of {other}, a neighbouring quantity"


def _batch(solution: Solution) -> list[tuple[float, str]]:
    rows = getattr(solution.problem, "x", None)
    return [(float(len(rows)), "N")] if rows is not None and len(rows) > 1 else []


def _update_slips(solution: Solution, name: str) -> Iterator[tuple[Any, str]]:
    """For an updated parameter: the step not taken, taken without the rate, or twice."""
    if not name.endswith(" new"):
        return
    parameter = name[: -len(" new")]
    gradient = next((v for k, v in solution.answers.items() if k.endswith("/d" + parameter)),
                    None)
    rate = getattr(solution.problem, "lr", None)
    if gradient is None or rate is None:
        return
    new = np.asarray(solution.answers[name], dtype=float)
    step = float(rate) * np.asarray(gradient, dtype=float)
    old = new + step
    yield old, "the update was not applied"
    yield old - step / float(rate), "the learning rate was not applied (taken as 1)"
    yield old - 2 * step, "the step was applied twice"
    yield old + step, "the step went uphill (gradient added, not subtracted)"


def _resolved(solution: Solution) -> Iterator[tuple[Solution, str]]:
    """The problem solved again with one or two fields changed: a size doubled, halved or
    replaced by another size of the problem, a switch flipped."""
    problem = solution.problem
    options = list(_field_options(problem))
    tried = 0
    for count in (1, 2):
        for combination in itertools.combinations(options, count):
            if len({name for name, _ in combination}) < count:
                continue
            tried += 1
            if tried > MAX_RESOLVES:
                return
            try:
                changed = dataclasses.replace(problem, **dict(combination))
                changed.validate()
                result = solve(changed)
            except (DeriveError, ValueError, TypeError):
                continue
            yield result, "as if " + " and ".join(f"{k} were {_shown(v)}" for k, v in
                                                  combination)


def _field_options(problem: Any) -> Iterator[tuple[str, Any]]:
    sizes = sorted({v for f in dataclasses.fields(problem) for v in _ints(getattr(
        problem, f.name)) if v > 1})
    for field in dataclasses.fields(problem):
        if field.name in ("id", "statement", "claims", "seed"):
            continue
        value = getattr(problem, field.name)
        if isinstance(value, bool):
            yield field.name, not value
        elif isinstance(value, int) and value > 1:
            for other in sorted({value * 2, value // 2, *sizes} - {value}):
                yield field.name, other
        elif isinstance(value, tuple) and value and all(
                isinstance(v, int) and not isinstance(v, bool) for v in value):
            for index, entry in enumerate(value):
                for other in sorted({entry * 2, entry // 2, *sizes} - {entry, 0}):
                    yield field.name, (*value[:index], other, *value[index + 1:])


def _ints(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, tuple):
        return [v for item in value for v in _ints(item)]
    return []


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


# -- formulas -----------------------------------------------------------------------------
def _formula(solution: Solution, name: str, claim: Any) -> tuple[str, str]:
    if not isinstance(claim, str):
        return "wrong", "a formula was expected, written as text"
    values, truth, factors = _formula_instance(solution, name)
    finding = judge(claim, truth, values, factors, f"problem {solution.problem.id!r}, claims")
    return finding.verdict, finding.cause


def _formula_instance(solution: Solution, name: str) -> tuple[dict[str, Any], Any,
                                                               dict[str, float]]:
    """Random matrices at small sizes for the problem's network, and the right value."""

    problem = solution.problem
    if not isinstance(problem, NetworkProblem):
        raise InputError(f"problem {problem.id!r}, field 'claims': formula claims are checked "
                         "for mlp-grad problems; claim numbers for this kind")
    net = problem.network()
    instance = instantiate(problem.model(), seed=11)
    arrays = dict(instance.arrays)
    for layer in range(net.depth, 0, -1):
        delta = solution.answers[f"d{net.loss_text}/d{text(net.z(layer))}"].expr
        arrays[net.delta(layer)] = evaluate(delta, arrays, instance.sizes, instance.kernels)
    truth = evaluate(solution.answers[name].expr, arrays, instance.sizes, instance.kernels)
    values: dict[str, Any] = {}
    for symbol, value in arrays.items():
        values[text(symbol)] = value
        values[identifier(text(symbol))] = value
    batch = float(instance.X.shape[0])
    values["N"] = batch
    factors = {"2": 2.0, **({"N": batch} if net.convention.rows else {})}
    return values, truth, factors
