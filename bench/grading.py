"""Grading a 200-student class against solving its variants once: prints the ratio.

    python bench/grading.py [--students 200] [--variants 30]

The reference is drawing and solving the quiz's variants (what grading must do anyway); the
measured run reads a 200-row answer sheet (a third of the answers wrong, so the checker
searches causes), grades it and writes grades.csv and 200 feedback files.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from derive.classroom.gradebook import grade_class, write_grades
from derive.classroom.grading import Grader
from derive.classroom.quiz import load_quiz, variant_solutions
from derive.classroom.responses import read_responses
from derive.classroom.roster import read_roster, variant_of

QUIZ = Path(__file__).parents[1] / "examples" / "quiz.toml"
SEED = 7


def write_class(folder: Path, students: int, count: int) -> tuple[Path, Path]:
    """A roster and an answer sheet, every third student doubling their numbers."""
    quiz = load_quiz(QUIZ)
    grader = Grader(quiz, SEED, count, 4, False)
    ids = [f"s{n:04d}" for n in range(students)]
    roster, answers = folder / "students.csv", folder / "answers.csv"
    with roster.open("w", newline="") as handle:
        csv.writer(handle).writerows([["id", "name"], *[[i, f"Student {i}"] for i in ids]])
    rows = []
    for n, student in enumerate(ids):
        row = {"id": student}
        for problem in quiz.ids:
            _, parts = grader.question(problem, variant_of(SEED, student, count))
            for part in parts:
                value = part.value if part.kind == "short" or n % 3 else part.value * 2
                key = f"{problem}/{part.answer}"
                text = value if isinstance(value, str) else f"{value:.6g}"
                row[key] = f"{row[key]}, {text}" if key in row else text
        rows.append(row)
    with answers.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return roster, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--variants", type=int, default=30)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        roster, answers = write_class(folder, options.students, options.variants)
        quiz = load_quiz(QUIZ)
        start = time.perf_counter()
        for _ in variant_solutions(quiz, SEED, range(1, options.variants + 1)):
            pass
        solving = time.perf_counter() - start
        start = time.perf_counter()
        grader = Grader(quiz, SEED, options.variants, 4, False)
        graded, bad = grade_class(grader, read_responses(answers, dict.fromkeys(quiz.ids),
                                                         False), read_roster(roster))
        write_grades(folder / "grades", quiz.problem_set.title, graded, bad)
        grading = time.perf_counter() - start
    print(f"solving {options.variants} variants once: {solving:.3f} s")
    print(f"grading {len(graded)} students (solving included, {len(bad)} bad rows): "
          f"{grading:.3f} s")
    print(f"ratio grading / solving: {grading / solving:.2f}")


if __name__ == "__main__":
    main()
