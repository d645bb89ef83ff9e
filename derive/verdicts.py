"""Checking claimed answers against derived ones: a verdict and a likely cause for each.

Generic over every kind: what the checker needs of an answer is on the answer
(`derive.answers.Answer`). Numbers are judged by the digits they were written with
(`derive.claimed_number`), or by `rtol` when given; a wrong number is a *rounding slip* only
when it is what the answer's own relation gives from the claimant's rounded inputs
(`derive.causes.rounded_inputs`); formulas are judged numerically
(`derive.claimed_formula`); a wrong answer's likely cause is searched in a catalogue of
slips (`derive.causes`). A negative claim of an answer that cannot be negative (a loss, a
count, a size) is wrong for that reason.

A claim's name may end in a note in parentheses, ``dl/dW^1 (in the update)``, so that one
document can claim a quantity twice, where it wrote it twice.

The module is `verdicts`, not `check`: a submodule named like the function `derive.check`
would replace that function on the package the first time it is imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from derive.answers import Answer, Answers, Key
from derive.causes import claim_place, formula_verdict, number_cause, rounded_inputs
from derive.claimed_number import VERDICTS, coarse_cause, compare, negative, written
from derive.errors import InputError
from derive.render.keys import key_text
from derive.solution import Formula, Solution

__all__ = ["VERDICTS", "Verdict", "check", "claim_key", "compare"]

UNEXPLAINED = "no single slip explains it: work it again from the problem's numbers"
NOTE = re.compile(r"^(.*\S)\s+\([^()]*\)$")


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
    written: dict[Key, Any] = {}
    for name, claim in solution.problem.claims:
        written.setdefault(claim_key(solution, name), claim)
    return [_judged(solution, name, claim, rtol, written)
            for name, claim in solution.problem.claims]


def claim_key(solution: Solution, name: str) -> Key:
    """The answer a claim's name stands for, by its key or by the name the step that shows
    it writes (`P_head` for `per_head`); an `InputError` listing the answers otherwise."""
    match = NOTE.match(name)
    typed = match.group(1) if match else name
    found = solution.answers.find(typed) or _step_named(solution, typed)
    if found is None:
        names = ", ".join(key_text(key) for key in solution.answers)
        raise InputError(f"{claim_place(solution.problem, name)}: no such answer; the answers "
                         f"are {names}")
    return found


def _step_named(solution: Solution, typed: str) -> Key | None:
    """The answer a step shows under a name of its own (a step keyed to an answer, whose
    left side writes it otherwise), when `typed` is that name (spelt as loosely as keys)."""
    written = Answers(Answer(Key.of(step.sides[0]), step.key) for step in solution.steps
                      if step.key is not None and isinstance(step.sides[0], sympy.Symbol |
                                                              sympy.MatrixSymbol))
    found = written.find(typed)
    return None if found is None else written[found]


def _judged(solution: Solution, name: str, claim: Any, rtol: float | None,
            written: dict[Key, Any]) -> Verdict:
    key = claim_key(solution, name)
    answer = solution.answers.answer(key)
    truth = answer.value
    if isinstance(truth, Formula):
        verdict, cause = formula_verdict(solution, key, claim)
    elif answer.nonnegative and _negative(claim):
        verdict, cause = "wrong", f"{key_text(key)} is never negative"
        if compare(_negated(truth), claim, rtol) == "correct":
            cause += "; this is the right value with its sign flipped"
    else:
        verdict, cause = _number_verdict(solution, answer, claim, rtol, written)
    return Verdict(solution.problem.id, name, claim, truth, verdict, cause)


def _number_verdict(solution: Solution, answer: Answer, claim: Any, rtol: float | None,
                    written: dict[Key, Any]) -> tuple[str, str]:
    if compare(answer.value, claim, rtol) == "correct":
        return "correct", ""
    rounded = rounded_inputs(solution.answers, answer, claim, written, rtol)
    if rounded:
        return "rounding slip", rounded
    # a slip that gives the claim (as closely as its digits tell) names it before "too few
    # digits": 0.2 written for an update of 0.2 to 0.2036 is the update skipped
    coarse = "" if rtol is not None else coarse_cause(answer.value, claim)
    return "wrong", number_cause(solution, answer, claim, rtol) or coarse or unexplained(
        solution, answer, claim)


def unexplained(solution: Solution, answer: Answer, claim: Any) -> str:
    """What is known of a wrong number no slip explains: the claim against the right value
    (for one number) and what the answer is, in the words of the step that shows it.

    >>> import derive
    >>> s = derive.solve(derive.problem("params", layers="4,3"))
    >>> print(unexplained(s, s.answers.answer("total"), 7))
    7 is not 15; no single slip explains it: work it again from the problem's numbers
    """
    what = _shown_by(solution, answer)
    said = f" ({key_text(answer.key)}, {what})" if what else ""
    truth = answer.value
    if isinstance(truth, int | float) and not isinstance(truth, bool) and \
            written(claim) is not None:
        shown = truth if isinstance(truth, int) else float(f"{truth:.4g}")
        return f"{written(claim)} is not {shown}{said}; {UNEXPLAINED}"
    return f"{key_text(answer.key)} is {what}; {UNEXPLAINED}" if what else UNEXPLAINED


def _shown_by(solution: Solution, answer: Answer) -> str:
    """The caption of the step that shows the answer's value, when one step alone does."""
    found = [str(step.why) for step in solution.steps if step.value is not None and
             _same(step.value, answer.value)]
    return found[0] if len(set(found)) == 1 else ""


def _same(value: Any, truth: Any) -> bool:
    try:
        a, b = np.asarray(value, dtype=float), np.asarray(truth, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=0))


def _negative(claim: Any) -> bool:
    return not isinstance(claim, str) and negative(claim)


def _negated(truth: Any) -> Any:
    return -truth if isinstance(truth, int | float) else np.negative(np.asarray(truth, float))
