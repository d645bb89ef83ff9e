"""LaTeX to PDF with pdflatex, written atomically; a clear error when pdflatex is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from derive.errors import DeriveError, InputError
from derive.output import usual_permissions

RUNS = 2  # a second run settles anything the first one measured
TIMEOUT_S = 120


def write_pdf(path: Path, latex: str) -> None:
    """Compile `latex` in a scratch folder (relative paths such as plots resolve from the
    current folder) and move the PDF to `path`."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise InputError("output: pdflatex is not installed, so no PDF can be made; install "
                         "TeX Live (Debian: texlive-latex-base texlive-latex-recommended "
                         "texlive-pictures) or write a .tex file instead")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"output: the folder {str(directory)!r} does not exist; create it first")
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "document.tex"
        source.write_text(latex, encoding="utf-8")
        for _ in range(RUNS):
            result = subprocess.run(
                [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                 f"-output-directory={scratch}", str(source)],
                capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
            if result.returncode != 0:
                errors = [line for line in result.stdout.splitlines() if line.startswith("!")]
                first = errors[0] if errors else "see its log"
                raise DeriveError(f"output: pdflatex failed ({first}); write a .tex file to "
                                  "inspect it")
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        os.close(handle)
        shutil.copyfile(Path(scratch) / "document.pdf", temporary)
        usual_permissions(temporary)
        os.replace(temporary, path)
