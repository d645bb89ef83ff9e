"""Canvas (classic quizzes) QTI 1.2 zips, written with ElementTree and zipfile, read back.

The zip holds ``imsmanifest.xml`` (one resource of type ``imsqti_xmlv1p2``) and the
assessment ``QUIZ/QUIZ.xml``: a ``<questestinterop>`` whose root section holds one section per
problem, a question group drawing one item per student (``<selection_number>1``), one
``<item>`` per variant, titled by its id ``PROBLEM/vNN``. A single numeric part is a
``numerical_question`` (right when ``v - t <= answer <= v + t``); several parts are a
``fill_in_multiple_blanks_question`` whose blanks Canvas matches as text (the value given to
the fewest digits within the tolerance): Canvas grades those by text, `derive grade` by
tolerance, from the Student Analysis export.
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence

from derive.classroom.asks import Part
from derive.classroom.moodle import number_text
from derive.classroom.quiz import Question
from derive.errors import DeriveError

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
QUIZ_IDENT = "derive_quiz"
ASSESSMENT = f"{QUIZ_IDENT}/{QUIZ_IDENT}.xml"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same quiz gives the same bytes


def shortest(value: float | int, tolerance: float) -> str:
    """The value to the fewest significant digits that stay within the tolerance.

    >>> shortest(0.66571, 0.0005), shortest(5560, 0), shortest(2.0, 0.001)
    ('0.666', '5560', '2')
    """
    if isinstance(value, int):
        return str(value)
    for digits in range(1, 13):
        text = f"{value:.{digits}g}"
        if abs(float(text) - value) <= tolerance:
            return text
    return number_text(value)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def item_ident(question: Question) -> str:
    """An XML-safe item ident naming (problem, variant)."""
    return f"derive-{question.problem}-v{question.variant:02d}"


def _metadata(parent: ET.Element, fields: Mapping[str, str]) -> None:
    meta = _sub(parent, "qtimetadata")
    for label, entry in fields.items():
        field = _sub(meta, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)


def _item(section: ET.Element, question: Question) -> None:
    numerical = len(question.parts) == 1 and question.parts[0].kind == "numeric"
    item = _sub(section, "item", ident=item_ident(question), title=question.id)
    _metadata(_sub(item, "itemmetadata"), {
        "question_type": "numerical_question" if numerical else
        "fill_in_multiple_blanks_question", "points_possible": number_text(question.points)})
    presentation = _sub(item, "presentation")
    text = question.text if numerical else question.text + _blanks_list(question.parts)
    _sub(_sub(presentation, "material"), "mattext", text, texttype="text/html")
    outcomes = _sub(_sub(item, "resprocessing"), "outcomes")
    _sub(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    processing = item.find("resprocessing")
    assert processing is not None
    if numerical:
        _numerical(presentation, processing, question.parts[0])
    else:
        _blanks(presentation, processing, question.parts)
    feedback = _sub(item, "itemfeedback", ident="general_fb")
    _sub(_sub(_sub(feedback, "flow_mat"), "material"), "mattext", question.feedback,
         texttype="text/html")


def _numerical(presentation: ET.Element, processing: ET.Element, part: Part) -> None:
    response = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
    _sub(_sub(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    condition = _sub(processing, "respcondition", **{"continue": "No"})
    either = _sub(_sub(condition, "conditionvar"), "or")
    _sub(either, "varequal", number_text(part.value), respident="response1")
    both = _sub(either, "and")
    _sub(both, "vargte", number_text(part.value - part.tolerance), respident="response1")
    _sub(both, "varlte", number_text(part.value + part.tolerance), respident="response1")
    _sub(condition, "setvar", "100", action="Set", varname="SCORE")


def _blanks_list(parts: Sequence[Part]) -> str:
    import html

    items = "".join(f"<li><code>{html.escape(part.label)}</code> = [p{n}]</li>"
                    for n, part in enumerate(parts, 1))
    return f"\n<ol>{items}</ol>"


def _blanks(presentation: ET.Element, processing: ET.Element, parts: Sequence[Part]) -> None:
    share = number_text(round(100 / len(parts), 4))
    for n, part in enumerate(parts, 1):
        response = _sub(presentation, "response_lid", ident=f"response_p{n}")
        _sub(_sub(response, "material"), "mattext", f"p{n}")
        choices = _sub(response, "render_choice")
        label = _sub(choices, "response_label", ident=f"p{n}_a")
        text = part.value if part.kind == "short" else shortest(part.value, part.tolerance)
        _sub(_sub(label, "material"), "mattext", str(text), texttype="text/plain")
        condition = _sub(processing, "respcondition")
        _sub(_sub(condition, "conditionvar"), "varequal", f"p{n}_a", respident=f"response_p{n}")
        _sub(condition, "setvar", share, action="Add", varname="SCORE")


def assessment_xml(title: str, by_problem: Mapping[str, Sequence[Question]]) -> bytes:
    """The QTI 1.2 assessment document."""
    root = ET.Element("questestinterop", xmlns=QTI)
    assessment = _sub(root, "assessment", ident=QUIZ_IDENT, title=title or "derive quiz")
    _metadata(assessment, {"cc_maxattempts": "1"})
    top = _sub(assessment, "section", ident="root_section")
    for problem, questions in by_problem.items():
        group = _sub(top, "section", ident=f"group-{problem}", title=problem)
        selection = _sub(_sub(group, "selection_ordering"), "selection")
        _sub(selection, "selection_number", "1")
        extension = _sub(selection, "selection_extension")
        _sub(extension, "points_per_item", number_text(questions[0].points if questions else 1))
        for question in questions:
            _item(group, question)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def manifest_xml() -> bytes:
    """The content package's manifest: one QTI resource."""
    root = ET.Element("manifest", identifier=f"{QUIZ_IDENT}_manifest", xmlns=CP)
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resource = _sub(_sub(root, "resources"), "resource", identifier=QUIZ_IDENT,
                    type="imsqti_xmlv1p2")
    _sub(resource, "file", href=ASSESSMENT)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def canvas_zip(title: str, by_problem: Mapping[str, Sequence[Question]]) -> bytes:
    """The QTI zip as bytes, byte-identical for the same questions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (("imsmanifest.xml", manifest_xml()),
                           (ASSESSMENT, assessment_xml(title, by_problem))):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def read_canvas(data: bytes) -> dict[str, list[tuple[str, str, float]]]:
    """Every item's answers read back: {title: [(kind, text, tolerance)]}; checks the manifest
    names the assessment and each group draws one item."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = ET.fromstring(archive.read("imsmanifest.xml"))
        files = [f.get("href") for f in manifest.iter(f"{{{CP}}}file")]
        if files != [ASSESSMENT]:
            raise DeriveError(f"QTI zip: the manifest lists {files}, not {ASSESSMENT}")
        root = ET.fromstring(archive.read(ASSESSMENT))
    q = f"{{{QTI}}}"
    found: dict[str, list[tuple[str, str, float]]] = {}
    for group in root.iter(f"{q}section"):
        items = group.findall(f"{q}item")
        if items and group.findtext(f".//{q}selection_number") != "1":
            raise DeriveError(f"QTI zip: group {group.get('ident')!r} must draw one item")
        for item in items:
            found[item.get("title") or ""] = _item_answers(item, q)
    return found


