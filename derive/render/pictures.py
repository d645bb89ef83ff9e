"""Where a sheet's drawn pictures go and how the document names them.

A picture a problem asks for by path (`plot = "paths.png"`) is written there. Every other
picture (gradient descent's contour plot) is written beside the document: for `-o key.md` it is
`key-2.png` in key.md's folder, and the document links it by that name, relative to itself, so
the Markdown, the .tex and the PDF (compiled with that folder as its base) all find it. A sheet
echoed to standard output has no folder beside it: nothing is drawn and the document says so.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from derive.solution import ImageFigure, Solution


@dataclass(frozen=True)
class Placed:
    """A picture's file (None: not drawn), the name the document gives it, or why not, and
    whether it is a contour plot (two variables) or a curve of f against the step."""

    file: Path | None
    link: str = ""
    missing: str = ""
    contours: bool = True


NOT_DRAWN = ("the contour plot is drawn only beside a key written to one file "
             "(derive sheet ... -o key.pdf); this one went to standard output or a folder")
NO_MATPLOTLIB = "the contour plot needs matplotlib (pip install matplotlib); not drawn"
CONTOUR_CAPTION = ("Contour lines of $f$ (equal scales on both axes) and the iterates of every "
                   "run from the same start; the legend names each run.")
CURVE_CAPTION = ("$|f|$ at each iterate against the step number (log scale), one line per run; "
                 "the legend names each run.")


def place(figure: ImageFigure, number: int, pictures: str | None) -> Placed:
    """Where solution `number`'s picture goes, given the document's stem (`out/key`) or None."""
    if not figure.drawing:
        return Placed(None, figure.path)
    if importlib.util.find_spec("matplotlib") is None:
        return Placed(None, missing=NO_MATPLOTLIB)
    if figure.path:
        file = Path(figure.path)
    elif pictures is not None:
        file = Path(f"{pictures}-{number}.png")
    else:
        return Placed(None, missing=NOT_DRAWN)
    base = Path(pictures).parent if pictures is not None else Path(".")
    return Placed(file, Path(os.path.relpath(file, base)).as_posix(),
                  contours=len(figure.drawing[2]) == 2)


def draw_pictures(solutions: Sequence[Solution], pictures: str | None = None) -> list[Placed]:
    """Write every picture the documents place; one `Placed` per solution (None: no picture)."""
    placed: list[Placed] = []
    for number, solution in enumerate(solutions, 1):
        figure = solution.figure
        if not isinstance(figure, ImageFigure):
            placed.append(Placed(None))
            continue
        where = place(figure, number, pictures)
        if where.file is not None:
            from derive.render.plot import plot_descent

            plot_descent(where.file, *figure.drawing)
        placed.append(where)
    return placed


def picture_code(where: Placed, fmt: str) -> str:
    """The placed picture in LaTeX, Markdown or text; the reason when it was not drawn."""
    if not where.link:
        if not where.missing:
            return ""
        return {"latex": rf"\emph{{Figure: {where.missing}.}}", "markdown": f"*Figure: "
                f"{where.missing}.*"}.get(fmt, f"Figure: {where.missing}.")
    if fmt == "latex":
        return (r"\begin{center}\includegraphics[width=0.7\linewidth]{" + where.link
                + r"}\\[0.3em]{\small " + (CONTOUR_CAPTION if where.contours else CURVE_CAPTION)
                + r"}\end{center}")
    if fmt == "markdown":
        return f"![contour lines of f with every path of the iterates]({where.link})"
    return f"Figure: {where.link} (contour lines of f with every path)"
