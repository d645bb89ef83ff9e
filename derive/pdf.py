"""LaTeX to PDF with pdflatex, confined to a scratch folder, deterministic, written atomically.

pdflatex runs with no shell escape, `openin_any=p` and `openout_any=p` (no absolute paths, no
`..`, no dot files), no font generation, in a scratch folder that is its working directory, with
a timeout. Pictures the document includes are copied into that folder first. The trailer /ID is
a hash of the source, so with SOURCE_DATE_EPOCH set two runs give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

from derive.errors import DeriveError, InputError
from derive.output import check_folder, write_atomic
from derive.render.tex_packages import debian_package, install_hint
from derive.termination import sigterm_raises

RUNS = 2  # a second run settles anything the first one measured
TIMEOUT_S = 60  # for the whole compile, every pass together
SOURCE = "document.tex"
# A genuine \includegraphics: not one preceded by an odd number of backslashes (`\\` is a line
# break, so `\\includegraphics{...}` in a statement is text). Statements cannot hold a genuine
# one (the math allowlist refuses it), so every match is a figure the renderer placed.
_GRAPHICS = re.compile(r"(?<!\\)((?:\\\\)*\\includegraphics(?:\[[^\]]*\])?\{)([^{}]+)\}")
MAX_PICTURE_BYTES = 64 * 2**20
_MISSING_FILE = re.compile(r"File `([^']+)' not found")
# kpathsea's confinement, and no mktextfm/mktexpk runs (they write missfont.log and caches).
CONFINED = {"openin_any": "p", "openout_any": "p", "shell_escape": "f", "MKTEXTFM": "0",
            "MKTEXPK": "0", "MKTEXMF": "0", "MKTEXTEX": "0", "MKOCP": "0", "MKOFM": "0"}


def write_pdf(path: Path, latex: str, base: Path | None = None) -> None:
    """Compile `latex` (pictures named relative to `base`, by default the current folder) and
    write the PDF to `path` through `write_atomic`."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise InputError("output: pdflatex is not installed, so no PDF can be made; install "
                         f"TeX Live (Debian: {install_hint()}) or write a .tex file instead")
    check_folder(path, "output")
    with sigterm_raises(path), tempfile.TemporaryDirectory(prefix="derive-pdf-") as scratch:
        pdf = compile_pdf(pdflatex, latex, Path(scratch), base)
    write_atomic(path, pdf)


def compile_pdf(pdflatex: str, latex: str, scratch: Path, base: Path | None = None) -> bytes:
    """The PDF of `latex`, compiled in `scratch` (an empty folder pdflatex may write to)."""
    source = trailer_id(with_pictures(latex, scratch, base))
    (scratch / SOURCE).write_text(source, encoding="utf-8")
    deadline = time.monotonic() + TIMEOUT_S
    for _ in range(RUNS):
        _run(pdflatex, scratch, deadline)
    return (scratch / "document.pdf").read_bytes()


def trailer_id(latex: str) -> str:
    r"""`latex` with a trailer /ID derived from its text (pdfTeX hashes the path and time).

    >>> trailer_id("\\documentclass{article}").startswith("\\pdftrailerid{")
    True
    """
    digest = hashlib.sha256(latex.encode("utf-8")).hexdigest()[:32]
    return f"\\pdftrailerid{{{digest}}}\n{latex}"


def with_pictures(latex: str, scratch: Path, base: Path | None = None) -> str:
    """Copy every \\includegraphics file into `scratch` as figure-N and point the LaTeX there
    (kpathsea's paranoid mode refuses absolute paths and `..`)."""
    copied: dict[str, str] = {}

    def copy(match: re.Match[str]) -> str:
        original = match.group(2)
        if original not in copied:
            name = f"figure-{len(copied) + 1}{Path(original).suffix}"
            source = str(base / original) if base is not None else original
            try:
                _check_picture(source)
                shutil.copyfile(source, scratch / name)
            except OSError as error:
                raise DeriveError(f"output: cannot read the picture {original!r} "
                                  f"({error.strerror}); write it again") from None
            copied[original] = name
        return f"{match.group(1)}{copied[original]}}}"

    return _GRAPHICS.sub(copy, latex)


def _check_picture(path: str) -> None:
    """A picture is a regular file of at most MAX_PICTURE_BYTES (no FIFO, device or folder)."""
    status = os.stat(path)
    if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_PICTURE_BYTES:
        raise DeriveError(f"output: the picture {path!r} is not a regular file of at most "
                          f"{MAX_PICTURE_BYTES // 2**20} MB; write it again")


def _run(pdflatex: str, scratch: Path, deadline: float) -> None:
    """One pdflatex pass in `scratch`; a failure or a timeout becomes one line."""
    try:
        result = subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", SOURCE],
            cwd=scratch, env=_environment(scratch), stdin=subprocess.DEVNULL,
            capture_output=True, timeout=max(deadline - time.monotonic(), 0.1), check=False)
    except subprocess.TimeoutExpired:
        raise DeriveError(f"output: pdflatex ran past {TIMEOUT_S} s and was stopped; write a "
                          ".tex file to inspect it") from None
    if result.returncode != 0:
        raise DeriveError(failure(result.stdout.decode("utf-8", errors="replace")))


def _environment(scratch: Path) -> dict[str, str]:
    environment = {**os.environ, **CONFINED, "TEXMFOUTPUT": str(scratch)}
    environment.pop("TEXMFVAR", None)
    return environment


def failure(log: str) -> str:
    """The one-line message for a failed pdflatex run, from its terminal output.

    >>> failure("! LaTeX Error: File `lmodern.sty' not found.").split("; ")[1]
    'install the Debian package lmodern (apt-get install --no-install-recommends lmodern)'
    """
    errors = [line.strip() for line in log.splitlines() if line.startswith("!")]
    first = errors[0] if errors else "see its log"
    missing = _MISSING_FILE.search(first)
    if missing:
        package = debian_package(missing.group(1))
        fix = (f"install the Debian package {package} ({install_hint([package])})" if package else
               f"install TeX Live (Debian: {install_hint()})")
        return f"output: pdflatex failed ({first}); {fix}"
    return f"output: pdflatex failed ({first}); write a .tex file to inspect it"
