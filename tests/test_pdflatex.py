"""The LaTeX of every kind, and of a whole sheet, compiles with stock pdflatex."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import derive
from derive.problemset import builtin

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")]


def compile_tex(source: str, folder: Path) -> Path:
    (folder / "doc.tex").write_text(source, encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                             "-no-shell-escape", "doc.tex"], cwd=folder, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-2000:]
    return folder / "doc.pdf"


@pytest.mark.parametrize("problem", builtin().problems, ids=lambda p: p.id)
def test_each_kind_compiles(problem, tmp_path: Path) -> None:
    assert compile_tex(derive.render(derive.solve(problem), "latex"), tmp_path).stat().st_size


def test_whole_sheet_compiles(tmp_path: Path) -> None:
    problem_set = builtin()
    source = derive.render_set(problem_set.title, derive.solve_set(problem_set), "latex")
    assert compile_tex(source, tmp_path).stat().st_size


def test_a_plot_is_included(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    solution = derive.solve(derive.problem("gd", function="x1**2 + 4*x2**2", x0="3,3",
                                           lr=["0.1", "0.2"], plot="paths.pdf"))
    assert compile_tex(derive.render(solution, "latex"), tmp_path).stat().st_size


def test_a_marked_up_key_compiles(tmp_path: Path) -> None:
    from derive.verdicts import check

    problem_set = derive.load(Path(__file__).resolve().parent.parent / "examples" /
                              "seed-003.toml")
    solutions = derive.solve_set(problem_set)
    checks = {s.problem.id: check(s) for s in solutions}
    source = derive.render_set(problem_set.title, solutions, "latex", checks=checks)
    assert "\\struck{" in source and compile_tex(source, tmp_path).stat().st_size
