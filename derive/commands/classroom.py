"""`derive export` and `derive grade`: a quiz into Moodle or Canvas, a class's answers graded.

Each command parses its options, calls `derive.classroom` once and echoes what it wrote;
errors are one line with exit status 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from derive.classroom.roster import DEFAULT_POOL
from derive.errors import InputError

FILE = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.argument("file", type=FILE)
@click.option("--to", "target", type=click.Choice(["moodle", "canvas"]), required=True,
              help="moodle: Moodle XML question bank; canvas: QTI 1.2 zip (classic quizzes).")
@click.option("--variants", default=DEFAULT_POOL, show_default=True,
              type=click.IntRange(1, 500), help="Questions (variants) per problem.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0),
              help="Seed of the variants' draws.")
@click.option("--digits", default=4, show_default=True, type=click.IntRange(1, 15),
              help="Default tolerance: half a unit of this significant digit.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The file to write (quiz.xml, quiz.zip).")
def export(file: Path, target: str, variants: int, seed: int, digits: int,
           output: Path) -> None:
    """Export a problem set's variants to an LMS, every answer checked by reading it back.

    \b
    Examples:
      derive export examples/quiz.toml --variants 30 --seed 7 --to moodle -o quiz.xml
      derive export examples/quiz.toml --variants 30 --seed 7 --to canvas -o quiz.zip
    """
    from derive.classroom import canvas, moodle
    from derive.classroom.quiz import load_quiz, questions, unasked
    from derive.output import write_atomic

    quiz = load_quiz(file)
    by_problem = questions(quiz, variants, seed, digits)
    title = quiz.problem_set.title
    if target == "moodle":
        data = moodle.moodle_xml(title, by_problem)
        checked = moodle.check_moodle(data, by_problem)
    else:
        data = canvas.canvas_zip(title, by_problem)
        checked = canvas.check_canvas(data, by_problem)
    write_atomic(output, data)
    for pid in unasked(quiz, by_problem):
        click.echo(f"derive: note: problem {pid!r} has no numeric answer to ask (a proof or "
                   "formulas); left out: name answers in an ask table to export it", err=True)
    count = sum(len(q) for q in by_problem.values())
    click.echo(f"wrote {count} questions ({checked} answers read back and checked) to "
               f"{output}", err=True)


@click.command()
@click.argument("file", type=FILE)
@click.option("--answers", type=FILE, required=True,
              help="derive's answer sheet, Moodle's Responses report or Canvas's Student "
                   "Analysis (CSV).")
@click.option("--roster", type=FILE, help="The class roster (CSV: id, name).")
@click.option("--variants", default=DEFAULT_POOL, show_default=True,
              type=click.IntRange(1, 500), help="Variants the roster was drawn from.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0))
@click.option("--digits", default=4, show_default=True, type=click.IntRange(1, 15))
@click.option("--decimal-comma", is_flag=True,
              help="Numbers are written 0,5 and list entries separated by ';'.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("grades"), show_default=True,
              help="Folder for grades.csv, feedback/ and bad-rows.txt.")
def grade(file: Path, answers: Path, roster: Path | None, variants: int, seed: int,
          digits: int, decimal_comma: bool, output: Path) -> None:
    """Grade a class's answers: points per answer, and feedback with each verdict's cause.

    \b
    Examples:
      derive grade examples/quiz.toml --answers answers.csv --roster students.csv --seed 7
      derive grade examples/quiz.toml --answers responses.csv --seed 7 --decimal-comma
    """
    from derive.classroom.gradebook import grade_class, write_grades
    from derive.classroom.grading import Grader
    from derive.classroom.quiz import load_quiz
    from derive.classroom.responses import read_responses
    from derive.classroom.roster import read_roster

    quiz = load_quiz(file)
    students = read_roster(roster) if roster else None
    responses = read_responses(answers, dict.fromkeys(quiz.ids), decimal_comma)
    grader = Grader(quiz, seed, variants, digits, decimal_comma)
    graded, bad = grade_class(grader, responses, students)
    if not graded:
        raise InputError("answers: no student to grade; check the file's id column")
    write_grades(output, quiz.problem_set.title, graded, bad)
    for line, why in bad[:20]:
        click.echo(f"derive: line {line}: {why}", err=True)
    click.echo(f"graded {len(graded)} students ({responses.source} format, {len(bad)} bad "
               f"rows) into {output}", err=True)


def papers(file: Path | None, roster: Path, count: int | None, seed: int, fmt: str | None,
           folder: Path | None, digits: int) -> None:
    """`derive sheet FILE --roster students.csv -o out/`: one sheet and key per student."""
    from derive.classroom.papers import write_papers
    from derive.classroom.quiz import load_quiz
    from derive.classroom.roster import read_roster

    if file is None:
        raise InputError("file: --roster needs a problem-set file, e.g. examples/quiz.toml")
    if folder is None or folder.suffix:
        raise InputError("output: papers go into a folder; add -o out/")
    paths = write_papers(load_quiz(file), read_roster(roster), seed, count or DEFAULT_POOL,
                         folder, fmt or "markdown", digits)
    click.echo(f"wrote {len(paths)} files to {folder}", err=True)


COMMANDS = (export, grade)
