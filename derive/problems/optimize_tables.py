"""`optimize`'s written-out steps (the first updates with their numbers), the schedule's
lr_t, and the table of every step."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import sympy

from derive.answers import Key
from derive.numeric.optim.run import OptimizerTrace
from derive.numeric.optim.specs import Spec
from derive.problems.optimize_equations import HYPER, equations, finite, hyper_values, symbol
from derive.solution import Step, Table
from derive.symbolic.build import add, div, eq, floor, mul, power

WRITTEN_STEPS = 2  # updates written out with their numbers
SHOWN_ROWS = 24  # table rows: the first ones and the last


def _exact(value: float) -> sympy.Expr:
    return sympy.Rational(repr(value))


def _factor(schedule: Spec, exponent: sympy.Expr) -> sympy.Expr:
    """gamma^exponent eta with gamma as written (0.5, not 2^-1: SymPy would rewrite a
    rational base, and 0.5^floor(...) printed as 2^(-floor(...)) reads like eta_2); the
    factor first, as eta 0.5^... typesets as one word "eta0.5"."""
    return mul(power(sympy.Float(repr(schedule["gamma"])), exponent), HYPER["lr"])


def _closed_form(schedule: Spec, epoch: sympy.Expr) -> sympy.Expr:
    eta = HYPER["lr"]
    name = schedule.name
    if name == "StepLR":
        return _factor(schedule, floor(div(epoch, schedule["step_size"])))
    if name == "MultiStepLR":
        return _factor(schedule, sympy.Symbol("n_t"))
    if name == "ExponentialLR":
        return _factor(schedule, epoch)
    if name == "CosineAnnealingLR":
        lowest = _exact(schedule["eta_min"])
        return lowest + (eta - lowest) * (1 + sympy.cos(sympy.pi * epoch / schedule["T_max"])) / 2
    start, end = _exact(schedule["start_factor"]), _exact(schedule["end_factor"])
    total = schedule["total_iters"]
    return eta * (start + (end - start) * sympy.Min(epoch, total) / total)


def lr_step(schedule: Spec, lrs: list[float]) -> Step:
    """lr_t of the schedule: its closed form in t, and torch's values for every step."""
    t = sympy.Symbol("t")
    why = (f"{schedule.text}, stepped once per update: lr_t is its value after t - 1 "
           "scheduler steps (torch's recursive values, checked against this closed form)")
    if schedule.name == "MultiStepLR":
        why += f"; n_t counts the milestones {list(schedule['milestones'])} up to t - 1"
    return Step(eq(symbol(r"\eta", t), _closed_form(schedule, add(t, -1))), why, value=lrs,
                key=Key("lr_t"))  # every step's rate, as a list


def _given(trace: OptimizerTrace, t: int, tag: str) -> dict[sympy.Basic, Any]:
    """Every symbol of step t's equations with its number: hyper-parameters (exact, as
    written: eps=1e-10 is no rounding residue), lr_t, the raw gradient, and each quantity at
    t - 1 and t."""
    records = trace.records
    given: dict[sympy.Basic, Any] = {key: _exact(value)
                                     for key, value in hyper_values(trace.spec).items()}
    given[symbol(r"\eta", t, tag)] = records[t].lr
    given[sympy.Function(r"\nabla f")(symbol("x", t - 1, tag))] = shown(records[t].g)
    for equation in equations(trace.spec, trace.form, tag):
        for k in (t - 1, t):
            value = equation.value(records[k])
            if finite(value):
                given[symbol(equation.tex, k, tag)] = shown(value)
    return given


def _zero_states(trace: OptimizerTrace, tag: str) -> dict[sympy.Symbol, str]:
    """The states that start at 0 (m_0, v_0, b_0, ...): each symbol at t = 0 with its name."""
    first = trace.records[0]
    return {symbol(e.tex, 0, tag): e.name for e in equations(trace.spec, trace.form, tag)
            if e.name != "x" and finite(value := e.value(first)) and not np.any(value)}


