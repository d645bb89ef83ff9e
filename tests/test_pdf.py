"""pdflatex confined to a scratch folder: no file read or written outside it, deterministic
bytes, nothing left behind by a failure, a timeout or a kill (issue 13, items 1, 2 and 5)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import derive
from derive import pdf
from derive.errors import DeriveError, InputError
from derive.problemset import builtin
from derive.render.tex_packages import debian_packages

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
DOCUMENT = "\\documentclass{article}\\pdfcompresslevel=0\n\\begin{document}\n%s\n\\end{document}\n"


def fake_pdflatex(folder: Path, body: str) -> Path:
    """A `pdflatex` on PATH that runs the shell `body` instead."""
    folder.mkdir(exist_ok=True)
    script = folder / "pdflatex"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return folder


def alive(pid: int, wait_s: float = 5) -> bool:
    """Whether `pid` still runs after `wait_s` (a killed child is reaped by init, not at once)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            return False
        if state == "Z":
            return False
        time.sleep(0.05)
    return True


def test_missing_pdflatex_names_every_debian_package(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(InputError) as error:
        pdf.write_pdf(tmp_path / "key.pdf", DOCUMENT % "x")
    assert all(package in str(error.value) for package in debian_packages())


def test_a_missing_style_file_names_its_debian_package() -> None:
    message = pdf.failure("! LaTeX Error: File `lmodern.sty' not found.\n")
    assert "install the Debian package lmodern" in message and "\n" not in message


def test_output_that_is_not_utf8_is_one_line(monkeypatch, tmp_path: Path) -> None:
    folder = fake_pdflatex(tmp_path / "bin",
                           r"printf '! Undefined control sequence \321\n'; exit 1")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(DeriveError, match="Undefined control sequence \ufffd") as error:
        pdf.write_pdf(tmp_path / "key.pdf", DOCUMENT % "x")
    assert "\n" not in str(error.value) and not (tmp_path / "key.pdf").exists()


def test_a_timeout_is_one_line(monkeypatch, tmp_path: Path) -> None:
    folder = fake_pdflatex(tmp_path / "bin", "exec sleep 30")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(pdf, "TIMEOUT_S", 1)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with pytest.raises(DeriveError, match="ran past 1 s"):
        pdf.write_pdf(tmp_path / "key.pdf", DOCUMENT % "x")
    assert not list(tmp_path.glob("derive-pdf-*"))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_killed_run_leaves_nothing_behind(tmp_path: Path, signum: int) -> None:
    """The signal kills pdflatex, removes the scratch folder and writes no PDF."""
    folder = fake_pdflatex(tmp_path / "bin", f"echo $$ > {tmp_path}/pid; exec sleep 30")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    sheet = tmp_path / "sheet.toml"
    sheet.write_text('[[problems]]\nkind = "params"\nlayers = [4, 3]\n', encoding="utf-8")
    environment = {**os.environ, "TMPDIR": str(scratch),
                   "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.Popen([sys.executable, "-m", "derive", "sheet", str(sheet), "-o",
                            str(tmp_path / "key.pdf")], env=environment, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (tmp_path / "pid").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    run.send_signal(signum)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 128 + signum and b"Traceback" not in err
    assert not alive(int((tmp_path / "pid").read_text()))
    assert list(scratch.iterdir()) == [] and not (tmp_path / "key.pdf").exists()


@pytest.mark.slow
@needs_pdflatex
def test_two_builds_are_byte_identical(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    problem_set = builtin()
    latex = derive.render_set(problem_set.title, derive.solve_set(problem_set), "latex")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pdf.write_pdf(tmp_path / "a" / "key.pdf", latex)
    pdf.write_pdf(tmp_path / "b" / "key.pdf", latex)
    first, second = ((tmp_path / name / "key.pdf").read_bytes() for name in "ab")
    assert first.startswith(b"%PDF") and first == second


@pytest.mark.slow
@needs_pdflatex
def test_pdflatex_reads_no_file_outside_its_folder(monkeypatch, tmp_path: Path) -> None:
    """Raw LaTeX, past the statement allowlist: kpathsea's paranoid mode still stops it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    body = "\n".join([
        rf"\IfFileExists{{{secret}}}{{FOUND}}{{ABSENT}}",
        rf"\InputIfFileExists{{{secret}}}{{}}{{}}",
        r"\IfFileExists{../" + tmp_path.name + "/secret.txt}{FOUND}{ABSENT}",
        rf"[\pdffiledump offset 0 length 9 {{{secret}}}]",
        rf"[\pdfmdfivesum file {{{secret}}}]",
    ])
    pdf.write_pdf(tmp_path / "key.pdf", DOCUMENT % body)
    text = (tmp_path / "key.pdf").read_bytes()
    assert b"TOPSECRET" not in text and b"FOUND" not in text and b"ABSENT" in text
    assert b"544F50534543524554" not in text  # the dump, in hexadecimal
    assert b"[]" in text.replace(b"\n", b"")  # no hash either


@pytest.mark.slow
@needs_pdflatex
def test_pdflatex_writes_no_file_outside_its_folder(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    body = (rf"\newwrite\out\immediate\openout\out={tmp_path}/written.txt"
            r"\immediate\write\out{x}\immediate\closeout\out")
    with pytest.raises(DeriveError, match="can't write on file"):
        pdf.write_pdf(tmp_path / "key.pdf", DOCUMENT % body)
    assert not (tmp_path / "written.txt").exists()


@pytest.mark.slow
@needs_pdflatex
def test_a_missing_font_leaves_no_missfont_log(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DeriveError, match="pdflatex failed"):
        pdf.write_pdf(tmp_path / "out" / "key.pdf", DOCUMENT % r"\font\x=derivenosuchfont \x x")
    assert list(tmp_path.rglob("missfont.log")) == []


@pytest.mark.slow
@needs_pdflatex
@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_a_plot_reaches_the_pdf(monkeypatch, tmp_path: Path, absolute: bool) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plots").mkdir()
    plot = str(tmp_path / "plots" / "paths.pdf") if absolute else "plots/paths.pdf"
    solution = derive.solve(derive.problem("gd", function="x1**2 + 4*x2**2", x0="3,3",
                                           lr=["0.1", "0.2"], plot=plot))
    pdf.write_pdf(tmp_path / "key.pdf", derive.render(solution, "latex"))
    assert b"figure-1.pdf" in (tmp_path / "key.pdf").read_bytes()
