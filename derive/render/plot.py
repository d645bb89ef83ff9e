"""Pictures of gradient descent: contour lines with every rate's path (two variables), or
f(x_k) against k (any number). matplotlib is the optional extra `plot`."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from derive.errors import FieldError
from derive.numeric.descent import Trace
from derive.output import check_folder, write_atomic

SUFFIXES = (".png", ".pdf")
SHOWN_POINTS = 60  # of each path; a diverging path is cut where it leaves the picture
_GREEK = {"eta": r"\eta", "lr": r"\eta", "alpha": r"\alpha", "beta": r"\beta"}
# Near the document's look: Computer Modern math, a serif text face with every glyph (cmr10
# itself has no '_' or minus sign: legends and tick labels lost them).
BOOK_STYLE = {"font.family": "serif", "font.serif": ["DejaVu Serif"], "mathtext.fontset": "cm",
              "axes.unicode_minus": True}


def math_label(label: str) -> str:
    """A legend label or axis name in matplotlib mathtext where it is math: ``eta = 0.1`` as
    $\\eta = 0.1$, ``x1`` as $x_1$; anything else (``1: Adam(lr=0.1)``) as written.

    >>> math_label("eta = 0.1"), math_label("x1"), math_label("w"), math_label("1: Adam")
    ('$\\\\eta = 0.1$', '$x_{1}$', '$w$', '1: Adam')
    """
    name = re.fullmatch(r"([A-Za-z]+?)_?(\d*)", label)
    if name and name.group(1) not in _GREEK:
        letters, digits = name.groups()
        if len(letters) == 1 or digits:
            return f"${letters}_{{{digits}}}$" if digits else f"${letters}$"
    rate = re.fullmatch(r"(\w+)\s*=\s*([-+.\deE]+)", label)
    if rate and rate.group(1) in _GREEK:
        return f"${_GREEK[rate.group(1)]} = {rate.group(2)}$"
    return label


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise FieldError("plot", "needs matplotlib; install it with pip install matplotlib "
                         "(in a checkout: pip install -e '.[plot]')") from None
    return plt


def check_target(path: Path) -> Any:
    """pyplot, once `path` is known to be a .png or .pdf in a writable folder."""
    if path.suffix.lower() not in SUFFIXES:
        raise FieldError("plot", f"write a .png or .pdf file, not {path.name!r}")
    check_folder(path, "plot")
    return _pyplot()


def plot_descent(path: Path, f: Callable[[Any], Any], traces: Mapping[str, Trace],
                 names: Sequence[str]) -> None:
    """Write the picture to `path` (.png or .pdf), atomically: each path of `traces` under
    its legend label ("eta = 0.1", "1: Adam(lr=0.1)")."""
    plt = check_target(path)
    with plt.rc_context(BOOK_STYLE):
        figure, axes = plt.subplots(figsize=(6.4, 4.5))
        if len(names) == 2:
            _contours(axes, f, traces, names)
        else:
            for label, trace in traces.items():
                axes.semilogy(range(len(trace.values)), np.abs(trace.values), marker="o",
                              markersize=3, label=math_label(label))
            axes.set_xlabel("$k$"), axes.set_ylabel("$|f(x_k)|$")
            axes.xaxis.get_major_locator().set_params(integer=True)  # steps are whole
        # under the axes, never over a path's end; the saved picture grows to hold it
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), borderaxespad=0.0,
                    frameon=False)
        figure.tight_layout()
        _save(figure, plt, path)


def _save(figure: Any, plt: Any, path: Path) -> None:
    """The picture's bytes through write_atomic: a symlink's target, the file's mode kept."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format=path.suffix.lower().lstrip("."), bbox_inches="tight")
    finally:
        plt.close(figure)
    write_atomic(path, buffer.getvalue())


def _contours(axes: Any, f: Callable[[Any], Any], traces: Mapping[str, Trace],
              names: Sequence[str]) -> None:
    first = next(iter(traces.values())).points[0]
    reach = 2.0 * float(np.max(np.abs(first))) + 1.0
    paths = {label: np.array([p for p in trace.points[:SHOWN_POINTS]
                              if np.all(np.abs(p) <= reach)]) for label, trace in traces.items()}
    low = np.min([p.min(axis=0) for p in paths.values()], axis=0) - 0.5
    high = np.max([p.max(axis=0) for p in paths.values()], axis=0) + 0.5
    middle, half = (low + high) / 2, float(np.max(high - low)) / 2  # a square: equal scales
    grid_x, grid_y = np.meshgrid(np.linspace(middle[0] - half, middle[0] + half, 200),
                                 np.linspace(middle[1] - half, middle[1] + half, 200))
    with np.errstate(all="ignore"):
        values = f(np.stack([grid_x, grid_y]))
    axes.contour(grid_x, grid_y, values, levels=_levels(values), linewidths=0.6,
                 cmap="viridis")
    for label, points in paths.items():
        axes.plot(points[:, 0], points[:, 1], marker="o", markersize=3,
                  label=math_label(label))
    axes.set_xlabel(math_label(names[0])), axes.set_ylabel(math_label(names[1]))
    axes.set_aspect("equal")  # true shapes: a circle stays round


def _levels(values: Any, count: int = 20) -> Any:
    """Contour levels growing as the square of their index: a quadratic's ellipses come out
    evenly spaced, so the picture is as dense near the minimum as far from it."""
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(np.quantile(finite, 0.9))
    levels = low + (high - low) * np.linspace(0, 1, count + 1)[1:] ** 2
    return np.unique(levels) if high > low else count


def plot_training(path: Path, history: Sequence[Mapping[str, Any]]) -> None:
    """Loss and accuracy per epoch, train and test, written atomically (.png or .pdf)."""
    plt = check_target(path)
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(9, 3.5))
    epochs = [record["epoch"] for record in history]
    for part in ("train", "test"):
        loss_axes.plot(epochs, [r[part]["loss"] for r in history], marker="o", label=part)
        accuracy_axes.plot(epochs, [r[part]["accuracy"] for r in history], marker="o",
                           label=part)
    loss_axes.set_xlabel("epoch"), loss_axes.set_ylabel("cross-entropy"), loss_axes.legend()
    accuracy_axes.set_xlabel("epoch"), accuracy_axes.set_ylabel("accuracy")
    accuracy_axes.legend()
    for axes in (loss_axes, accuracy_axes):
        axes.xaxis.get_major_locator().set_params(integer=True)  # epochs are whole
    figure.tight_layout()
    _save(figure, plt, path)