def _item_answers(item: ET.Element, q: str) -> list[tuple[str, str, float]]:
    low = item.findtext(f".//{q}vargte")
    if low is not None:
        value = item.findtext(f".//{q}varequal") or ""
        return [("numeric", value, float(value) - float(low))]
    labels = item.findall(f".//{q}response_lid")
    return [("text", label.findtext(f".//{q}render_choice//{q}mattext") or "", math.nan)
            for label in labels]


def check_canvas(data: bytes, by_problem: Mapping[str, Sequence[Question]]) -> int:
    """Read the zip back and compare every answer with derive's; the number of answers."""
    found = read_canvas(data)
    checked = 0
    for question in (q for questions in by_problem.values() for q in questions):
        read = found.get(question.id) or []
        if len(read) != len(question.parts):
            raise DeriveError(f"QTI zip: item {question.id!r} has {len(read)} answers, not "
                              f"{len(question.parts)}")
        for part, (kind, text, tolerance) in zip(question.parts, read, strict=True):
            if not _agrees(part, kind, text, tolerance):
                raise DeriveError(f"QTI zip: item {question.id!r}, {part.label}: read back "
                                  f"{text!r}, derive has {part.value!r} ± {part.tolerance}")
            checked += 1
    return checked


def _agrees(part: Part, kind: str, text: str, tolerance: float) -> bool:
    if part.kind == "short":
        return text == part.value
    within = abs(float(text) - part.value) <= part.tolerance * (1 + 1e-9)
    if kind == "numeric":
        return within and math.isclose(tolerance, part.tolerance, rel_tol=1e-6, abs_tol=1e-12)
    return within
