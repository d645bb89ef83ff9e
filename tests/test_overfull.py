"""Every example sheet's key compiles with pdflatex with no overfull box: a formula or table
wider than the text is a defect of the renderer (break it, scale it), not of the example."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import derive
from derive.pdf import with_pictures

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
OVERFULL = re.compile(r"^Overfull \\hbox \(([\d.]+)pt too wide\).*$", re.M)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")]


def overfull_boxes(latex: str, folder: Path) -> list[str]:
    """The log's `Overfull \\hbox` lines (with the text after each) of one pdflatex run."""
    (folder / "key.tex").write_text(with_pictures(latex, folder, folder), encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                             "-no-shell-escape", "key.tex"], cwd=folder, capture_output=True,
                            text=True, timeout=180, check=False)
    log = (folder / "key.log").read_text(encoding="latin-1")
    assert result.returncode == 0, log[-2000:]
    return [log[m.start():m.end() + 300] for m in OVERFULL.finditer(log)]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_key_has_no_overfull_box(example: Path, tmp_path: Path) -> None:
    problem_set = derive.load(example)
    solutions = derive.solve_set(problem_set)
    checks = {s.problem.id: derive.check(s) for s in solutions}
    latex = derive.render_set(problem_set.title, solutions, "latex", checks=checks,
                              pictures=str(tmp_path / "key"))
    boxes = overfull_boxes(latex, tmp_path)
    assert not boxes, "\n\n".join(boxes)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_question_sheet_has_no_overfull_box(example: Path, tmp_path: Path) -> None:
    problem_set = derive.load(example)
    latex = derive.render_set(problem_set.title, derive.solve_set(problem_set), "latex",
                              solutions_shown=False)
    boxes = overfull_boxes(latex, tmp_path)
    assert not boxes, "\n\n".join(boxes)
