"""`Step` and `Solution`: what solving a problem produces and every renderer consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sympy

    from derive.problem import Problem


@dataclass(frozen=True)
class Step:
    """One assertion of a derivation.

    `relation` is usually ``Eq(lhs, formula)``; `given` maps the formula's symbols to
    the problem's numbers, so renderers can show formula -> substitution -> `value`.
    `check` is the residual of the step's verification (0 for an exact check).
    """

    relation: sympy.Basic
    why: str
    shape: tuple[Any, ...] | None = None
    value: Any = None
    check: float | None = None
    given: Mapping[sympy.Symbol, Any] = field(default_factory=dict)

    @property
    def sides(self) -> tuple[Any, tuple[Any, ...]]:
        """The relation's left side and its right sides, in order (a = b = c has two)."""
        chain = getattr(self.relation, "chain", None)
        if chain is not None:
            return chain[0], tuple(chain[1:])
        rhs = getattr(self.relation, "rhs", None)
        return getattr(self.relation, "lhs", self.relation), (() if rhs is None else (rhs,))


UNIT_ROUNDOFF = 2.0 ** -53


def measured(residual: float) -> float:
    """A numerical comparison's residual as a step's check: never below the unit roundoff,
    since 0 says the step was verified exactly."""
    return max(residual, UNIT_ROUNDOFF)


class Shape(tuple):  # type: ignore[type-arg]
    """A tensor shape, e.g. Shape((16, 5, 5)): shown as 16 x 5 x 5, exported as a list."""

    __slots__ = ()


@dataclass(frozen=True)
class Formula:
    """A symbolic answer: its expression, its shape, the residual of its check, and what it
    is of (e.g. the derivative dl/dW_1), shown in place of the answer's name in math."""

    expr: sympy.Basic
    shape: tuple[Any, ...] | None = None
    check: float | None = None
    label: sympy.Basic | None = None


@dataclass(frozen=True)
class Table:
    """A table of display cells (strings and integers), e.g. a layer-by-layer summary."""

    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class GraphNode:
    """A node of a drawn computational graph: its name, what it computes, value, gradient."""

    name: sympy.Basic
    operation: sympy.Basic | None  # what it computes from its inputs; None for a leaf
    value: float
    gradient: float
    inputs: tuple[int, ...] = ()


@dataclass(frozen=True)
class GraphFigure:
    """A computational graph to draw (TikZ, Mermaid, or an indented tree), root last."""

    nodes: tuple[GraphNode, ...]


@dataclass(frozen=True)
class ImageFigure:
    """A picture written to a file (a plot), placed in the document by its path."""

    path: str


@dataclass(frozen=True)
class Solution:
    """Ordered steps, named answers (numbers, lists or `Formula`s), stated assumptions, tables."""

    problem: Problem
    steps: tuple[Step, ...]
    answers: Mapping[str, Any]
    notes: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    figure: GraphFigure | ImageFigure | None = None

    def _repr_markdown_(self) -> str:
        from derive.render import render

        return render(self, "markdown", fragment=True)

    def __str__(self) -> str:
        from derive.render import render

        return render(self, "text")
