"""Moodle XML question banks, written with `xml.etree.ElementTree` and read back to check.

The format (Moodle docs, "Moodle XML format"): ``<quiz>`` holding, per problem, a
``<question type="category">`` (``$course$/top/TITLE/PROBLEM``) and one question per variant:
``type="numerical"`` for a single numeric part (``<answer fraction="100"><text>v</text>
<tolerance>t</tolerance></answer>``, the tolerance absolute), else ``type="cloze"`` with the
parts embedded in the text as ``{W:NUMERICAL:=v:t}`` and ``{W:SHORTANSWER:=3 x 8}`` (W: the
part's integer weight). The question's ``<name>`` and ``<idnumber>`` are its id
``PROBLEM/vNN``; the worked solution is its ``<generalfeedback>``.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from fractions import Fraction

from derive.classroom.asks import Part
from derive.classroom.quiz import Question
from derive.errors import DeriveError

_CLOZE = re.compile(r"\{(\d+):(NUMERICAL|SHORTANSWER):=((?:\\.|[^:}~\\])*)"
                    r"(?::((?:\\.|[^}~\\])*))?(?:~[^}]*)?\}")
_CLOZE_SPECIAL = re.compile(r"([}#~/\"\\:{])")


def number_text(value: float | int) -> str:
    """A value as Moodle reads it: an integer's digits, a real to 12 significant digits.

    >>> number_text(5560), number_text(0.1 + 0.2), number_text(-1.5e-7)
    ('5560', '0.3', '-1.5e-07')
    """
    return str(value) if isinstance(value, int) else f"{value:.12g}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _texted(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = _sub(parent, tag, **attributes)
    _sub(element, "text", text)
    return element


def weights(parts: Sequence[Part]) -> list[int]:
    """Integer cloze weights in the proportion of the parts' points.

    >>> weights([Part("a", 0, "numeric", 1.0, 0.0, 4 / 3)] * 3)
    [1, 1, 1]
    """
    fractions = [Fraction(part.points).limit_denominator(1000) for part in parts]
    scale = math.lcm(*(f.denominator for f in fractions))
    whole = [int(f * scale) for f in fractions]
    divisor = math.gcd(*whole) or 1
    return [max(1, w // divisor) for w in whole]


def blank(part: Part, weight: int) -> str:
    """The cloze blank of one part."""
    if part.kind == "short":
        answer = _CLOZE_SPECIAL.sub(r"\\\1", str(part.value))
        compact = answer.replace(" ", "")
        return f"{{{weight}:SHORTANSWER:={answer}~={compact}}}"
    return f"{{{weight}:NUMERICAL:={number_text(part.value)}:{number_text(part.tolerance)}}}"


def moodle_xml(title: str, by_problem: Mapping[str, Sequence[Question]]) -> bytes:
    """The question bank as UTF-8 bytes."""
    quiz = ET.Element("quiz")
    top = (title or "derive").replace("/", "//")
    for problem, questions in by_problem.items():
        category = _sub(quiz, "question", type="category")
        _texted(category, "category", f"$course$/top/{top}/{problem.replace('/', '//')}")
        for question in questions:
            _question(quiz, question)
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True) + b"\n"


def _question(quiz: ET.Element, question: Question) -> None:
    numerical = len(question.parts) == 1 and question.parts[0].kind == "numeric"
    element = _sub(quiz, "question", type="numerical" if numerical else "cloze")
    _texted(element, "name", question.id)
    text = question.text if numerical else _braces_as_references(question.text) + \
        _cloze_list(question.parts)
    _texted(element, "questiontext", text, format="html")
    _texted(element, "generalfeedback", question.feedback, format="html")
    _sub(element, "defaultgrade", number_text(question.points))
    _sub(element, "penalty", "0")
    _sub(element, "hidden", "0")
    _sub(element, "idnumber", question.id)
    if numerical:
        part = question.parts[0]
        answer = _sub(element, "answer", fraction="100", format="moodle_auto_format")
        _sub(answer, "text", number_text(part.value))
        _sub(answer, "tolerance", number_text(part.tolerance))
        _texted(answer, "feedback", "", format="html")


def _braces_as_references(text: str) -> str:
    """Braces as HTML character references, so Moodle's cloze parser never reads a `{...}` of
    the statement (or its math) as a blank; the browser and MathJax read them as braces.

    >>> _braces_as_references("{2:NUMERICAL:=42} and x^{2}")
    '&#123;2:NUMERICAL:=42&#125; and x^&#123;2&#125;'
    """
    return text.replace("{", "&#123;").replace("}", "&#125;")


def _cloze_list(parts: Sequence[Part]) -> str:
    import html

    items = "".join(f"<li><code>{html.escape(part.label)}</code> = {blank(part, w)}</li>"
                    for part, w in zip(parts, weights(parts), strict=True))
    return f"\n<ol>{items}</ol>"


def read_moodle(data: bytes) -> dict[str, list[tuple[str, str, float]]]:
    """Every question's answers read back: {id: [(kind, value text, tolerance)]}; checks the
    document's structure (categories first, names and idnumbers, one answer per numerical)."""
    root = ET.fromstring(data)
    if root.tag != "quiz":
        raise DeriveError("Moodle XML: the root element is not <quiz>")
    found: dict[str, list[tuple[str, str, float]]] = {}
    category = ""
    for element in root.findall("question"):
        kind = element.get("type")
        if kind == "category":
            category = element.findtext("category/text") or ""
            continue
        name = element.findtext("name/text") or ""
        if name != element.findtext("idnumber") or not category.endswith(
                "/" + name.split("/v")[0]) or element.find("generalfeedback/text") is None:
            raise DeriveError(f"Moodle XML: question {name!r} misses its id, category or feedback")
        text = element.findtext("questiontext/text") or ""
        if f"[derive:{name}]" not in text:
            raise DeriveError(f"Moodle XML: question {name!r} has no id marker in its text")
        found[name] = _answers(element, kind, text, name)
    return found


