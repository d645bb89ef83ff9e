"""outputs/ holds the answer key of every example in examples/, kept in sync.

`pytest tests/test_outputs.py --update-goldens` regenerates every .tex and .md, and every
.pdf when pdflatex is installed (PDFs are not byte-reproducible, so they are not compared).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import derive
from derive.pdf import write_pdf

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
OUTPUTS = ROOT / "outputs"
REGENERATE = "run pytest tests/test_outputs.py --update-goldens"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_answer_keys_are_in_sync(example: Path, update_goldens: bool, tmp_path: Path) -> None:
    problem_set = derive.load(example)
    # drawn pictures (the contour plot) go beside the key, named relative to it: into outputs/
    # when regenerating, else into a scratch folder (the documents name them the same way)
    pictures = str((OUTPUTS if update_goldens else tmp_path) / example.stem)
    solutions = derive.solve_set(problem_set)
    # each key shows every claim of the document beside the right answer, with its verdict
    checks = {s.problem.id: derive.check(s) for s in solutions}
    for suffix, fmt in (("tex", "latex"), ("md", "markdown")):
        key = derive.render_set(problem_set.title, solutions, fmt, checks=checks,
                                pictures=pictures)
        path = OUTPUTS / f"{example.stem}.{suffix}"
        if update_goldens:
            OUTPUTS.mkdir(exist_ok=True)
            path.write_text(key, encoding="utf-8")
            if fmt == "latex" and shutil.which("pdflatex"):
                write_pdf(path.with_suffix(".pdf"), key, OUTPUTS)
        assert path.exists(), f"{path.name} missing; {REGENERATE}"
        assert key == path.read_text(encoding="utf-8"), f"{path.name} is out of date; {REGENERATE}"
