"""Answer files read into submissions: derive's answer sheet, Moodle's Responses report and
Canvas's Student Analysis export (recognised by their headers).

- derive: a column ``id`` (and optionally ``name`` and ``variant``), then one column per
  answer named ``PROBLEM/ANSWER`` (``count/total``, ``grad/dl/dW_2``); a vector or matrix is its
  entries in row order, separated by ``,`` (``;`` with a decimal comma).
- Moodle (Responses report, with "question text" shown): ``ID number``, ``Username`` or
  ``Email address`` names the student; each ``Question N`` cell holds the exported question's
  text with its marker ``[derive:PROBLEM/vNN]``, and ``Response N`` the answer (a cloze
  question's as ``part 1: v; part 2: w``).
- Canvas (Student Analysis): ``sis_id`` (else ``id``) names the student; each question
  column's header is ``NNN: question text`` with the marker, its cell the answer (several
  blanks separated by ``,``; ``;`` with a decimal comma).

Each answer is kept as text: `derive.classroom.grading` parses it against what it answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from derive.classroom.csvio import Table, column, read_table
from derive.classroom.quiz import parse_question_id

_CLOZE_PART = re.compile(r"(?:^|;)\s*part\s+(\d+)\s*:\s*", re.IGNORECASE)


@dataclass
class Submission:
    """One student's row: answers by problem, as texts by answer name (derive) or as the
    list of entries in part order (LMS); a problem's variant when the file names it."""

    line: int
    student: str
    name: str = ""
    variants: dict[str, int] = field(default_factory=dict)
    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    parts: dict[str, list[str]] = field(default_factory=dict)
    variant: int | None = None


@dataclass(frozen=True)
class Responses:
    """The submissions of a file, and its bad rows as (line, reason)."""

    source: str
    submissions: tuple[Submission, ...]
    bad: tuple[tuple[int, str], ...]


def read_responses(path: Path, problem_ids: Mapping[str, object], decimal_comma: bool
                   ) -> Responses:
    """Read an answer file of any of the three formats."""
    table = read_table(path, "answers")
    lowered = [cell.lower() for cell in table.header]
    if any(cell.startswith("response ") for cell in lowered):
        return _moodle(table)
    if "sis_id" in lowered and "section" in lowered:
        return _canvas(table, decimal_comma)
    return _derive(table, problem_ids)


def _derive(table: Table, problem_ids: Mapping[str, object]) -> Responses:
    student, name = column(table.header, "id", "student id"), column(table.header, "name")
    variant = column(table.header, "variant")
    if student is None:
        return Responses("derive", (), ((1, "no 'id' column; name the students' column id"),))
    answers = {index: cell.split("/", 1) for index, cell in enumerate(table.header)
               if "/" in cell and cell.split("/", 1)[0] in problem_ids}
    submissions, bad = [], list(table.bad)
    for line, row in table.rows:
        submission = Submission(line, row[student].strip(), row[name] if name is not None
                                else "")
        if variant is not None and row[variant].strip():
            if not row[variant].strip().isdigit() or len(row[variant].strip()) > 4:
                bad.append((line, f"variant {row[variant]!r} is not a number"))
                continue
            submission.variant = int(row[variant])
        for index, (problem, answer) in answers.items():
            submission.answers.setdefault(problem, {})[answer.strip()] = row[index]
        submissions.append(submission)
    return Responses("derive", tuple(submissions), tuple(bad))


def _moodle(table: Table) -> Responses:
    student = column(table.header, "id number", "username", "email address")
    pairs = [(table.header.index(h), table.header.index(h.replace("Question", "Response")))
             for h in table.header if re.fullmatch(r"Question \d+", h)
             and h.replace("Question", "Response") in table.header]
    submissions, bad = [], list(table.bad)
    for line, row in table.rows:
        who = row[student].strip() if student is not None else ""
        submission = Submission(line, who)
        for asked, answered in pairs:
            found = parse_question_id(row[asked])
            if found is None:
                bad.append((line, f"column {table.header[asked]!r} names no derive question"))
                continue
            submission.variants[found[0]] = found[1]
            submission.parts[found[0]] = cloze_entries(row[answered])
        submissions.append(submission)
    return Responses("moodle", tuple(submissions), tuple(bad))


def cloze_entries(cell: str) -> list[str]:
    """A Moodle response's entries: ``part 1: 3; part 2: 4`` -> ['3', '4'], a plain answer
    as itself; ``-`` (not answered) as ''.

    >>> cloze_entries("part 1: 0,5; part 2: -"), cloze_entries("12.5")
    (['0,5', ''], ['12.5'])
    """
    pieces = _CLOZE_PART.split(cell)
    if len(pieces) == 1:
        return ["" if cell.strip() == "-" else cell.strip()]
    values = [pieces[i + 1].strip() for i in range(1, len(pieces) - 1, 2)]
    return ["" if value == "-" else value for value in values]


def _canvas(table: Table, decimal_comma: bool) -> Responses:
    student = column(table.header, "sis_id")
    fallback = column(table.header, "id")
    name = column(table.header, "name")
    questions = {index: parse_question_id(cell) for index, cell in enumerate(table.header)
                 if re.match(r"^\d+:", cell)}
    submissions, bad = [], list(table.bad)
    for line, row in table.rows:
        who = row[student].strip() if student is not None else ""
        if not who and fallback is not None:
            who = row[fallback].strip()
        submission = Submission(line, who, row[name] if name is not None else "")
        for index, found in questions.items():
            if found is None:
                bad.append((line, f"column {index + 1} names no derive question"))
                continue
            submission.variants[found[0]] = found[1]
            separator = ";" if decimal_comma else ","
            submission.parts[found[0]] = [v.strip() for v in row[index].split(separator)]
        submissions.append(submission)
    return Responses("canvas", tuple(submissions), tuple(bad))