def _answers(element: ET.Element, kind: str | None, text: str,
             name: str) -> list[tuple[str, str, float]]:
    if kind == "numerical":
        answers = element.findall("answer")
        if len(answers) != 1 or answers[0].get("fraction") != "100":
            raise DeriveError(f"Moodle XML: question {name!r} needs one answer worth 100")
        return [("numeric", answers[0].findtext("text") or "",
                 float(answers[0].findtext("tolerance") or "nan"))]
    if kind == "cloze":
        return [("numeric" if m.group(2) == "NUMERICAL" else "short",
                 re.sub(r"\\(.)", r"\1", m.group(3)), float(m.group(4) or 0))
                for m in _CLOZE.finditer(text)]
    raise DeriveError(f"Moodle XML: question {name!r} has type {kind!r}")


def check_moodle(data: bytes, by_problem: Mapping[str, Sequence[Question]]) -> int:
    """Read the file back and compare every answer with derive's; the number of answers."""
    found = read_moodle(data)
    checked = 0
    for questions in by_problem.values():
        for question in questions:
            checked += compare_parts(question, found.get(question.id), "Moodle XML")
    if set(found) != {q.id for questions in by_problem.values() for q in questions}:
        raise DeriveError("Moodle XML: it holds questions derive did not write")
    return checked


def compare_parts(question: Question, read: list[tuple[str, str, float]] | None,
                  where: str) -> int:
    """Compare a question's parts with those read back; the number of parts compared."""
    if read is None or len(read) != len(question.parts):
        raise DeriveError(f"{where}: question {question.id!r} has "
                          f"{0 if read is None else len(read)} answers, not "
                          f"{len(question.parts)}")
    for part, (kind, value, tolerance) in zip(question.parts, read, strict=True):
        same = kind == part.kind and (value == part.value if kind == "short" else math.isclose(
            float(value), part.value, rel_tol=1e-11, abs_tol=1e-300) and math.isclose(
            tolerance, part.tolerance, rel_tol=1e-11))
        if not same:
            raise DeriveError(f"{where}: question {question.id!r}, {part.label}: read back "
                              f"{value!r} ± {tolerance}, derive has {part.value!r} ± "
                              f"{part.tolerance}")
    return len(read)
