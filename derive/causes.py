"""Likely causes of a wrong claim, and the judging of claimed formulas.

A wrong number's cause is searched in a catalogue of perturbations of the right answer: the
sign, a transpose, a factor 2 or N, the learning rate not applied or applied twice, another
answer of the same problem, and the problem itself solved with one or two of its fields
changed (a different size substituted, the bias dropped). A claimed formula is judged
numerically on random matrices at small sizes (`derive.claimed_formula`).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from derive import solve
from derive.claimed_formula import identifier, judge
from derive.claimed_number import compare
from derive.errors import DeriveError, InputError
from derive.problems.network import NetworkProblem
from derive.render.printing import text
from derive.solution import Formula, Shape, Solution
from derive.symbolic.instance import instantiate
from derive.symbolic.matrices import evaluate

MAX_RESOLVES = 400
SLIP_CAUSE = "off in the last digits: an earlier value was rounded before it was used"


def claim_place(problem: Any, name: str) -> str:
    """Where a claim is, for an error: the claim, and its problem when that has an id of its
    own (a problem of a set; a problem from the command line has the default id).

    >>> from derive.problems.params import Problem
    >>> claim_place(Problem(layers=(4, 3)), "total")
    "claim 'total'"
    """
    default = next(f.default for f in dataclasses.fields(problem) if f.name == "id")
    own = f"problem {problem.id!r}, " if problem.id != default else ""
    return f"{own}claim {name!r}"


def number_cause(solution: Solution, name: str, claim: Any, rtol: float | None) -> str:
    if compare(solution.answers[name], claim, rtol) == "rounding slip":
        return SLIP_CAUSE
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
def formula_verdict(solution: Solution, name: str, claim: Any) -> tuple[str, str]:
    if not isinstance(claim, str):
        return "wrong", "a formula was expected, written as text"
    values, truth, factors = _formula_instance(solution, name)
    finding = judge(claim, truth, values, factors, claim_place(solution.problem, name))
    return finding.verdict, finding.cause


def _formula_instance(solution: Solution, name: str) -> tuple[dict[str, Any], Any,
                                                               dict[str, float]]:
    """Random matrices at small sizes for the problem's network, and the right value."""

    problem = solution.problem
    if not isinstance(problem, NetworkProblem):
        raise InputError(f"{claim_place(problem, name)}: formula claims are checked for "
                         "mlp-grad problems; claim numbers for this kind")
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
