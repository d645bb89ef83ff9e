"""Golden files: each built-in problem rendered as .tex, .md and .json, keyed on its id.

Regenerate after an intended change with `pytest tests/test_golden.py --update-goldens`
(the outputs depend on SymPy's printer, pinned in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.problemset import builtin

GOLDEN = Path(__file__).parent / "golden"
FORMATS = {"tex": "latex", "md": "markdown", "json": "json"}
PROBLEMS = builtin().problems


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.id)
def test_output_matches_golden(problem, suffix: str, update_goldens: bool) -> None:
    output = derive.render(derive.solve(problem), FORMATS[suffix])
    path = GOLDEN / f"{problem.id}.{suffix}"
    if update_goldens:
        path.parent.mkdir(exist_ok=True)
        path.write_text(output, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}; run pytest --update-goldens"
    assert output == path.read_text(encoding="utf-8")
