"""Grading a class: each student's answers against their variant, with verdicts and causes.

Each asked answer earns the points of the entries within their tolerance (the same absolute
tolerance the LMS export states). A wrong answer's cause is derive's checker's
(`derive.verdicts.check`, judged by the digits written), cached per (question, claim); an
answer right to the digits written but outside the tolerance says so. Bad rows (unknown or
repeated student, no variant, an unparsable answer) are reported with their line numbers and
graded as missing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from derive.classroom.asks import Part, parts_of
from derive.classroom.claims import Unparsable, entries, listed
from derive.classroom.quiz import Quiz, variant_solutions
from derive.classroom.responses import Submission
from derive.classroom.roster import Student, variant_of
from derive.errors import DeriveError
from derive.solution import Formula, Solution
from derive.variants import varied

Entry = Decimal | str | None


@dataclass(frozen=True)
class Mark:
    """One answer of one student: what was written, the verdict, its cause and the points."""

    problem: str
    answer: str
    claimed: str
    verdict: str
    cause: str
    points: float
    out_of: float


@dataclass(frozen=True)
class Graded:
    """One student's marks, by problem, with the variant each problem was asked in."""

    student: str
    name: str
    variants: dict[str, int]
    marks: tuple[Mark, ...]

    @property
    def total(self) -> float:
        """Points earned."""
        return sum(mark.points for mark in self.marks)

    @property
    def out_of(self) -> float:
        """Points possible."""
        return sum(mark.out_of for mark in self.marks)


class Grader:
    """Grades submissions of one quiz; variants are solved once each, causes found once."""

    def __init__(self, quiz: Quiz, seed: int, count: int, digits: int, decimal_comma: bool):
        self.quiz, self.seed, self.count, self.digits = quiz, seed, count, digits
        self.decimal_comma = decimal_comma
        self.varies = set(varied(quiz.problem_set))
        self._solved: dict[int, tuple[Solution, ...]] = {}
        self._causes: dict[tuple[Any, ...], tuple[str, str]] = {}

    def question(self, problem: str, variant: int) -> tuple[Solution, list[Part]]:
        """The solution and parts of (problem, variant)."""
        if problem not in self.varies:
            variant = 1
        if variant not in self._solved:
            self._solved[variant] = next(variant_solutions(self.quiz, self.seed, [variant]))[1]
        index = self.quiz.ids.index(problem)
        solution = self._solved[variant][index]
        return solution, parts_of(solution, self.quiz.asks[index], self.digits)

    def variant(self, submission: Submission, problem: str, hashed: bool) -> int | None:
        """The variant a student was asked a problem in, or None when nothing says."""
        if problem in submission.variants:
            return submission.variants[problem]
        if submission.variant is not None:
            return submission.variant
        if hashed:
            return variant_of(self.seed, submission.student, self.count)
        return None if problem in self.varies else 1

    def grade(self, submission: Submission, hashed: bool, bad: list[tuple[int, str]]) -> Graded:
        """One student's marks; unparsable answers are appended to `bad` and graded missing."""
        marks: list[Mark] = []
        variants: dict[str, int] = {}
        for problem in self.quiz.ids:
            variant = self.variant(submission, problem, hashed)
            if variant is None or not 1 <= variant <= 9999:
                bad.append((submission.line, f"student {submission.student!r}, problem "
                                             f"{problem!r}: no variant; give --roster or a "
                                             "variant column"))
                variant = 0
            variants[problem] = variant
            marks.extend(self._problem_marks(submission, problem, variant, bad))
        return Graded(submission.student, submission.name, variants, tuple(marks))

    def _problem_marks(self, submission: Submission, problem: str, variant: int,
                       bad: list[tuple[int, str]]) -> list[Mark]:
        solution, parts = self.question(problem, max(variant, 1))
        groups = _grouped(parts)
        written = self._written(submission, problem, groups, parts, bad)
        return [self._mark(solution, problem, variant, name, group, written.get(name))
                if variant else _missing(problem, name, group, "no variant")
                for name, group in groups.items()]

    def _written(self, submission: Submission, problem: str, groups: dict[str, list[Part]],
                 parts: list[Part], bad: list[tuple[int, str]]) -> dict[str, Any]:
        written: dict[str, Any] = {}
        where = f"student {submission.student!r}, problem {problem!r}"
        if problem in submission.parts:
            try:
                values = listed(submission.parts[problem], parts, self.decimal_comma)
            except Unparsable as error:
                bad.append((submission.line, f"{where}: {error}"))
                return {name: Unparsable(str(error)) for name in groups}
            start = 0
            for name, group in groups.items():
                written[name] = values[start:start + len(group)]
                start += len(group)
            return written
        texts = submission.answers.get(problem, {})
        for name, group in groups.items():
            text = texts.get(name, "").strip()
            if not text:
                continue
            try:
                written[name] = entries(text, group, self.decimal_comma)
            except Unparsable as error:
                bad.append((submission.line, f"{where}, answer {name!r}: {error}"))
                written[name] = Unparsable(str(error))
        return written

    def _mark(self, solution: Solution, problem: str, variant: int, name: str,
              group: list[Part], claimed: Any) -> Mark:
        out_of = sum(part.points for part in group)
        if isinstance(claimed, Unparsable):
            return Mark(problem, name, "", "unparsable", str(claimed), 0.0, out_of)
        if claimed is None or all(entry is None for entry in claimed):
            return _missing(problem, name, group, "not answered")
        earned = [part.points if within(entry, part) else 0.0
                  for entry, part in zip(claimed, group, strict=True)]
        text = ", ".join("" if e is None else str(e) for e in claimed)
        if len([e for e in earned if e]) == len(group):
            return Mark(problem, name, text, "correct", "", out_of, out_of)
        verdict, cause = self._cause(solution, variant, name, group, claimed)
        return Mark(problem, name, text, verdict, cause, float(sum(earned)), out_of)

    def _cause(self, solution: Solution, variant: int, name: str, group: list[Part],
               claimed: Sequence[Entry]) -> tuple[str, str]:
        memo = (solution.problem.id, variant, name, tuple(claimed))
        if memo not in self._causes:
            self._causes[memo] = checker_cause(solution, name, group, claimed)
        return self._causes[memo]


