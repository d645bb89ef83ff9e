"""derive.classroom: LMS round trips, determinism, hostile CSV, decimal commas, units, bad rows."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from derive.classroom import canvas, moodle
from derive.classroom.csvio import csv_text, parse_table
from derive.classroom.grading import Grader
from derive.classroom.quiz import load_quiz, questions
from derive.classroom.roster import read_roster, variant_of
from derive.cli import main

QUIZ = Path(__file__).parents[2] / "examples" / "quiz.toml"


@pytest.fixture(scope="module")
def bank():
    quiz = load_quiz(QUIZ)
    return quiz, questions(quiz, 4, 7, 4)


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    return int(stop.value.code or 0)


def test_moodle_round_trip(bank):
    quiz, by_problem = bank
    data = moodle.moodle_xml("Quiz <3> & co", by_problem)
    assert moodle.check_moodle(data, by_problem) == sum(
        len(q.parts) for qs in by_problem.values() for q in qs)
    root = ET.fromstring(data)
    kinds = [q.get("type") for q in root.findall("question")]
    assert kinds.count("category") == len(quiz.ids)
    first = root.find("question[@type='numerical']") or root.find("question[@type='cloze']")
    assert first is not None and "\\(" in (root.findtext(".//generalfeedback/text") or "")
    assert b"&lt;p&gt;" in data  # the HTML is escaped by the XML library, once


def test_moodle_tolerance_is_absolute_per_variant(bank):
    _, by_problem = bank
    for question in by_problem["steps"]:
        part = question.parts[0]
        assert part.tolerance == pytest.approx(1e-3 * abs(part.value), rel=1e-5)


def test_canvas_round_trip(bank):
    _, by_problem = bank
    data = canvas.canvas_zip("Quiz", by_problem)
    assert canvas.check_canvas(data, by_problem) > 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["derive_quiz/derive_quiz.xml", "imsmanifest.xml"]
        root = ET.fromstring(archive.read("derive_quiz/derive_quiz.xml"))
    groups = [s for s in root.iter(f"{{{canvas.QTI}}}section") if s.get("title")]
    assert [g.get("title") for g in groups] == ["count", "conv", "steps"]


def test_tampered_export_is_caught(bank):
    _, by_problem = bank
    data = moodle.moodle_xml("Quiz", by_problem).replace(b":=", b":=9", 1)
    with pytest.raises(Exception, match="read back|answers"):
        moodle.check_moodle(data, by_problem)


def test_export_is_deterministic(tmp_path):
    for name in ("a", "b"):
        assert run("export", str(QUIZ), "--variants", "3", "--seed", "7", "--to", "canvas",
                   "-o", str(tmp_path / f"{name}.zip")) == 0
        assert run("export", str(QUIZ), "--variants", "3", "--seed", "7", "--to", "moodle",
                   "-o", str(tmp_path / f"{name}.xml")) == 0
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert (tmp_path / "a.xml").read_bytes() == (tmp_path / "b.xml").read_bytes()


def _roster(path: Path, count: int = 6) -> Path:
    rows = [["id", "name"], *[[f"s{i}", f"Name {i}"] for i in range(count)],
            ["../../x", "=HYPERLINK(\"http://evil\")"]]
    path.write_text(csv_text(rows[0], rows[1:]).replace("'", ""), encoding="utf-8")
    return path


def test_papers_deterministic_and_safe_names(tmp_path):
    roster = _roster(tmp_path / "students.csv")
    for name in ("one", "two"):
        assert run("sheet", str(QUIZ), "--roster", str(roster), "--seed", "7", "-o",
                   str(tmp_path / name)) == 0
    one, two = sorted((tmp_path / "one").iterdir()), sorted((tmp_path / "two").iterdir())
    assert [p.name for p in one] == [p.name for p in two]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two, strict=True))
    assert not any(p.name.startswith(".") or "/" in p.name for p in one)
    assert len(one) == 2 * 7 + 1


def _answers(tmp_path: Path, cells: dict[str, dict[str, str]]) -> Path:
    columns = sorted({c for row in cells.values() for c in row})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", *columns])
    for student, row in cells.items():
        writer.writerow([student, *(row.get(c, "") for c in columns)])
    path = tmp_path / "answers.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _right(student: str, problem: str, answer: str) -> list:
    grader = Grader(load_quiz(QUIZ), 7, 30, 4, False)
    _, parts = grader.question(problem, variant_of(7, student, 30))
    return [p.value for p in parts if p.answer == answer]


def _grade(tmp_path, answers, *extra) -> tuple[int, str, str]:
    roster = _roster(tmp_path / "students.csv")
    status = run("grade", str(QUIZ), "--answers", str(answers), "--roster", str(roster),
                 "--seed", "7", "-o", str(tmp_path / "out"), *extra)
    grades = (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8")
    return status, grades, (tmp_path / "out" / "bad-rows.txt").read_text(encoding="utf-8")


def test_grade_units_formula_cells_and_line_numbers(tmp_path):
    total = _right("s0", "count", "total")[0]
    answers = _answers(tmp_path, {
        "s0": {"count/total": f"{total} parameters"},
        "s1": {"count/total": "=1+1", "count/weights": "12 kg"},
        "nobody": {"count/total": "1"}})
    status, grades, bad = _grade(tmp_path, answers)
    assert status == 0
    rows = {row[0]: row for row in csv.reader(io.StringIO(grades))}
    assert rows["s0"][2] == "2"                       # the ask's unit is stripped
    assert "line 3: student 's1'" in bad and "'=1+1' is not a number" in bad
    assert "'12 kg' is not a number" in bad          # another unit: unparsable
    assert "line 4: unknown student 'nobody'" in bad
    assert "'=HYPERLINK" in grades                    # escaped, never a formula
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows.values()
               for cell in row)


def test_decimal_comma_only_with_the_flag(tmp_path):
    x1 = _right("s2", "steps", "lr 0.1 x_1")
    comma = "; ".join(f"{v:.6g}".replace(".", ",") for v in x1)
    answers = _answers(tmp_path, {"s2": {"steps/lr 0.1 x_1": comma}})
    _, without, bad = _grade(tmp_path, answers)
    assert "steps" in bad
    _, with_flag, bad = _grade(tmp_path, answers, "--decimal-comma")
    assert "steps" not in bad
    row = next(r for r in csv.reader(io.StringIO(with_flag)) if r[0] == "s2")
    assert row[5] == "2"


def test_feedback_names_the_cause(tmp_path):
    total = _right("s3", "count", "total")[0]
    answers = _answers(tmp_path, {"s3": {"count/total": str(2 * total)}})
    _grade(tmp_path, answers)
    text = next((tmp_path / "out" / "feedback").glob("*-s3.txt")).read_text()
    assert "wrong (0/2): a factor 2 too many" in text


def test_hostile_csv_caps():
    long = "x" * 2000
    table = parse_table(f"id,count/total\ns1,{long}\ns2,3\n", "answers")
    assert table.bad[0][0] == 2 and [line for line, _ in table.rows] == [3]


def test_roster_refuses_duplicates(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,name\na,A\na,B\n", encoding="utf-8")
    with pytest.raises(Exception, match="line 3"):
        read_roster(path)


def test_moodle_responses_report(tmp_path, bank):
    _, by_problem = bank
    question = by_problem["count"][1]
    values = [str(p.value) for p in question.parts]
    text = question.text.replace("<", " ")
    cloze = "; ".join(f"part {i}: {v}" for i, v in enumerate(values, 1))
    path = tmp_path / "responses.csv"
    path.write_text(csv_text(["Surname", "ID number", "Question 1", "Response 1"],
                             [["A", "s1", text, cloze]]), encoding="utf-8")
    assert run("grade", str(QUIZ), "--answers", str(path), "--seed", "7", "--variants", "4",
               "-o", str(tmp_path / "g")) == 0
    grades = (tmp_path / "g" / "grades.csv").read_text()
    assert grades.splitlines()[1].startswith("s1,,2,1,")


def _quiz_with_statement(folder: Path, statement: str) -> Path:
    text = QUIZ.read_text(encoding="utf-8")
    first = 'statement = "A fully connected network has the layer sizes given below'
    assert first in text
    path = folder / "quiz.toml"
    path.write_text(text.replace(first, f'statement = "{statement} A fully connected network '
                                        'has the layer sizes given below', 1), encoding="utf-8")
    return path


def test_a_statement_cannot_open_a_cloze_blank(tmp_path, capsys):
    """`{2:NUMERICAL:=42}` in a statement is text to the student, never a blank Moodle grades."""
    quiz = _quiz_with_statement(tmp_path, "Write {2:NUMERICAL:=42} here.")
    assert run("export", str(quiz), "--variants", "2", "--to", "moodle", "-o",
               str(tmp_path / "quiz.xml")) == 0, capsys.readouterr().err
    bank = moodle.read_moodle((tmp_path / "quiz.xml").read_bytes())
    assert all(len(parts) == 2 for name, parts in bank.items() if name.startswith("count/"))


def test_a_control_character_in_a_statement_is_one_line(tmp_path, capsys):
    quiz = _quiz_with_statement(tmp_path, "Stop\\u0008 here.")
    assert run("export", str(quiz), "--variants", "2", "--to", "moodle", "-o",
               str(tmp_path / "quiz.xml")) == 2
    err = capsys.readouterr().err.strip()
    assert "control character U+0008" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "quiz.xml").exists()


@pytest.mark.parametrize("seed_set", ["seed-000", "seed-001", "seed-002", "seed-003"])
@pytest.mark.parametrize("to", ["moodle", "canvas"])
def test_a_seed_set_exports_and_reads_back(tmp_path, capsys, seed_set: str, to: str):
    """A set without ask tables exports every numeric answer (within the part cap); a proof or
    a formula-only problem is left out with a note, never the whole export refused."""
    path = QUIZ.parent / f"{seed_set}.toml"
    output = tmp_path / ("quiz.xml" if to == "moodle" else "quiz.zip")
    assert run("export", str(path), "--variants", "2", "--to", to, "-o", str(output)) == 0
    err = capsys.readouterr().err
    assert "answers read back and checked" in err and output.stat().st_size
    if to == "moodle":
        assert moodle.read_moodle(output.read_bytes())


def test_presentation_fields_are_not_listed_as_the_problems_numbers(tmp_path, capsys):
    """`given` (which fields to display) and `title` are presentation, not data to list."""
    output = tmp_path / "quiz.xml"
    assert run("export", str(QUIZ.parent / "seed-003.toml"), "--variants", "1", "--to",
               "moodle", "-o", str(output)) == 0, capsys.readouterr().err
    text = output.read_text(encoding="utf-8")
    assert "&lt;code&gt;given&lt;/code&gt;" not in text
    assert "&lt;code&gt;title&lt;/code&gt;" not in text
