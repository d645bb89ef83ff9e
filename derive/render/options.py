"""Rendering choices shared by every format."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """Significant digits shown, and whether worked solutions are included."""

    digits: int = 4
    solutions: bool = True