def _without(expr: sympy.Expr, zeros: Iterable[sympy.Symbol]) -> sympy.Expr:
    """`expr` without the terms of its sum that a zero in `zeros` multiplies (mu b_0 of
    b_1 = mu b_0 + g_1): a TA drops them; the sum as it is when none does."""
    if not isinstance(expr, sympy.Add):
        return expr
    kept = [term for term in expr.args if not _has_factor(term, set(zeros))]
    if len(kept) == len(expr.args):
        return expr
    return add(*kept) if len(kept) > 1 else kept[0] if kept else sympy.Integer(0)


def _has_factor(term: sympy.Expr, zeros: set[sympy.Symbol]) -> bool:
    """Whether `term` is one of `zeros` or a product with one among its factors."""
    return term in zeros or (isinstance(term, sympy.Mul)
                             and any(_has_factor(factor, zeros) for factor in term.args))


def _from_zero(rhs: sympy.Expr, why: str, zeros: dict[sympy.Symbol, str]
               ) -> tuple[sympy.Expr, str]:
    """Step 1's right side without the terms of zero states, its caption naming them."""
    kept = _without(rhs, zeros)
    dropped = [name for zero, name in zeros.items()
               if zero in rhs.free_symbols and zero not in kept.free_symbols]
    return kept, why + (f"; {' = '.join(f'{name}_0' for name in dropped)} = 0"
                        if dropped else "")


def written_steps(trace: OptimizerTrace, tag: str, setting: tuple[tuple[str, str], ...]
                  ) -> list[Step]:
    """The first updates, each equation with its numbers substituted, each showing the answer
    `NAME_t` of its optimizer's `setting`; at t = 1 without the terms of states that start
    at 0."""
    found = []
    rules = equations(trace.spec, trace.form, tag)
    zeros = _zero_states(trace, tag)
    for t in range(1, min(WRITTEN_STEPS, len(trace.records) - 1) + 1):
        given = _given(trace, t, tag)
        for equation in rules:
            rhs, why = equation.rhs(sympy.Integer(t)), f"t = {t}: {equation.why}"
            if equation.name == "b" and trace.spec.name == "SGD" and t == 1:
                rhs, why = symbol("g", 1, tag), "t = 1: torch's first step sets b_1 = g_1"
            elif t == 1:
                rhs, why = _from_zero(rhs, why, zeros)
            found.append(Step(eq(symbol(equation.tex, t, tag), rhs), why,
                              value=shown(equation.value(trace.records[t])), given=given,
                              key=Key(f"{equation.name}_{t}", setting=setting)))
    return found


def shown(value: Any) -> Any:
    """A value as written: an array as is, a one-entry array (a function of one variable)
    and a number as a float, None as None."""
    return value if value is None or np.size(value) > 1 else float(np.ravel(value)[0])


def _cell(value: Any) -> str:
    """A value at full precision (repr): the renderer rounds it to the steps' digits; a
    vector in parentheses, a number (one variable's) bare."""
    if value is None:
        return ""
    if np.size(value) > 1:
        return "(" + ", ".join(repr(float(v)) for v in np.asarray(value).ravel()) + ")"
    return repr(shown(value))


# a column named as its equation writes it: the decayed rate, the running maximum
HEADERS = {"lrdecay": "etatilde_t", "vmax": "v_t^max"}


def table(trace: OptimizerTrace, names: list[str], number: int | None) -> Table:
    """Every step: t, lr_t, g_t, each state, x_t and f(x_t) (long runs: first and last)."""
    rules = [e for e in equations(trace.spec, trace.form) if e.name != "x"]
    rows = list(range(len(trace.records)))
    if len(rows) > SHOWN_ROWS:
        rows = rows[: SHOWN_ROWS - 3] + [-1] + rows[-2:]
    cells = []
    for k in rows:
        if k < 0:
            cells.append(("...",) * (4 + len(rules)))
            continue
        record = trace.records[k]
        cells.append((str(record.t), _cell(record.lr),
                      *(_cell(e.value(record)) for e in rules),
                      _cell(record.x), _cell(record.f)))
    # the optimizer's call in the caption: as a column header it widened the table past the
    # page, and the whole table was scaled to a few points
    caption = f"optimizer {number}, {trace.spec.text}" if number else trace.spec.text
    point = f"x_t = ({', '.join(names)})" if len(names) > 1 else "x_t"
    return Table(("t", "lr_t", *(HEADERS.get(e.name, f"{e.name}_t") for e in rules),
                  point, "f(x_t)"), tuple(cells), caption=caption)
