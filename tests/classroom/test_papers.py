"""derive sheet --roster: student names are text, never Markdown or HTML, in a sheet's heading."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.classroom.csvio import csv_text
from derive.classroom.papers import markdown_text
from derive.cli import main

QUIZ = Path(__file__).parents[2] / "examples" / "quiz.toml"
NAMES = ("<b>Bob</b>", "$x$", "*Ann* [a](http://x) # _u_ `c` &amp;")


def test_markdown_text_shows_every_character_literally() -> None:
    assert markdown_text("<b>Bob</b>") == "&lt;b&gt;Bob&lt;/b&gt;"
    assert markdown_text("$x$") == r"\$x\$"
    assert markdown_text("a &amp; b\nc") == "a &amp;amp; b c"
    assert markdown_text("Ann Lee") == "Ann Lee"


def test_roster_names_are_escaped_in_markdown_headings(tmp_path: Path) -> None:
    roster = tmp_path / "students.csv"
    rows = [[f"s{k}", name] for k, name in enumerate(NAMES)]
    roster.write_text(csv_text(["id", "name"], rows), encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main(["sheet", str(QUIZ), "--roster", str(roster), "--seed", "7", "--format",
              "markdown", "-o", str(tmp_path / "papers")])
    assert not stop.value.code
    texts = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "papers").glob("*.md"))]
    assert len(texts) == 2 * len(NAMES)
    headings = "\n".join(line for text in texts for line in text.splitlines()
                          if line.startswith("#"))
    for raw in ("<b>", "$x$", "*Ann*", "](http", "`c`"):
        assert raw not in headings
    for k, name in enumerate(NAMES):
        assert markdown_text(f"{name} (s{k})") in texts[2 * k]
