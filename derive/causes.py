"""Likely causes of a wrong claim, from the answers' own metadata (no kind-specific code).

- a **rounding slip**: the answer recomputed by its relation (`Answer.compute` of its
  `inputs`) from the inputs the claimant wrote, rounded as written, gives the claim;
- the **update** relation ``new = old - rate * gradient``: the update skipped, the rate not
  applied or applied twice, the step taken uphill;
- the answer's known **confusions** (dL/dH used where dL/dZ belongs, a missing log or minus);
- the sign, a transpose, a factor 2 or N (`Answer.batch`), another answer of the problem;
- the problem solved again with one or two of its fields changed (a changed size).

A claimed formula is judged numerically at the random values its `Formula.sample` gives
(`derive.claimed_formula`).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from derive import solve
from derive.answers import Answer, Answers, Confusion, Key
from derive.claimed_formula import judge
from derive.claimed_number import compare, flat
from derive.errors import DeriveError, InputError
from derive.render.keys import key_text
from derive.solution import Formula, Shape, Solution

MAX_RESOLVES = 400
EXACT = 1e-9  # relative: a slip's value and the claim agree to float64 computation


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


# -- rounding slips -----------------------------------------------------------------------
def rounded_inputs(answers: Answers, answer: Answer, claim: Any, written: Mapping[Key, Any],
                   rtol: float | None) -> str:
    """The cause when the claim is the answer recomputed from inputs the claimant rounded
    (every written input at once, or one of them); "" when it is not."""
    claimed = [k for k in _ancestors(answers, answer) if k in written and _numeric(
        written[k], answers[k])]
    for chosen in ([claimed] if len(claimed) > 1 else []) + [[k] for k in claimed]:
        value = _recomputed(answers, answer, {k: written[k] for k in chosen})
        if value is not None and compare(value, claim, rtol) == "correct":
            names = " and ".join(key_text(k) for k in chosen)
            return (f"{names} {'were' if len(chosen) > 1 else 'was'} used as "
                    "rounded in the document, and the result follows from that")
    return ""


def _ancestors(answers: Answers, answer: Answer) -> list[Key]:
    seen: list[Key] = []
    stack = list(answer.inputs)
    while stack:
        key = stack.pop(0)
        if key in seen or key not in answers:
            continue
        seen.append(key)
        stack.extend(answers.answer(key).inputs)
    return seen


def _numeric(claim: Any, truth: Any) -> bool:
    try:
        return len(flat(claim)) == np.size(truth) and all(
            not isinstance(c, str) for c in flat(claim))
    except TypeError:
        return False


def _recomputed(answers: Answers, answer: Answer, given: Mapping[Key, Any]) -> Any:
    """The answer's value with `given` inputs replaced by the claimed numbers."""
    if answer.key in given:
        truth = np.asarray(answer.value, dtype=float)
        return np.asarray([float(c) for c in flat(given[answer.key])]).reshape(truth.shape)
    if answer.compute is None or not answer.inputs:
        return answer.value
    values = [_recomputed(answers, answers.answer(k), given) if k in answers else None
              for k in answer.inputs]
    if any(v is None for v in values):
        return None
    return answer.compute(*values)


# -- the catalogue ------------------------------------------------------------------------
def number_cause(solution: Solution, answer: Answer, claim: Any, rtol: float | None) -> str:
    """The first slip in the catalogue that gives the claim, in words; "" when none does.
    A slip that gives the claim exactly is preferred to one that gives it to its digits
    (``0.62`` claimed where mse = 0.62 and ce / 2 = 0.6216: the value of mse)."""
    candidates = list(_perturbations(solution.answers, answer))
    for tolerance in ([EXACT] if rtol is None else []) + [rtol]:
        for candidate, cause in candidates:
            try:
                if compare(candidate, claim, tolerance) == "correct":
                    return cause
            except (TypeError, ValueError):
                continue
    for changed, cause in _resolved(solution):
        if answer.key in changed.answers and compare(
                changed.answers[answer.key], claim, rtol) == "correct":
            return cause
    return ""


