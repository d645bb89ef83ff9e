"""`optimize`: torch.optim's optimizers step by step on a function of several variables.

Each optimizer is written as torch's constructor call (`Adam(lr=0.1, betas=(0.9, 0.999))`),
optionally under an lr schedule (`StepLR(step_size=3, gamma=0.5)`, stepped once per update).
The solution states the update equations, writes out the first steps with numbers, and
tabulates every iterate, f, the gradient, lr_t and every state; each is an answer (`x_3`,
`m_3`; with several optimizers `optimizer 2 x_3`). The numbers come from
`derive.numeric.optim`, checked against its second implementation; the tests check them
against torch.optim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import sympy

from derive import converters
from derive.answers import Answer, Answers, Key
from derive.errors import FieldError, InputError, VerificationError
from derive.expr import formula_field, parse
from derive.numeric.descent import Trace
from derive.numeric.optim.run import OptimizerTrace, optimize
from derive.numeric.optim.schedules import rates
from derive.numeric.optim.specs import MOMENTUM_FORMS, Spec, parse_optimizer, parse_schedule
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.problems.optimize_equations import Equation, equations, finite, symbol
from derive.problems.optimize_tables import lr_step, shown, table, written_steps
from derive.solution import ImageFigure, Solution, Step, measured, shown_as_detail
from derive.symbolic.build import eq
from derive.symbolic.differences import central_difference

MAX_OPTIMIZERS = 8
MAX_STEPS = 200
MAX_VARIABLES = 10
NONNEGATIVE = ("v", "G", "vmax", "vhat", "lr", "lrdecay")


def _schedule(value: Any, name: str) -> Spec:
    try:
        return parse_schedule(converters.text(value, name), name)
    except InputError as error:
        raise FieldError(name, str(error).removeprefix(f"{name}: ")) from None


def _plot_path(value: Any, name: str) -> str:
    written = converters.text(value, name).strip()
    if not re.fullmatch(r"[A-Za-z0-9_./-]{1,200}\.(png|pdf)", written) or ".." in written:
        raise FieldError(name, "give a .png or .pdf file name of letters, digits, _ - . and /")
    return written


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """A function, a start, one or more optimizers, a number of steps, an optional schedule."""

    kind = "optimize"
    function: str = spec(formula_field, "f of the variables: x1**2 + 10*x2**2")
    x0: tuple[Decimal, ...] = spec(converters.real_vector, "start, variables in name order: 3,3")
    optimizer: tuple[Spec, ...] = spec(
        converters.call_list(parse_optimizer, "optimizer calls", MAX_OPTIMIZERS),
        "torch.optim calls: Adam(lr=0.1)")
    steps: int = spec(converters.bounded_int(1, MAX_STEPS), f"updates (1 to {MAX_STEPS})", 10)
    schedule: Spec | None = spec(_schedule, "an lr scheduler call: StepLR(step_size=3)", None)
    momentum_form: str = spec(converters.choice(*MOMENTUM_FORMS),
                              "SGD momentum as torch (b = mu b + g; x -= lr b) or cs231n "
                              "(v = mu v - lr g; x += v)", "torch")
    plot: str | None = spec(_plot_path, "write a picture of the paths (.png or .pdf)", None)

    @property
    def variables(self) -> list[sympy.Symbol]:
        return sorted(parse(self.function).free_symbols,
                      key=lambda s: [int(p) if p.isdigit() else p
                                     for p in re.split(r"(\d+)", s.name)])

    def validate(self) -> None:
        names = [v.name for v in self.variables]
        if not names or len(names) > MAX_VARIABLES:
            raise FieldError("function", f"needs 1 to {MAX_VARIABLES} variables, has "
                             f"{len(names)}")
        if len(self.x0) != len(names):
            raise FieldError("x0", f"{len(self.x0)} values for the {len(names)} variables "
                             f"{', '.join(names)} (in that order)")
        if self.momentum_form == "cs231n" and any(
                s.name == "SGD" and s["dampening"] for s in self.optimizer):
            raise FieldError("momentum_form", "CS231n's momentum has no dampening; use "
                             "the torch form or dampening=0")

    def field_values(self) -> dict[str, Any]:
        """The fields as plain values, each call as written."""
        values = super().field_values()
        values["optimizer"] = [s.text for s in self.optimizer]
        values["schedule"] = self.schedule.text if self.schedule else None
        return values

    def estimated_seconds(self) -> float:
        """Solving time: the derivation, then each optimizer's steps."""
        return 0.3 + 2e-4 * len(self.optimizer) * self.steps


