"""User math reaches LaTeX only through the allowlist of math commands (issue 13, item 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derive.errors import InputError
from derive.problemset import builtin, load
from derive.render.math_commands import COMMANDS
from derive.render.tex import safe_math, statement_tex

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))

# Each of these got through the old blocklist and read, dumped, embedded or hashed FILE.
HOSTILE = {
    "input-if-exists": (r"\InputIfFileExists{FILE}{}{}", "InputIfFileExists"),
    "file-dump": (r"\pdffiledump offset 0 length 32 {FILE}", "pdffiledump"),
    "file-object": (r"\pdfobj file {FILE}\pdfrefobj\pdflastobj", "pdfobj"),
    "file-hash": (r"\pdfmdfivesum file {FILE}", "pdfmdfivesum"),
    "if-exists": (r"\IfFileExists{FILE}{A}{B}", "IfFileExists"),
    "everymath": (r"\global\everymath{x}", "global"),
    "stop": (r"x \stop", "stop"),
    "futurelet": (r"\futurelet\x\y", "futurelet"),
    "cyrillic-input": ("\\\u0456nput{FILE}", "\u0456nput"),
    "inside-text": (r"\text{\input{FILE}}", "input"),
    "control-symbol": (r"\@input", "@"),
    "backslash-newline": ("x\\\ny", "<U+000A>"),
    "label-writes-aux": (r"x \label{a}", "label"),
}


def _sheet(folder: Path, math: str) -> Path:
    path = folder / "hostile.toml"
    statement = "See $" + math + "$."
    path.write_text('[[problems]]\nid = "q"\nkind = "params"\nlayers = [4, 3]\n'
                    f"statement = '''{statement}'''\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_statement_is_refused_with_one_line(run_cli, tmp_path: Path, name: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    math, command = HOSTILE[name]
    sheet = _sheet(tmp_path, math.replace("FILE", str(secret)))
    status, out, err = run_cli("sheet", str(sheet), "-o", str(tmp_path / "key.tex"))
    assert status == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert f"\\{command}" in err and "field 'statement'" in err and "remove it" in err
    assert not (tmp_path / "key.tex").exists()


@pytest.mark.parametrize("math, fragment", [
    (r"\begin{filecontents}x\end{filecontents}", "'filecontents'"),
    (r"\begin\relax", "environment"),
    ("x \\", "lone backslash"),
    ("x^^5cinput", "'^^'"),
    ("x % comment", "'%'"),
    ("x \x00 y", "control characters"),
    ("{x", "unbalanced"),
    (r"\begin{array}{*{10000000}{c}} x \end{array}", "l, c, r and |"),
    (r"\begin{array}{p{2cm}} x \end{array}", "l, c, r and |"),
])
def test_other_hostile_math_is_refused(math: str, fragment: str) -> None:
    with pytest.raises(InputError, match=re.escape(fragment)):
        safe_math(math, "statement")


@pytest.mark.parametrize("math", [
    r"\frac{\partial L}{\partial W^{(1)}} = \delta^{(2)} a^{(1)\top}",
    r"\hat{y} = \sigma(\mathbf{W} x + b), \quad \mathcal{L}(\theta) \in \mathbb{R}",
    r"\left\lVert \nabla f \right\rVert_2 \leq \varepsilon,\; \tanh'(z) = 1 - \tanh^2 z",
    r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix} \odot \operatorname{diag}(p) - p p^\intercal",
    r"\sum_{i=1}^{N} \log \hat{p}_i \cdot 10\% \quad \{a, b\} \ldots \text{for all } i",
    r"\left(\begin{array}{c|cc} 1 & 2 & 3 \end{array}\right)",
])
def test_the_math_a_course_writes_is_accepted(math: str) -> None:
    assert safe_math(math) == math


@pytest.mark.parametrize("path", [*EXAMPLES, None], ids=lambda p: p.name if p else "builtin")
def test_every_shipped_statement_passes(path: Path | None) -> None:
    problem_set = load(path) if path else builtin()
    statements = [p.statement for p in problem_set.problems if p.statement]
    assert statements
    for statement in statements:
        assert statement_tex(statement)


def test_the_shipped_statements_use_only_allowed_commands() -> None:
    used = set()
    for problem_set in [*map(load, EXAMPLES), builtin()]:
        for problem in problem_set.problems:
            used |= set(re.findall(r"\\([A-Za-z]+)", problem.statement or ""))
    assert used and used <= COMMANDS


@pytest.mark.slow
def test_a_line_break_before_includegraphics_reads_no_file(run_cli, tmp_path: Path,
                                                          monkeypatch) -> None:
    """`\\\\includegraphics{F}` in a statement is a line break and text to TeX; derive must not
    read it as a picture and copy F (a file outside the confinement) into the PDF's folder."""
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    copied: list[str] = []
    import shutil as shutil_module

    real_copy = shutil_module.copyfile
    monkeypatch.setattr(shutil_module, "copyfile",
                        lambda source, target: copied.append(str(source)) or
                        real_copy(source, target))
    sheet = _sheet(tmp_path, r"\text{\\includegraphics{" + str(secret) + "}}")
    status, _, err = run_cli("sheet", str(sheet), "-o", str(tmp_path / "key.pdf"))
    assert str(secret) not in copied, err