def _perturbations(answers: Answers, answer: Answer) -> Iterator[tuple[Any, str]]:
    truth = answer.value
    if isinstance(truth, Shape):
        yield from _shape_slips(answers, answer)
        return
    if isinstance(truth, str | Formula) or (isinstance(truth, list) and truth and
                                            isinstance(truth[0], Shape)):
        return
    yield from _update_slips(answers, answer)
    for confusion in answer.confusions:
        if not callable(confusion.value):  # a formula answer's confusions are functions
            yield confusion.value, _confusion_text(answer.key, confusion)
    value = np.asarray(truth, dtype=float)
    yield -value, "the sign is flipped"
    if value.ndim == 2 and value.shape[0] > 1 and value.shape[1] > 1:
        yield value.T, "this is the transpose of the right answer"
    factors = [(2.0, "2")] + ([(float(answer.batch), "N")] if answer.batch > 1 else [])
    for factor, label in factors:
        yield value * factor, f"a factor {label} too many"
        yield value / factor, f"a factor {label} is missing"
    for other in answers.entries():
        if other.key != answer.key and not isinstance(other.value, Formula | str):
            yield other.value, f"this is the value of {key_text(other.key)}, not of " \
                f"{key_text(answer.key)}"


def _shape_slips(answers: Answers, answer: Answer) -> Iterator[tuple[Any, str]]:
    """A shape written transposed, or another answer's shape."""
    if len(answer.value) == 2:
        yield Shape(reversed(answer.value)), "the sizes are swapped: this is the transpose's " \
            f"shape, not the {key_text(answer.key)}"
    for other in answers.entries():
        if other.key != answer.key and isinstance(other.value, Shape) and tuple(
                other.value) != tuple(answer.value):
            yield other.value, f"this is the {key_text(other.key)}, not the " \
                f"{key_text(answer.key)}"


def _confusion_text(key: Key, confusion: Confusion) -> str:
    other = confusion.other
    shown = key_text(other) if isinstance(other, Key) else str(other or "")
    return confusion.slip.value.format(other=shown, this=key_text(key))


def _update_slips(answers: Answers, answer: Answer) -> Iterator[tuple[Any, str]]:
    """For an updated parameter: the step not taken, taken without the rate, or twice."""
    update = answer.update
    if update is None or update.gradient not in answers:
        return
    old = np.asarray(update.old, dtype=float)
    gradient = np.asarray(answers[update.gradient], dtype=float)
    step = update.rate * gradient
    parameter = key_text(dataclasses.replace(answer.key, new=False))
    yield old, f"the update was not applied to {parameter}"
    yield old - gradient, f"the learning rate was not applied to {parameter} (taken as 1)"
    yield old - 2 * step, f"the step was applied twice to {parameter}"
    yield old + step, f"the step on {parameter} went uphill (gradient added, not subtracted)"


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
def formula_verdict(solution: Solution, key: Key, claim: Any) -> tuple[str, str]:
    """A claimed formula judged at the random values of the answer's sample."""
    formula = solution.answers[key]
    if not isinstance(claim, str):
        return "wrong", "a formula was expected, written as text"
    place = claim_place(solution.problem, key_text(key))
    if formula.sample is None:
        raise InputError(f"{place}: formula claims are not checked for this answer; claim "
                         "its numbers")
    values, truth, factors = formula.sample()
    finding = judge(claim, truth, values, factors, place)
    if finding.verdict == "wrong":
        for confusion in solution.answers.answer(key).confusions:
            if callable(confusion.value) and judge(claim, confusion.value(values), values,
                                                   {}, place).verdict == "correct":
                return "wrong", _confusion_text(key, confusion)
    return finding.verdict, finding.cause
