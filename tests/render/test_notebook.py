"""A notebook that solves a problem and displays the Solution, executed in a real kernel
(nbconvert's ExecutePreprocessor with ipykernel): the displayed output carries text/markdown
and text/html with the math left for the notebook's MathJax, and no script."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CELL = """\
import derive
derive.solve(derive.problem("softmax-ce", logits="2,1,0.1", target="1,0,0",
                            statement="Find the loss for *one* example."))
"""


def test_an_executed_notebook_displays_the_solution(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    execute = pytest.importorskip("nbconvert.preprocessors")
    pytest.importorskip("ipykernel")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    execute.ExecutePreprocessor(timeout=300, kernel_name="python3").preprocess(
        notebook, {"metadata": {"path": str(tmp_path)}})
    path = tmp_path / "key.ipynb"
    nbformat.write(notebook, path)
    outputs = nbformat.read(path, as_version=4).cells[0].outputs
    data = next(output["data"] for output in outputs if output.get("output_type")
                == "execute_result")
    markdown, page = data["text/markdown"], data["text/html"]
    assert "$$" in markdown and "\\begin{aligned}" in markdown
    assert "$$" in page and ("\\frac" in page or "\\partial" in page)
    assert "<script" not in page.lower() and "cdn" not in page.lower()
    assert "<em>" in page  # the Markdown emphasis became a tag, not stray asterisks
