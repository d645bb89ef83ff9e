"""The cause catalogue over every kind (issue 14): for each answer of the built-in set and the
examples, wrong claims are made from the answer's own metadata (its value, shape, `update`,
`batch`, the other answers, the problem's size fields), with no kind-specific code, and the
checker must name the cause that was made, or another cause that gives the same claim."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import derive
from derive.answers import Answer, Key
from derive.problemset import builtin
from derive.render.keys import key_text
from derive.solution import Formula, Shape, Solution
from derive.verdicts import check

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SETS = ("builtin", *sorted(p.name for p in EXAMPLES.glob("*.toml")))
MAX_ANSWERS = 12  # per problem: the first ones, so the catalogue stays fast


@functools.cache
def solved(name: str) -> tuple[Solution, ...]:
    problems = builtin() if name == "builtin" else derive.load(EXAMPLES / name)
    return tuple(derive.solve(problem) for problem in problems.problems)


def _numbers(value: Any) -> np.ndarray | None:
    if isinstance(value, str | Formula | Shape | bool) or (
            isinstance(value, list) and value and isinstance(value[0], Shape)):
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array if array.size and np.all(np.isfinite(array)) else None


def _written(value: np.ndarray) -> Any:
    """A claim with every digit of the float: judged as finely as it can be."""
    if value.ndim == 0:
        return Decimal(repr(float(value)))
    return [_written(row) for row in value]


def made_slips(solution: Solution, answer: Answer) -> Iterator[tuple[Any, str]]:
    """(claimed value, the cause it was made with), from the answer's metadata alone."""
    if isinstance(answer.value, Shape):
        if len(answer.value) == 2 and answer.value[0] != answer.value[1]:
            yield Shape(reversed(answer.value)), "the sizes are swapped"
        return
    value = _numbers(answer.value)
    if value is None:
        return
    for confusion in answer.confusions:  # a known slip of this answer: its own words
        other = confusion.other
        shown = key_text(other) if isinstance(other, Key) else str(other or "")
        if not callable(confusion.value):
            yield np.asarray(confusion.value, float), confusion.slip.value.format(
                other=shown, this=key_text(answer.key))
    yield -value, "sign"
    if value.ndim == 2 and min(value.shape) > 1:
        yield value.T, "this is the transpose of the right answer"
    yield 2 * value, "a factor 2 too many"
    yield value / 2, "a factor 2 is missing"
    if answer.batch > 1:
        yield answer.batch * value, "a factor N too many"
    if answer.update is not None and answer.update.gradient in solution.answers:
        old = np.asarray(answer.update.old, dtype=float)
        step = answer.update.rate * np.asarray(solution.answers[answer.update.gradient], float)
        yield old, "the update was not applied"
        yield old - step / answer.update.rate, "the learning rate was not applied"
        yield old - 2 * step, "the step was applied twice"
    for other in solution.answers.entries():
        shown = _numbers(other.value)
        if other.key != answer.key and shown is not None and shown.shape == value.shape:
            yield shown, f"this is the value of {key_text(other.key)}"
            break


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Shape) or isinstance(b, Shape):
        return isinstance(a, Shape) and isinstance(b, Shape) and tuple(a) == tuple(b)
    try:
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except TypeError:  # a shape in letters (N1 x 1) flattened: never a value's numbers
        return False
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=1e-9, atol=1e-9))


def judged(solution: Solution, answer: Answer, claim: Any) -> tuple[str, str]:
    name = key_text(answer.key)
    claimed = " x ".join(map(str, claim)) if isinstance(claim, Shape) else _written(claim)
    problem = dataclasses.replace(solution.problem, claims=((name, claimed),))
    (verdict,) = check(dataclasses.replace(solution, problem=problem))
    return verdict.verdict, verdict.cause


@pytest.mark.parametrize("name", SETS)
def test_every_cause_of_the_catalogue_is_named_on_every_kind(name: str) -> None:
    missed = []
    for solution in solved(name):
        answers = [a for a in solution.answers.entries() if _numbers(a.value) is not None or
                   isinstance(a.value, Shape)][:MAX_ANSWERS]
        for answer in answers:
            slips = list(made_slips(solution, answer))
            for claim, cause in slips:
                if _same(claim, answer.value):
                    continue  # a zero, a symmetric matrix: no slip to find
                accepted = {c for v, c in slips if _same(v, claim)} | {
                    f"this is the value of {key_text(o.key)}" for o in
                    solution.answers.entries() if _numbers(o.value) is not None and _same(
                        np.ravel(o.value), np.ravel(claim))}  # the checker reads entries
                if answer.nonnegative and not isinstance(claim, Shape) \
                        and np.any(np.asarray(claim, dtype=float) < 0):
                    accepted.add("is never negative")  # the reason, whatever the slip
                verdict, found = judged(solution, answer, claim)
                if verdict != "wrong" or not any(c in found for c in accepted):
                    missed.append(f"{solution.problem.id}: {key_text(answer.key)}: made "
                                  f"{cause!r}, got {verdict} {found!r}")
    assert not missed, "\n".join(missed[:20])


def test_a_changed_size_is_named_on_every_kind_with_sizes() -> None:
    """The problem solved with one size field doubled: the claim of that solution's answer
    is found as that size (or as a slip that gives the same value)."""
    missed = []
    for solution in solved("builtin"):
        problem = solution.problem
        field = next((f.name for f in dataclasses.fields(problem) if f.name not in (
            "id", "seed") and isinstance(getattr(problem, f.name), int) and not isinstance(
            getattr(problem, f.name), bool) and getattr(problem, f.name) > 1), None)
        if field is None:
            continue
        try:
            changed = derive.solve(dataclasses.replace(problem, **{field: 2 * getattr(
                problem, field)}))
        except Exception:  # noqa: BLE001 - a size the kind refuses: nothing to claim
            continue
        for answer in solution.answers.entries()[:MAX_ANSWERS]:
            if answer.key not in changed.answers or _numbers(answer.value) is None:
                continue
            claim = _numbers(changed.answers[answer.key])
            if claim is None or claim.shape != np.shape(answer.value) or _same(
                    claim, answer.value):
                continue
            verdict, found = judged(solution, answer, claim)
            if verdict != "wrong" or found.startswith("no single slip") or " is not " in found:
                missed.append(f"{problem.id}: {key_text(answer.key)} with {field} doubled: "
                              f"{verdict} {found!r}")
            break
    assert not missed, "\n".join(missed)
