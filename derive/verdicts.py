"""Checking claimed answers against derived ones: a verdict and a likely cause for each.

Numbers are judged by the digits they were written with (`derive.claimed_number`), or by
`rtol` when given; formulas numerically (`derive.claimed_formula`); a wrong answer's likely
cause is searched in a catalogue of slips (`derive.causes`). A negative claim of an answer
that cannot be negative (a loss, a count, a size) is wrong for that reason: each kind's
module lists such answers in `NONNEGATIVE_ANSWERS` (shell-style patterns of answer names).

The module is `verdicts`, not `check`: a submodule named like the function `derive.check`
would replace that function on the package the first time it is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import numpy as np

from derive.causes import claim_place, formula_verdict, number_cause
from derive.claimed_number import VERDICTS, compare, negative
from derive.errors import InputError
from derive.problems import kind_module
from derive.solution import Formula, Solution

__all__ = ["VERDICTS", "Verdict", "cannot_be_negative", "check", "compare"]


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
    return [_judged(solution, name, claim, rtol) for name, claim in solution.problem.claims]


def _judged(solution: Solution, name: str, claim: Any, rtol: float | None) -> Verdict:
    problem = solution.problem
    if name not in solution.answers:
        raise InputError(f"{claim_place(problem, name)}: no such answer; the answers are "
                         f"{', '.join(solution.answers)}")
    truth = solution.answers[name]
    if isinstance(truth, Formula):
        verdict, cause = formula_verdict(solution, name, claim)
    elif cannot_be_negative(problem.kind, name) and _negative(claim):
        verdict, cause = "wrong", f"{name} cannot be negative"
        if compare(_negated(truth), claim, rtol) == "correct":
            cause += "; sign flipped"
    else:
        verdict = compare(truth, claim, rtol)
        cause = "" if verdict == "correct" else number_cause(solution, name, claim, rtol)
    return Verdict(problem.id, name, claim, truth, verdict, cause)


def cannot_be_negative(kind: str, name: str) -> bool:
    """Whether the answer `name` of `kind` is never negative (a loss, a count, a size).

    >>> cannot_be_negative("loss", "ce"), cannot_be_negative("gd", "lr 0.1 x")
    (True, False)
    """
    patterns = getattr(kind_module(kind), "NONNEGATIVE_ANSWERS", ())
    return any(fnmatchcase(name, pattern) for pattern in patterns)


def _negative(claim: Any) -> bool:
    return not isinstance(claim, str) and negative(claim)


def _negated(truth: Any) -> Any:
    return -truth if isinstance(truth, int | float) else np.negative(np.asarray(truth, float))