def _functions(problem: Problem) -> tuple[Any, Any, sympy.Matrix, Any]:
    """f and its gradient as float functions, the gradient's formula, and f on arrays."""
    f = parse(problem.function)
    gradient = sympy.Matrix([sympy.diff(f, v) for v in problem.variables])
    f_numeric = sympy.lambdify([problem.variables], f, "numpy")
    g_numeric = sympy.lambdify([problem.variables], list(gradient), "numpy")
    return ((lambda x: float(f_numeric(x))), (lambda x: np.array(g_numeric(x), float)), gradient,
            f_numeric)


def _gradient_check(problem: Problem, gradient: Any, start: Any) -> float:
    """The derived gradient at the start against high-precision central differences."""
    f = parse(problem.function)
    point = {v: repr(float(x)) for v, x in zip(problem.variables, start, strict=True)}
    with np.errstate(all="ignore"):
        derived = gradient(start)
    numeric = [complex(central_difference(f, point, v)) for v in problem.variables]
    if not (np.all(np.isfinite(derived)) and all(np.isfinite(n) and not n.imag for n in numeric)):
        raise FieldError("x0", f"f or its gradient is not a finite real number at "
                         f"{start.tolist()}; start where both are")
    values = np.array([n.real for n in numeric])
    residual = float(np.max(np.abs(derived - values)) / max(1.0, float(np.max(np.abs(values)))))
    if not residual < 1e-6:
        raise VerificationError(f"optimize: gradient {derived} but differences {values}")
    return measured(residual)


def solve(problem: Problem) -> Solution:
    """The gradient, each optimizer's rule and first steps, and the table of every step."""
    f, gradient, formula, f_arrays = _functions(problem)
    start = np.array([float(v) for v in problem.x0])
    names = [v.name for v in problem.variables]
    check = _gradient_check(problem, gradient, start)
    steps = [Step(eq(sympy.Symbol("f"), parse(problem.function)), "the function"),
             Step(eq(sympy.Symbol(r"\nabla f"), formula), "its gradient, entry by entry",
                  shape=(len(names), 1), check=check) if len(names) > 1 else
             Step(eq(sympy.Symbol(r"\nabla f"), formula[0]), "its derivative", check=check)]
    several = len(problem.optimizer) > 1
    answers: list[Answer] = []
    tables, traces = [], {}
    for number, chosen in enumerate(problem.optimizer, start=1):
        lrs = rates(problem.schedule, chosen["lr"], problem.steps)
        if number == 1 and problem.schedule is not None:
            steps.append(lr_step(problem.schedule, lrs))
        trace = optimize(chosen, f, gradient, start.tolist(), lrs, problem.momentum_form)
        setting = (("optimizer", str(number)),) if several else ()
        tag = f"^{{[{number}]}}" if several else ""
        steps += _rule_steps(trace, tag, number if several else None)
        steps += written_steps(trace, tag, setting)
        answers += _answers(trace, setting, problem.statement or "")
        tables.append(table(trace, names, number if several else None))
        traces[f"{number}: {chosen.text}"] = Trace(
            [r.x for r in trace.records], [r.f for r in trace.records])
    figure = ImageFigure(problem.plot or "", (f_arrays, traces, names))  # see render.pictures
    keys = shown_as_detail(Answers(answers), tuple(steps))
    return Solution(problem, tuple(steps), keys, notes=_notes(problem, names),
                    tables=tuple(tables), figure=figure)


