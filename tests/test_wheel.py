"""The wheel carries the templates: built, installed in a fresh venv, it renders LaTeX."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_installed_wheel_renders_from_its_own_templates(tmp_path: Path) -> None:
    pytest.importorskip("build")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("derive_coursework-*.whl"))
    # system site packages provide the dependencies offline; the wheel's derive shadows any other
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True)
    script = ("import derive; from derive.render.env import template_dirs; "
              "print(derive.__file__); "
              "print(template_dirs()[0]); "
              "s = derive.solve(derive.problem('params', layers='100,50,25,10')); "
              "print(derive.render(s, 'latex'))")
    result = subprocess.run([str(python), "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, check=True)
    module, templates, latex = result.stdout.split("\n", 2)
    assert str(tmp_path / "venv") in module and str(tmp_path / "venv") in templates
    assert "\\documentclass" in latex and "6585" in latex
    cli = subprocess.run([str(tmp_path / "venv" / "bin" / "derive"), "sheet", "--format",
                          "markdown"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "$$" in cli.stdout
