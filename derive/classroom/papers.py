"""Per-student papers: each roster student's question sheet and key, and a manifest.

A student's variant is `derive.classroom.roster.variant_of(seed, id, count)`; the sheet's
title names the student. Files are ``NNNN-ID-questions.EXT`` and ``NNNN-ID-key.EXT`` (NNNN:
the roster row), written into a folder that appears whole or not at all; the same roster,
seed and count give byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from derive.classroom.quiz import Quiz, variant_solutions
from derive.classroom.roster import Student, safe_name, variant_of
from derive.output import target_of
from derive.staging import staged_folder
from derive.variants import EXTENSIONS

MANIFEST = "manifest.json"
WRITTEN_BY = "derive sheet --roster"
# brackets as entities, not \[ \] (MathJax in Jupyter reads those as display math)
HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "[": "&#91;", "]": "&#93;"}
MARKDOWN = set("\\`*_{}#+-.!|$~")


def markdown_text(text: str) -> str:
    r"""`text` as Markdown that shows it literally: HTML's special characters and brackets as
    entities, Markdown's (and math's ``$``) behind a backslash; line breaks become spaces.

    >>> markdown_text("<b>Bob</b> $x$")
    '&lt;b&gt;Bob&lt;/b&gt; \\$x\\$'
    """
    text = " ".join(text.splitlines())
    return "".join(HTML.get(ch) or ("\\" + ch if ch in MARKDOWN else ch) for ch in text)


def _who(student: Student, fmt: str) -> str:
    """The student as the sheet's heading names them, escaped for Markdown."""
    who = f"{student.name} ({student.id})" if student.name else student.id
    return markdown_text(who) if fmt == "markdown" else who


def write_papers(quiz: Quiz, students: Sequence[Student], seed: int, count: int,
                 folder: Path, fmt: str, digits: int) -> list[Path]:
    """Every student's sheet and key, and manifest.json, into `folder`."""
    from derive.render import render_set

    variants = {student.id: variant_of(seed, student.id, count) for student in students}
    solved = dict(variant_solutions(quiz, seed, sorted(set(variants.values()))))
    title = quiz.problem_set.title
    files: dict[str, bytes] = {}
    entries = []
    for number, student in enumerate(students, 1):
        variant = variants[student.id]
        who = _who(student, fmt)
        heading = f"{title} — {who}, variant {variant}".strip(" —")
        names = {}
        for part, shown in (("questions", False), ("key", True)):
            names[part] = f"{number:04d}-{safe_name(student.id)}-{part}.{EXTENSIONS[fmt]}"
            files[names[part]] = render_set(heading, solved[variant], fmt, digits=digits,
                                            solutions_shown=shown).encode("utf-8")
        entries.append({"id": student.id, "name": student.name, "variant": variant,
                        "files": names})
    manifest = {"written_by": WRITTEN_BY, "title": title, "seed": seed, "variants": count,
                "students": entries}
    files[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    with staged_folder(folder, papers_wrote) as staging:
        for name, data in files.items():
            (staging / name).write_bytes(data)
    return [target_of(folder) / name for name in files]


def papers_wrote(folder: Path) -> bool:
    """True when `folder` is one `derive sheet --roster` wrote (its manifest says so)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("written_by") == WRITTEN_BY
