"""JSON export: numbers as plain numbers and lists, formulas as {tex, shape, check}."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sympy

from derive.render.keys import key_text
from derive.render.printing import tex, text
from derive.solution import Formula, Solution, Step


def plain(value: Any) -> Any:
    """A value as JSON data: ints stay ints, other numbers become floats, arrays lists."""
    if isinstance(value, Formula):
        return {"tex": tex(value.expr), "text": text(value.expr, pretty=False),
                "shape": plain(value.shape), "check": value.check}
    if isinstance(value, bool | str) or value is None:
        return value
    if hasattr(value, "tolist"):  # NumPy (or CuPy) scalars and arrays
        return plain(value.tolist())
    if isinstance(value, int | sympy.Integer):
        return int(value)
    if isinstance(value, float | Fraction | Decimal | sympy.Float | sympy.Rational):
        return float(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, Sequence):
        return [plain(item) for item in value]
    if isinstance(value, sympy.Basic):
        return text(value, pretty=False)
    return str(value)


def answers_data(solution: Solution) -> dict[str, Any]:
    """The answers by their printed names, as JSON data."""
    return {key_text(key): plain(value) for key, value in solution.answers.items()}


def step_data(step: Step) -> dict[str, Any]:
    return {"tex": tex(step.relation), "text": text(step.relation, pretty=False), "why": step.why,
            "shape": plain(step.shape), "value": plain(step.value), "check": step.check}


def solution_data(solution: Solution) -> dict[str, Any]:
    problem = solution.problem
    return {"id": problem.id, "kind": problem.kind, "problem": plain(problem.field_values()),
            "answers": answers_data(solution), "notes": list(solution.notes),
            "steps": [step_data(step) for step in solution.steps]}


def render_json(title: str, solutions: Sequence[Solution]) -> str:
    """One solution as its object; several as {title, problems}."""
    data: Any = (solution_data(solutions[0]) if len(solutions) == 1 and not title
                 else {"title": title, "problems": [solution_data(s) for s in solutions]})
    return json.dumps(data, sort_keys=True, indent=2, allow_nan=False) + "\n"
