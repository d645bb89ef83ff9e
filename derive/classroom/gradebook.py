"""A class graded and written: ``grades.csv``, one feedback file per student, a report of
bad rows, all in a folder that appears whole or not at all (`derive.staging`).

``grades.csv``: ``id, name``, one column of points per asked answer (``PROBLEM/ANSWER``),
``total`` and ``out_of``; every cell escaped against formula injection. Feedback:
``feedback/NNNN-ID.txt``, each answer's verdict, points and cause.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from derive.classroom.csvio import csv_text
from derive.classroom.grading import Graded, Grader
from derive.classroom.responses import Responses, Submission
from derive.classroom.roster import Student, safe_name
from derive.output import target_of
from derive.staging import staged_folder

GRADES = "grades.csv"
REPORT = "bad-rows.txt"
MANIFEST = "manifest.json"
WRITTEN_BY = "derive grade"


def grade_class(grader: Grader, responses: Responses, roster: Sequence[Student] | None
                ) -> tuple[list[Graded], list[tuple[int, str]]]:
    """Every student graded (roster order when there is a roster) and the bad rows."""
    bad = list(responses.bad)
    chosen: dict[str, Submission] = {}
    known = {student.id: student for student in roster or ()}
    for submission in responses.submissions:
        if not submission.student:
            bad.append((submission.line, "no student id; the row is skipped"))
        elif roster is not None and submission.student not in known:
            bad.append((submission.line, f"unknown student {submission.student!r} (not on the "
                                         "roster); the row is skipped"))
        elif submission.student in chosen:
            bad.append((submission.line, f"student {submission.student!r} again (line "
                                         f"{chosen[submission.student].line} is graded)"))
        else:
            chosen[submission.student] = submission
    order = [s.id for s in roster] if roster is not None else list(chosen)
    graded = []
    for student in order:
        submission = chosen.get(student) or Submission(known[student].line, student)
        if not submission.name and student in known:
            submission.name = known[student].name
        graded.append(grader.grade(submission, roster is not None, bad))
    return graded, sorted(bad)


def _number(points: float) -> str:
    return f"{points:.4g}"


def grades_csv(graded: Sequence[Graded]) -> str:
    """The grades table."""
    columns = list(dict.fromkeys(f"{m.problem}/{m.answer}" for g in graded for m in g.marks))
    rows = []
    for student in graded:
        points = {f"{m.problem}/{m.answer}": _number(m.points) for m in student.marks}
        rows.append([student.student, student.name, *(points.get(c, "") for c in columns),
                     _number(student.total), _number(student.out_of)])
    return csv_text(["id", "name", *columns, "total", "out_of"], rows)


def feedback_text(title: str, student: Graded) -> str:
    """One student's feedback: each answer's verdict, points and cause."""
    who = f"{student.student} ({student.name})" if student.name else student.student
    lines = [f"{title or 'derive quiz'}", f"Student: {who}",
             f"Score: {_number(student.total)} / {_number(student.out_of)}", ""]
    current = ""
    for mark in student.marks:
        if mark.problem != current:
            current = mark.problem
            lines += ["" if len(lines) > 4 else "",
                      f"{mark.problem} (variant {student.variants.get(mark.problem, 0)})"]
        claimed = f" = {mark.claimed}" if mark.claimed else ""
        cause = f": {mark.cause}" if mark.cause else ""
        lines.append(f"  {mark.answer}{claimed}: {mark.verdict} "
                     f"({_number(mark.points)}/{_number(mark.out_of)}){cause}")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def write_grades(folder: Path, title: str, graded: Sequence[Graded],
                 bad: Sequence[tuple[int, str]]) -> list[Path]:
    """grades.csv, the feedback files, the bad-row report and a manifest into `folder`."""
    files: dict[str, str] = {GRADES: grades_csv(graded)}
    for number, student in enumerate(graded, 1):
        files[f"feedback/{number:04d}-{safe_name(student.student)}.txt"] = feedback_text(
            title, student)
    files[REPORT] = "".join(f"line {line}: {why}\n" for line, why in bad) or "no bad rows\n"
    manifest = {"written_by": WRITTEN_BY, "files": sorted(files)}
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    with staged_folder(folder, grades_wrote) as staging:
        (staging / "feedback").mkdir()
        for name, text in files.items():
            (staging / name).write_bytes(text.encode("utf-8"))
    return [target_of(folder) / name for name in files]


def grades_wrote(folder: Path) -> bool:
    """True when `folder` is one `derive grade` wrote (its manifest says so)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("written_by") == WRITTEN_BY
