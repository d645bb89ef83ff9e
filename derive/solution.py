"""`Step` and `Solution`: what solving a problem produces and every renderer consumes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from derive.answers import Answer, Answers, Key

if TYPE_CHECKING:
    import sympy

    from derive.problem import Problem


@dataclass(frozen=True)
class Step:
    """One assertion of a derivation.

    `relation` is usually ``Eq(lhs, formula)``; `given` maps the formula's symbols to
    the problem's numbers, so renderers can show formula -> substitution -> `value`.
    `check` is the residual of the step's verification (0 for an exact check). `key` is the
    answer the step shows when its left side's plain name is not that answer's key (the
    gain of init 2 is written gain^[2] in math and keyed `init 2 gain`).
    """

    relation: sympy.Basic
    why: str
    shape: tuple[Any, ...] | None = None
    value: Any = None
    check: float | None = None
    given: Mapping[sympy.Symbol, Any] = field(default_factory=dict)
    key: Key | None = None

    @property
    def sides(self) -> tuple[Any, tuple[Any, ...]]:
        """The relation's left side and its right sides, in order (a = b = c has two)."""
        chain = getattr(self.relation, "chain", None)
        if chain is not None:
            return chain[0], tuple(chain[1:])
        rhs = getattr(self.relation, "rhs", None)
        return getattr(self.relation, "lhs", self.relation), (() if rhs is None else (rhs,))


def step_answers(steps: tuple[Step, ...]) -> list[Answer]:
    """The quantity each step shows, keyed by its left side: a named symbol or matrix with a
    value (``P_1 = n_0 n_1 + n_1 = 5050``, ``x^(1) = ...``), and the shape a step states of a
    named matrix or a derivative (``shape of dL/dW_1``), so every quantity is an answer."""
    return [answer for _, answer in shown_by_step(steps)]


def shown_by_step(steps: tuple[Step, ...]) -> list[tuple[int, Answer]]:
    """`step_answers`, each with the index of the step that shows it."""
    import sympy

    from derive.symbolic.matrices import MatrixPartial, Partial

    found = []
    for index, step in enumerate(steps):
        lhs, _ = step.sides
        named = step.key is not None or isinstance(lhs, sympy.Symbol | sympy.MatrixSymbol)
        if step.value is not None and named:
            found.append((index, Answer(step.key or Key.of(lhs), step.value, shape=step.shape)))
        if step.shape is not None and (named or isinstance(lhs, Partial | MatrixPartial)):
            key = (dataclasses.replace(step.key, aspect="shape") if step.key else
                   Key.of(lhs, aspect="shape") if named else
                   Key.derivative(*lhs.args[:2], aspect="shape"))
            found.append((index, Answer(key, Shape(step.shape), nonnegative=True)))
    return found


SHOWN = "each quantity a step shows, by its name there (the steps)"


def shown_as_detail(answers: Answers, steps: tuple[Step, ...], detail: str = SHOWN) -> Answers:
    """`answers` and the quantities the steps show that they lack (`unambiguous` ones), those
    listed compactly under `detail` (not boxed: the steps already show their values)."""
    extra = [dataclasses.replace(answer, detail=detail)
             for _, answer in unambiguous(shown_by_step(steps)) if answer.key not in answers]
    return Answers((*answers.entries(), *extra))


def unambiguous(shown: list[tuple[int, Answer]]) -> list[tuple[int, Answer]]:
    """`shown` without a name two steps show with different values (x^(1) of two step sizes,
    l_1 of two losses): either value under it would be wrong for the other, so it is no
    answer; the kinds key such values apart (lr 0.1 x_1). A shape stated twice is one
    shape, in letters (n_h x 1) and in numbers (2)."""
    first: dict[Key, Any] = {}
    ambiguous = set()
    for _, answer in shown:  # one pass: a name compared with its first value only
        if answer.key.aspect == "shape":
            continue
        if answer.key not in first:
            first[answer.key] = answer.value
        elif not _same(first[answer.key], answer.value):
            ambiguous.add(answer.key)
    return [(index, answer) for index, answer in shown if answer.key not in ambiguous]


def _same(a: Any, b: Any) -> bool:
    """Whether two shown values are one value (arrays entry by entry)."""
    import numpy as np

    try:
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    except (TypeError, ValueError):
        return a == b


