"""derive: worked, verified solutions for deep-learning coursework.

>>> import derive
>>> solution = derive.solve(derive.problem("params", layers="100,50,25,10"))
>>> solution.answers["total"]
6585

Heavy libraries (SymPy, NumPy, Jinja2) load on first use, so `derive --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from derive.problem import Problem
from derive.problemset import ProblemSet, load, loads
from derive.render import render, render_set

if TYPE_CHECKING:
    from derive.solution import Solution, Step

__all__ = ["Problem", "ProblemSet", "Solution", "Step", "check", "load", "loads", "problem",
           "render", "render_set", "solve", "solve_set"]

__version__ = "0.1.0"


def problem(kind: str, **fields: Any) -> Problem:
    """A validated problem of `kind` from keyword fields (CLI strings or Python values)."""
    from derive.problems import kind_module

    return kind_module(kind).Problem.from_fields(fields)


def solve(item: Problem) -> Solution:
    """Solve one problem: every step is verified before it is returned."""
    from derive.problems import kind_module

    return kind_module(item.kind).solve(item)


def solve_set(problem_set: ProblemSet) -> list[Solution]:
    """Solve every problem of a set, in order: each shows the fields its `vary` table draws
    as given data and boxes what its `ask` table names."""
    from derive.classroom.asks import box_asked
    from derive.given import with_varied

    count = len(problem_set.problems)
    return [box_asked(solve(with_varied(item, vary)), asked) for item, vary, asked in zip(
        problem_set.problems, problem_set.vary or ({},) * count,
        problem_set.asks or (None,) * count, strict=True)]


def check(solution: Solution, rtol: float | None = None) -> list[Any]:
    """Judge the claims of a solved problem: a `Verdict` (correct, rounding slip or wrong,
    with its likely cause) for each."""
    from derive.verdicts import check as judge

    return judge(solution, rtol)


def __getattr__(name: str) -> Any:
    if name in {"Solution", "Step"}:
        from derive import solution

        return getattr(solution, name)
    raise AttributeError(name)
