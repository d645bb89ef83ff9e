"""The templates' LaTeX packages, pdf.py's hints and `.ci/run`'s install agree (issue 13,
item 1)."""

from __future__ import annotations

import re
from pathlib import Path

from derive.render.tex_packages import PACKAGES, debian_packages

ROOT = Path(__file__).resolve().parents[2]
_USEPACKAGE = re.compile(r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")


def used_packages() -> set[str]:
    """Every package a LaTeX template loads, comma lists split."""
    names: set[str] = set()
    for template in (ROOT / "templates" / "latex").rglob("*.j2"):
        for group in _USEPACKAGE.findall(template.read_text(encoding="utf-8")):
            names |= {name.strip() for name in group.split(",") if name.strip()}
    return names


def ci_packages() -> set[str]:
    """The Debian packages `.ci/run` installs: its `tex_packages=(...)` list."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    listed = re.search(r"^tex_packages=\(([^)]*)\)", script, re.MULTILINE)
    assert listed, ".ci/run names its TeX packages in tex_packages=(...)"
    return set(listed.group(1).split())


def test_usepackage_is_parsed_with_options_and_lists() -> None:
    text = r"\usepackage[T1]{fontenc} \usepackage{amsmath, amssymb}"
    assert {n.strip() for g in _USEPACKAGE.findall(text) for n in g.split(",")} == {
        "fontenc", "amsmath", "amssymb"}


def test_every_template_package_has_its_debian_package() -> None:
    assert used_packages() and used_packages() == set(PACKAGES)


def test_ci_installs_exactly_the_debian_packages_the_templates_need() -> None:
    assert ci_packages() == set(debian_packages())
