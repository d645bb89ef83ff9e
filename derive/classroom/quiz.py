"""A quiz: a problem-set file's problems, each drawn in variants and asked by its `ask` table.

Every question is named by (problem, variant): its id is ``PROBLEM/vNN``
(`question_id`), written into the LMS export (the question's name and a marker
``[derive:PROBLEM/vNN]`` at the end of its text) so that a response export finds each
student's variant again (`parse_question_id`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from derive.classroom.asks import Ask, NothingToAsk, Part, parts_of, read_asks
from derive.classroom.html import feedback_html, statement_html
from derive.errors import InputError
from derive.problemset import ProblemSet, load
from derive.solution import Formula, Solution
from derive.variants import MAX_VARIANTS, draw_variant

MARKER = re.compile(r"\[derive:([A-Za-z0-9][A-Za-z0-9_.-]{0,63})/v(\d{1,4})\]")


@dataclass(frozen=True)
class Quiz:
    """A problem set and each problem's asks (None: the defaults)."""

    problem_set: ProblemSet
    asks: tuple[tuple[Ask, ...] | None, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """The problems' ids, in order."""
        return tuple(problem.id for problem in self.problem_set.problems)


@dataclass(frozen=True)
class Question:
    """One variant of one problem as asked: its id, text, parts and worked solution."""

    problem: str
    variant: int
    title: str
    text: str       # HTML, math in \\( \\) and \\[ \\]
    feedback: str   # HTML: the worked solution
    parts: tuple[Part, ...]

    @property
    def id(self) -> str:
        """``PROBLEM/vNN``."""
        return question_id(self.problem, self.variant)

    @property
    def points(self) -> float:
        """The question's points: the sum of its parts'."""
        return sum(part.points for part in self.parts)


def question_id(problem: str, variant: int) -> str:
    """The id naming (problem, variant).

    >>> question_id("q1", 7), parse_question_id("text [derive:q1/v07]")
    ('q1/v07', ('q1', 7))
    """
    return f"{problem}/v{variant:02d}"


def parse_question_id(text: str) -> tuple[str, int] | None:
    """(problem, variant) from a text holding a question's marker; None when there is none."""
    match = MARKER.search(text)
    return (match.group(1), int(match.group(2))) if match else None


def load_quiz(path: Path) -> Quiz:
    """Read a problem-set file and validate its `ask` tables."""
    problem_set = load(path)
    asks = problem_set.asks or (None,) * len(problem_set.problems)
    return Quiz(problem_set, tuple(read_asks(table, problem.id)
                                   for table, problem in zip(asks, problem_set.problems,
                                                             strict=True)))


def check_count(count: int) -> None:
    """Refuse a variant count outside 1..MAX_VARIANTS."""
    if not 1 <= count <= MAX_VARIANTS:
        raise InputError(f"variants: give 1 to {MAX_VARIANTS}")


def variant_solutions(quiz: Quiz, seed: int, indices: Any) -> Iterator[tuple[int, tuple[
        Solution, ...]]]:
    """(index, solutions) of each variant index, problems that do not vary solved once."""
    fixed: dict[int, Solution] = {}
    for index in indices:
        yield index, draw_variant(quiz.problem_set, seed, index, fixed).solutions


def questions(quiz: Quiz, count: int, seed: int, digits: int) -> dict[str, list[Question]]:
    """Every problem's questions, variants 1..count, by problem id."""
    check_count(count)
    by_problem: dict[str, list[Question]] = {pid: [] for pid in quiz.ids}
    for index, solutions in variant_solutions(quiz, seed, range(1, count + 1)):
        for solution, asks in zip(solutions, quiz.asks, strict=True):
            try:
                by_problem[solution.problem.id].append(question(solution, asks, index, digits))
            except NothingToAsk:
                continue  # a proof or formulas only: see unasked()
    if not any(by_problem.values()):
        raise InputError("ask: no problem of the set has a numeric answer to ask; add an ask "
                         "table, e.g. ask = { total = {} }")
    return {pid: found for pid, found in by_problem.items() if found}


def unasked(quiz: Quiz, by_problem: Mapping[str, Sequence[Question]]) -> list[str]:
    """The problems left out of an export: nothing numeric to ask and no ask table."""
    return [pid for pid in quiz.ids if pid not in by_problem]


def question(solution: Solution, asks: tuple[Ask, ...] | None, variant: int,
             digits: int) -> Question:
    """One variant of one problem as a question."""
    problem = solution.problem
    parts = tuple(parts_of(solution, asks, digits))
    marker = f"[derive:{question_id(problem.id, variant)}]"
    text = statement_html(problem, parts, stated_numbers(solution, asks), marker)
    return Question(problem.id, variant, f"{problem.id} (variant {variant})", text,
                    feedback_html(solution, digits), parts)


def stated_numbers(solution: Solution, asks: tuple[Ask, ...] | None) -> dict[str, Any]:
    """The numbers a formula answer is asked at (its sample's inputs; deltas left out)."""
    stated: dict[str, Any] = {}
    for ask in asks or ():
        key = solution.answers.find(ask.name)
        value = solution.answers[key] if key is not None else None
        if isinstance(value, Formula) and value.sample is not None:
            values = value.sample()[0]
            for name, number in values.items():
                if not name.startswith(("delta", "δ")) and name != "N" and \
                        not any(number is seen for seen in stated.values()):
                    stated[name] = np.asarray(number, dtype=float)
    return stated