def _rule_steps(trace: OptimizerTrace, tag: str, number: int | None) -> list[Step]:
    spec = trace.spec
    title = f"optimizer {number}, " if number else ""
    call = spec.text  # as the problem wrote it, never every default spelled out
    found = []
    t = sympy.Symbol("t")
    for index, equation in enumerate(equations(spec, trace.form, tag)):
        why = equation.why + equation.first
        why = why if index else f"{title}{call}, element-wise, step by step from t = 1: {why}"
        found.append(Step(eq(symbol(equation.tex, t, tag), equation.rhs(t)), why))
    last = trace.records[-1]
    setting = (("optimizer", str(number)),) if number else ()
    found.append(Step(symbol("x", last.t, tag), f"{title}{trace.verdict} after {last.t} steps"
                      f"; f = {last.f:.6g} there", value=shown(last.x), check=trace.check,
                      key=Key(f"x_{last.t}", setting=setting)))
    return found


STEPS = ("x_t, f_t, lr_t and the optimizer's state of every step t, for each optimizer "
         "(the tables)")


def _answers(trace: OptimizerTrace, setting: tuple[tuple[str, str], ...],
             statement: str) -> list[Answer]:
    """Every step's x_t, f_t, lr_t and state, each a detail answer but those `boxed`."""
    found: list[Answer] = []
    rules = equations(trace.spec, trace.form)
    chosen = boxed(rules, statement, trace.records[-1].t)
    for record in trace.records:
        values: dict[str, Any] = {"x": record.x, "f": record.f}
        if record.t:
            values["lr"] = record.lr
            values.update({e.name: e.value(record) for e in rules if e.name != "x"})
        for name, value in values.items():
            if finite(value):
                found.append(Answer(Key(f"{name}_{record.t}", setting=setting), shown(value),
                                    nonnegative=name in NONNEGATIVE and not (
                                        name == "v" and trace.spec.name == "SGD"),
                                    detail="" if f"{name}_{record.t}" in chosen else STEPS))
    return found


def boxed(rules: list[Equation], statement: str, last: int) -> set[str]:
    """What an optimizer's run boxes: the last iterate x_T, f(x_T), and each state the
    statement names ("with the velocity v_t"); the rest of its table are detail answers."""
    words = statement.lower()
    named = [e.name for e in rules if any(word in words for word in e.named)]
    return {f"{name}_{last}" for name in ("x", "f", *named)}


def _notes(problem: Problem, names: list[str]) -> tuple[str, ...]:
    notes = [f"variables in order: {', '.join(names)}",
             *(["squares, square roots, products and quotients of vectors are element-wise"]
               if len(names) > 1 else []),
             "step t uses g_t, the gradient at x_(t-1), and lr_t, the rate after t - 1 "
             "scheduler steps (torch.optim's order: optimizer.step(), then scheduler.step())"]
    if any(s.name == "SGD" and s["momentum"] for s in problem.optimizer):
        notes.append("SGD momentum in CS231n's form: v_t = mu v_(t-1) - lr_t g_t, x_t = x_(t-1) "
                     "+ v_t; it agrees with torch's b_t = mu b_(t-1) + g_t, x_t = x_(t-1) - lr_t "
                     "b_t (v_t = -lr b_t) for a constant learning rate"
                     if problem.momentum_form == "cs231n" else
                     "SGD momentum in torch's form: b_1 = g_1, b_t = mu b_(t-1) + (1 - tau) g_t, "
                     "x_t = x_(t-1) - lr_t b_t; CS231n's v_t = mu v_(t-1) - lr_t g_t, x_t = "
                     "x_(t-1) + v_t agrees with it (v_t = -lr b_t) for a constant learning rate "
                     "and no dampening")
    return tuple(notes)
