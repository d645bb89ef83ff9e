"""The LaTeX packages the templates load, and the Debian packages that ship them.

One source of truth: pdf.py's hints name these Debian packages, `.ci/run` installs exactly
them, and a test ties both to the `\\usepackage` lines of templates/latex. (Debian's `lmodern`
is only a Recommends of TeX Live, so `--no-install-recommends` skips it.)

>>> debian_package("lmodern.sty")
'lmodern'
>>> debian_package("fancyhdr.sty") is None
True
"""

from __future__ import annotations

# LaTeX package -> the Debian package holding its .sty (found with `dpkg -S`).
PACKAGES: dict[str, str] = {
    "geometry": "texlive-latex-base",
    "fontenc": "texlive-latex-base",
    "lmodern": "lmodern",
    "amsmath": "texlive-latex-base",
    "amssymb": "texlive-base",
    "booktabs": "texlive-latex-recommended",
    "longtable": "texlive-latex-base",
    "tikz": "texlive-pictures",
    "graphicx": "texlive-latex-base",
}


def debian_packages() -> list[str]:
    """Every Debian package the templates need, sorted."""
    return sorted(set(PACKAGES.values()))


def debian_package(file_name: str) -> str | None:
    """The Debian package that ships `file_name` (`lmodern.sty`), None when not ours."""
    stem = file_name.removesuffix(".sty")
    return PACKAGES.get(stem)


def install_hint(packages: list[str] | None = None) -> str:
    """The command that installs `packages` (by default every one the templates need).

    >>> install_hint(["lmodern"])
    'apt-get install --no-install-recommends lmodern'
    """
    return "apt-get install --no-install-recommends " + " ".join(packages or debian_packages())
