"""The engine never imports the renderer: derive.symbolic, derive.problems and derive.numeric
name keys, steps and captions as data; only derive.render prints them (DESIGN)."""

from __future__ import annotations

import ast
from pathlib import Path

import derive

ROOT = Path(derive.__file__).parent
ENGINE = ("symbolic", "problems", "numeric")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_the_engine_imports_nothing_from_render() -> None:
    found = [f"{path.relative_to(ROOT)}: {name}"
             for package in ENGINE for path in sorted((ROOT / package).rglob("*.py"))
             for name in _imports(path)
             if name == "derive.render" or name.startswith("derive.render.")]
    assert found == []


def test_the_walk_sees_a_render_import(tmp_path: Path) -> None:
    """The walk itself: an import inside a function is found too."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from derive.render.printing import text\n")
    assert "derive.render.printing" in _imports(module)
