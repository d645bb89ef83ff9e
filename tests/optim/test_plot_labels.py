"""The contour plot's legend reads each path's own label: gd's step size, optimize's call."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

import derive
from derive.render import draw_pictures


def _legend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str,
            **fields: Any) -> list[str]:
    pytest.importorskip("matplotlib")
    plot = importlib.import_module("derive.render.plot")

    seen: list[str] = []

    def save(figure: Any, plt: Any, path: Path) -> None:
        seen.extend(text.get_text() for text in figure.axes[0].get_legend().get_texts())
        plt.close(figure)

    monkeypatch.setattr(plot, "_save", save)
    monkeypatch.chdir(tmp_path)
    draw_pictures([derive.solve(derive.problem(kind, plot="paths.png", **fields))])
    return seen


def test_optimize_legend_is_the_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    legend = _legend(tmp_path, monkeypatch, "optimize", function="x1**2 + 10*x2**2", x0="1,1",
                     steps=3, optimizer=["Adam(lr=0.1)", "SGD(lr=0.05)"])
    assert legend == ["1: Adam(lr=0.1)", "2: SGD(lr=0.05)"]


def test_gd_legend_is_the_rate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    legend = _legend(tmp_path, monkeypatch, "gd", function="x1**2 + 10*x2**2", x0="1,1",
                     lr=["0.05", "0.1"])
    assert legend == [r"$\eta = 0.05$", r"$\eta = 0.1$"]