def _grouped(parts: Sequence[Part]) -> dict[str, list[Part]]:
    groups: dict[str, list[Part]] = {}
    for part in parts:
        groups.setdefault(part.answer, []).append(part)
    return groups


def _missing(problem: str, name: str, group: Sequence[Part], why: str) -> Mark:
    return Mark(problem, name, "", "missing", why, 0.0, sum(part.points for part in group))


def within(entry: Entry, part: Part) -> bool:
    """Whether one entry is right: a number within the part's tolerance, a shape the same."""
    if entry is None:
        return False
    if part.kind == "short":
        from derive.claimed_number import claimed_shape

        return claimed_shape(str(entry)) == claimed_shape(str(part.value))
    difference = abs(Decimal(entry) - Decimal(float(part.value)))
    return difference <= Decimal(part.tolerance) * (1 + Decimal("1e-9")) + Decimal("1e-300")


def checker_cause(solution: Solution, name: str, group: Sequence[Part],
                  claimed: Sequence[Entry]) -> tuple[str, str]:
    """The verdict and cause derive's checker gives a wrong answer."""
    from derive.verdicts import check

    truth = solution.answers[name]
    if isinstance(truth, Formula) or any(entry is None for entry in claimed):
        shown = ", ".join(f"{p.value:.6g}" if p.kind == "numeric" else str(p.value)
                          for p in group)
        return "wrong", f"the right value{'s are' if len(group) > 1 else ' is'} {shown}"
    claim: Any = claimed[0] if group[0].entry is None else np.asarray(
        claimed, dtype=object).reshape(np.shape(truth)).tolist()
    problem = dataclasses.replace(solution.problem, claims=((name, claim),))
    try:
        verdict = check(dataclasses.replace(solution, problem=problem))[0]
    except (DeriveError, ValueError, TypeError, ArithmeticError):
        return "wrong", ""
    if verdict.verdict == "correct":
        tolerances = ", ".join(f"±{p.tolerance:.3g}" for p in group[:3])
        return "wrong", (f"right to the digits written, but this question asks for it within "
                         f"{tolerances}: give more digits")
    return verdict.verdict, verdict.cause


def roster_variants(students: Sequence[Student], seed: int, count: int) -> dict[str, int]:
    """Each roster student's variant."""
    return {student.id: variant_of(seed, student.id, count) for student in students}
