"""`optimize`'s written-out steps (the first updates with their numbers), the schedule's
lr_t, and the table of every step."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from derive.answers import Key
from derive.numeric.optim.run import OptimizerTrace
from derive.numeric.optim.specs import Spec
from derive.problems.optimize_equations import HYPER, equations, finite, hyper_values, symbol
from derive.solution import Step, Table
from derive.symbolic.build import eq

WRITTEN_STEPS = 2  # updates written out with their numbers
SHOWN_ROWS = 24  # table rows: the first ones and the last


def _exact(value: float) -> sympy.Expr:
    return sympy.Rational(repr(value))


def _closed_form(schedule: Spec, epoch: sympy.Expr) -> sympy.Expr:
    eta = HYPER["lr"]
    name = schedule.name
    if name == "StepLR":
        return eta * _exact(schedule["gamma"]) ** sympy.floor(epoch / schedule["step_size"])
    if name == "MultiStepLR":
        return eta * _exact(schedule["gamma"]) ** sympy.Symbol("n_t")
    if name == "ExponentialLR":
        return eta * _exact(schedule["gamma"]) ** epoch
    if name == "CosineAnnealingLR":
        floor = _exact(schedule["eta_min"])
        return floor + (eta - floor) * (1 + sympy.cos(sympy.pi * epoch / schedule["T_max"])) / 2
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
    return Step(eq(symbol(r"\eta", t), _closed_form(schedule, t - 1)), why, value=lrs,
                key=Key("lr_t"))  # every step's rate, as a list


def _given(trace: OptimizerTrace, t: int, tag: str) -> dict[sympy.Basic, Any]:
    """Every symbol of step t's equations with its number: hyper-parameters, lr_t, the raw
    gradient, and each quantity at t - 1 and t."""
    records = trace.records
    given: dict[sympy.Basic, Any] = dict(hyper_values(trace.spec))
    given[symbol(r"\eta", t, tag)] = records[t].lr
    given[sympy.Function(r"\nabla f")(symbol("x", t - 1, tag))] = records[t].g
    for equation in equations(trace.spec, trace.form, tag):
        for k in (t - 1, t):
            value = equation.value(records[k])
            if finite(value):
                given[symbol(equation.tex, k, tag)] = value
    return given


def written_steps(trace: OptimizerTrace, tag: str, setting: tuple[tuple[str, str], ...]
                  ) -> list[Step]:
    """The first updates, each equation with its numbers substituted, each showing the answer
    `NAME_t` of its optimizer's `setting`."""
    found = []
    rules = equations(trace.spec, trace.form, tag)
    for t in range(1, min(WRITTEN_STEPS, len(trace.records) - 1) + 1):
        given = _given(trace, t, tag)
        for equation in rules:
            rhs, why = equation.rhs(sympy.Integer(t)), f"t = {t}: {equation.why}"
            if equation.name == "b" and trace.spec.name == "SGD" and t == 1:
                rhs, why = symbol("g", 1, tag), "t = 1: torch's first step sets b_1 = g_1"
            value = equation.value(trace.records[t])
            found.append(Step(eq(symbol(equation.tex, t, tag), rhs), why,
                              value=_plain(value), given=given,
                              key=Key(f"{equation.name}_{t}", setting=setting)))
    return found


def _plain(value: Any) -> Any:
    return value if value is None or np.ndim(value) else float(value)


def _cell(value: Any) -> str:
    """A value at full precision (repr): the renderer rounds it to the steps' digits."""
    if value is None:
        return ""
    if np.ndim(value):
        return "(" + ", ".join(repr(float(v)) for v in np.asarray(value).ravel()) + ")"
    return repr(float(value))


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
    return Table(("t", "lr_t", *(HEADERS.get(e.name, f"{e.name}_t") for e in rules),
                  f"x_t = ({', '.join(names)})", "f(x_t)"), tuple(cells), caption=caption)