def computation_order(answers: Answers, shown: list[tuple[int, Answer]]) -> Answers:
    """`answers` with each run of boxed values that steps show (`shown`: by `shown_by_step`)
    in the order of those steps: Z_1 before A_1, as the forward pass computes them. Any
    other answer keeps its place and ends a run: one no step shows, a detail answer, and a
    derivative (the kinds list gradients per parameter, each beside its update)."""
    first: dict[Key, int] = {}
    for index, answer in shown:
        first.setdefault(answer.key, index)
    entries = list(answers.entries())
    start = 0
    for place in range(len(entries) + 1):
        if place < len(entries) and _in_run(entries[place], first):
            continue
        entries[start:place] = sorted(entries[start:place], key=lambda a: first[a.key])
        start = place + 1
    return Answers(entries)


def _in_run(answer: Answer, first: Mapping[Key, int]) -> bool:
    """Whether `computation_order` may move the answer: a boxed value a step shows."""
    return not answer.detail and not answer.key.wrt and answer.key in first


NOT_ASKED = "the results the question does not ask (the steps above)"


def boxed_as_asked(answers: Answers, asked: tuple[Key, ...]) -> Answers:
    """`answers` boxing exactly the `asked` ones, first and in that order; every other one
    a detail answer (its own caption kept, else `NOT_ASKED`)."""
    chosen = [dataclasses.replace(answers.answer(key), detail="") for key in asked]
    rest = [answer if answer.detail else dataclasses.replace(answer, detail=NOT_ASKED)
            for answer in answers.entries() if answer.key not in asked]
    return Answers((*chosen, *rest))


def shape_words(shape: Any) -> str:
    """A shape in a caption's words: (3, 30, 30) -> '3 x 30 x 30'."""
    return "" if shape is None else " x ".join(str(n) for n in shape)


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
    # random values at small sizes for judging a claimed formula: (values by name, the
    # right value there, the factors a slip may add); None where formulas are not judged
    sample: Callable[[], tuple[dict[str, Any], Any, dict[str, float]]] | None = field(
        default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Table:
    """A table of display cells (strings, integers and `MathCell`s), e.g. a layer-by-layer
    summary; `caption` says what it holds, `before` places it ahead of the steps."""

    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    caption: str = ""
    before: bool = False


@dataclass(frozen=True)
class MathCell:
    """A table cell that is math: an expression, `given` numbers substituted in it; the
    renderers print it (TeX, Unicode)."""

    expr: Any
    given: Mapping[Any, Any] | None = None


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
class FeatureMap:
    """One tensor of a conv/pool stack: what made it ("input", "1: conv") and its shape."""

    label: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class StackFigure:
    """A conv/pool stack drawn as feature-map boxes, input first, each with its shape."""

    maps: tuple[FeatureMap, ...]


@dataclass(frozen=True)
class ImageFigure:
    """A picture placed in the document by its path, which the renderer writes: `drawing`
    holds what it draws (for gradient descent: the function, each path's trace by its legend
    label, the variables)."""

    path: str
    drawing: tuple[Any, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Solution:
    """Ordered steps, named answers (numbers, lists or `Formula`s), stated assumptions, tables.

    The boxed answers (those without `Answer.detail`) come in the order the steps show them
    (`computation_order`); with `asked` (the keys a problem's `ask` table names), exactly
    those are boxed, in that order (`boxed_as_asked`)."""

    problem: Problem
    steps: tuple[Step, ...]
    answers: Answers
    notes: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    figure: GraphFigure | StackFigure | ImageFigure | None = None
    asked: tuple[Key, ...] = ()

    def __post_init__(self) -> None:
        answers = self.answers if isinstance(self.answers, Answers) else \
            Answers.from_values(self.answers)  # a {key or name: value} dict
        by_step = unambiguous(shown_by_step(self.steps))
        shown = [answer for _, answer in by_step if answer.key not in answers]
        answers = Answers((*answers.entries(), *shown))
        answers = (boxed_as_asked(answers, self.asked) if self.asked else
                   computation_order(answers, by_step))
        object.__setattr__(self, "answers", answers)

    def _repr_markdown_(self) -> str:
        from derive.render import render

        return render(self, "markdown", fragment=True)

    def _repr_latex_(self) -> str:
        from derive.render import render
        from derive.render.fit import unfit

        return unfit(render(self, "latex", fragment=True))

    def _repr_html_(self) -> str:
        from derive.render import notebook_html, render

        return notebook_html(render(self, "markdown", fragment=True))

    def __str__(self) -> str:
        from derive.render import render

        return render(self, "text")
