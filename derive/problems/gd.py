"""`gd`: gradient descent with fixed step sizes on a function of several variables.

The gradient is derived by SymPy (checked by finite differences); each rate's iterates
are tabulated until the stopping rule holds or they diverge. For a quadratic the Hessian
explains the outcome: the iteration converges exactly when every |1 - eta lambda_i| < 1,
i.e. eta < 2 / lambda_max, and the iterates are checked against the closed form
x_k - x* = (I - eta H)^k (x_0 - x*).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import sympy
from sympy import MatAdd, MatMul

from derive import converters
from derive.answers import Answer, Answers, Key
from derive.errors import FieldError, VerificationError
from derive.expr import formula_field, parse
from derive.numeric.descent import Trace, descend
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.problems.gd_answers import minimizer, rate_answers
from derive.solution import Formula, ImageFigure, Solution, Step, Table, measured, shown_as_detail
from derive.symbolic.build import add, eq, equalities, mul, neg
from derive.symbolic.differences import central_difference
from derive.symbolic.matrices import Elementwise

MAX_ITERATIONS = 100_000  # step sizes x max_steps: about a second of iterating
SECONDS_PER_ITERATION = 1.2e-5
SHOWN_ROWS = 12  # iterates tabulated per rate: the first ones and the last
CLOSED_FORM_STEPS = 10


def _plot_path(value: Any, name: str) -> str:
    written = converters.text(value, name).strip()
    if not re.fullmatch(r"[A-Za-z0-9_./-]{1,200}\.(png|pdf)", written) or ".." in written:
        raise FieldError(name, "give a .png or .pdf file name of letters, digits, _ - . and /")
    return written


def _natural(name: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """A function, a starting point, the step sizes, and the stopping rule."""

    kind = "gd"
    function: str = spec(formula_field, "f of the variables: x1**2 + x1*x2 + 4*x2**2")
    x0: tuple[Decimal, ...] = spec(converters.real_vector, "start, variables in name order: 3,3")
    lr: tuple[Decimal, ...] = spec(converters.listed(converters.real_number, "rates", 8),
                                   "step sizes, one or several: 0.1", (Decimal("0.1"),))
    tol: Decimal = spec(converters.real_number, "epsilon of the stopping rule", Decimal("1e-6"))
    max_steps: int = spec(converters.bounded_int(1, 100_000), "most iterations per rate", 1000)
    steps: int | None = spec(converters.bounded_int(1, 100_000), "run exactly this many updates, "
                             "with no stopping rule (replaces max_steps)", None)
    plot: str | None = spec(_plot_path, "write a picture of the paths (.png or .pdf)", None)

    @property
    def variables(self) -> list[sympy.Symbol]:
        return sorted(parse(self.function).free_symbols, key=lambda s: _natural(s.name))

    def validate(self) -> None:
        names = [v.name for v in self.variables]
        if not names:
            raise FieldError("function", "has no variables; write e.g. x1**2 + x2**2")
        if len(self.x0) != len(names):
            raise FieldError("x0", f"{len(self.x0)} values for the {len(names)} variables "
                             f"{', '.join(names)} (in that order)")
        if any(rate <= 0 for rate in self.lr):
            raise FieldError("lr", "step sizes must be positive")
        if self.tol <= 0:
            raise FieldError("tol", "the tolerance must be positive")
        if len(self.lr) * self.max_steps > MAX_ITERATIONS:
            total = len(self.lr) * self.max_steps
            raise FieldError("max_steps", f"{len(self.lr)} step sizes x {self.max_steps} steps "
                             f"is {total} iterations; at most {MAX_ITERATIONS} in all, so lower "
                             "max_steps or give fewer step sizes")

    def estimated_seconds(self) -> float:
        """Solving time (measured here): the derivation, then each iteration."""
        return 0.05 + SECONDS_PER_ITERATION * len(self.lr) * self.max_steps


def polynomial_order(expr: sympy.Expr) -> sympy.Expr:
    """A sum as a course writes a polynomial: higher degree first, then x1 before x2, the
    constant last (x1**2 + x1*x2 + 4*x2**2, 2*x1 + x2; SymPy's own order gave x2 + 2*x1).

    >>> x1, x2 = sympy.symbols("x1 x2")
    >>> polynomial_order(x2 + 2*x1 + 3).args
    (2*x1, x2, 3)
    """
    if not isinstance(expr, sympy.Add):
        return expr
    return sympy.Add(*expr.as_ordered_terms(order="grlex"), evaluate=False)


def solve(problem: Problem) -> Solution:
    """The gradient, the update rule, the Hessian's verdict, and every rate's iterates."""
    f = parse(problem.function)
    variables = problem.variables
    gradient = sympy.Matrix([sympy.diff(f, v) for v in variables])
    f_numeric = sympy.lambdify([variables], f, "numpy")
    g_numeric = sympy.lambdify([variables], list(gradient), "numpy")
    start = np.array([float(v) for v in problem.x0])
    ordered = gradient.applyfunc(polynomial_order)  # as a course writes it: 2x1 + x2
    steps = [Step(eq(sympy.Symbol("f"), polynomial_order(f)), "the function"),
             Step(eq(sympy.Symbol(r"\nabla f"), ordered),
                  "its gradient, entry by entry",
                  shape=(len(variables), 1),
                  check=_gradient_check(f, variables, f_numeric, g_numeric, start))]
    rule = equalities(sympy.Symbol("x^{(k+1)}"), add(sympy.Symbol("x^{(k)}"), neg(mul(
        sympy.Symbol("eta"), sympy.Symbol(r"\nabla f(x^{(k)})")))))
    steps.append(Step(rule, "the update with a fixed step size eta"))
    answers: dict[Any, Any] = {"gradient": Formula(ordered, (len(variables), 1))}
    quadratic = _hessian(f, variables)
    if quadratic is not None:
        steps += _stability(quadratic, problem, answers)
        best = minimizer(quadratic.tolist(), np.array(g_numeric(0 * start), float))
        if best is not None:
            answers["x*"], answers["f(x*)"] = best, float(f_numeric(best))
    traces = {}
    tables = []
    for rate in problem.lr:
        eta = float(rate)
        trace = descend(lambda x: float(f_numeric(x)), lambda x: np.array(g_numeric(x), float),
                        start, eta, float(problem.tol), problem.steps or problem.max_steps,
                        stop=problem.steps is None)
        traces[f"eta = {eta:g}"] = trace
        steps.append(_first_step(eta, start, np.array(g_numeric(start), float)))
        check = (_closed_form(quadratic, np.array(g_numeric(0 * start), float), trace, eta)
                 if quadratic is not None else None)
        steps.append(Step(sympy.Symbol(f"x^{{({len(trace.points) - 1})}}"),
                          f"eta = {eta:g}: {trace.verdict} after {len(trace.points) - 1} steps "
                          f"({trace.reason}); ||grad f|| = {trace.gradient_norms[-1]:.4g} there",
                          value=trace.points[-1], check=check))
        tables.append(_table(trace, eta, [v.name for v in variables]))
        answers.update({a.key: a for a in rate_answers(trace, eta, g_numeric)})
    # the renderer draws it: at `plot` when given, else beside the document (render.pictures)
    figure = ImageFigure(problem.plot or "", (f_numeric, traces, [v.name for v in variables]))
    notes = [_stopping_note(problem),
             f"variables in order: {', '.join(v.name for v in variables)}"]
    return Solution(problem, tuple(steps),
                    shown_as_detail(Answers.from_values(answers), tuple(steps)),
                    notes=tuple(notes), tables=tuple(tables),
                    figure=figure)


def _stopping_note(problem: Problem) -> str:
    """The stopping rule, its tolerance written as the steps write it (1e-06, typeset 10^-6).

    >>> _stopping_note(Problem(function="x1**2", x0=(Decimal(1),), lr=(Decimal("0.1"),)))
    'stopping when |f(x_(k+1)) - f(x_k)| < 1e-06 (or ||grad f(x_k)|| < 1e-06), at most 1000 steps'
    """
    tol = f"{float(problem.tol):g}"
    return (f"stopping when |f(x_(k+1)) - f(x_k)| < {tol} (or ||grad f(x_k)|| < {tol}), at most "
            f"{problem.max_steps} steps")


def _first_step(eta: float, start: Any, slope: Any) -> Step:
    """x^(1) = x^(0) - eta grad f(x^(0)), with the numbers."""
    x0 = sympy.MatrixSymbol("x^{(0)}", len(start), 1)
    grad = Elementwise("gradient", "grad f({})", r"\nabla f\left({}\right)", x0)
    formula = MatAdd(x0, MatMul(sympy.Float(-eta), grad, evaluate=False), evaluate=False)
    return Step(equalities(sympy.Symbol("x^{(1)}"), formula), f"eta = {eta:g}: the first step",
                value=start - eta * slope, shape=(len(start), 1),
                given={x0: start.reshape(-1, 1), grad: slope.reshape(-1, 1)})


def _gradient_check(f: sympy.Expr, variables: list[sympy.Symbol], f_numeric: Any,
                    gradient: Any, at: Any) -> float:
    """Relative difference between the derived gradient, in floats, and high-precision central
    differences of f: a far start, or one coordinate dwarfing another in f, does not swamp
    them as it would in floats."""
    with np.errstate(all="ignore"):
        derived = np.array(gradient(at), dtype=complex)
        value = complex(f_numeric(at))
    if not (np.isfinite(derived).all() and np.isfinite(value) and not derived.imag.any()
            and not value.imag):
        raise FieldError("x0", f"f or its gradient is not a finite real number at "
                         f"{at.tolist()}; start where both are")
    point = {v: repr(float(x)) for v, x in zip(variables, at, strict=True)}
    numeric = []
    for v in variables:
        difference = complex(central_difference(f, point, v))
        if not (np.isfinite(difference) and not difference.imag):
            raise FieldError("x0", f"f is not a finite real number next to {at.tolist()}; "
                             "start inside its domain")
        numeric.append(difference.real)
    residual = float(np.max(np.abs(derived.real - numeric))
                     / max(1.0, float(np.max(np.abs(numeric)))))
    if not residual < 1e-6:
        raise VerificationError(f"gd: gradient {derived.real} but finite differences {numeric}")
    return measured(residual)


def _hessian(f: sympy.Expr, variables: list[sympy.Symbol]) -> sympy.Matrix | None:
    """The Hessian when f is quadratic (constant second derivatives), else None."""
    hessian = sympy.hessian(f, variables)
    return hessian if not hessian.free_symbols and f.is_polynomial(*variables) else None


def _stability(hessian: sympy.Matrix, problem: Problem, answers: dict[Any, Any]) -> list[Step]:
    eigenvalues = sorted(float(sympy.re(sympy.N(v))) for v in hessian.eigenvals(multiple=True))
    answers["hessian"] = np.array(hessian.tolist(), dtype=float)
    answers["hessian eigenvalues"] = eigenvalues
    steps = [Step(eq(sympy.Symbol("H"), hessian), "the Hessian is constant: f is quadratic",
                  shape=hessian.shape),
             Step(sympy.Symbol(r"\lambda(H)"), "its eigenvalues", value=eigenvalues)]
    top = eigenvalues[-1]
    if eigenvalues[0] <= 0:
        steps.append(Step(sympy.Symbol(r"\lambda_{min}"), "H is not positive definite: f has "
                          "no unique minimum and gradient descent need not converge",
                          value=eigenvalues[0]))
        return steps
    answers[Key("rate bound")] = Answer(Key("rate bound"), 2 / top, nonnegative=True)
    steps.append(Step(equalities(sympy.Symbol(r"\eta_{max}"), 2 / sympy.Symbol(
        r"\lambda_{max}")), "x_k - x* = (I - eta H)^k (x_0 - x*): it shrinks exactly when "
        "every |1 - eta lambda_i| < 1, i.e. eta < 2 / lambda_max", value=2 / top,
        given={sympy.Symbol(r"\lambda_{max}"): top}))
    for rate in problem.lr:
        factor = max(abs(1 - float(rate) * lam) for lam in eigenvalues)
        steps.append(Step(sympy.Symbol(r"\rho"), f"eta = {rate}: contraction factor "
                          f"max |1 - eta lambda_i|; {_contraction_verdict(factor)}",
                          value=factor))
        key = Key("contraction", setting=(("lr", f"{float(rate):g}"),))
        answers[key] = Answer(key, factor, nonnegative=True)
    return steps


def _contraction_verdict(factor: float) -> str:
    """What a contraction factor says of the iteration: below 1 it converges; at 1 the slowest
    component keeps its size (it flips sign when 1 - eta lambda = -1); above 1 it diverges."""
    if np.isclose(factor, 1.0, rtol=0, atol=1e-12):
        return "it does not converge: that component keeps its size"
    return "it converges" if factor < 1 else "it diverges"


def _closed_form(hessian: sympy.Matrix, linear: Any, trace: Trace, eta: float) -> float:
    """The first iterates against the linear recursion of a quadratic: with
    grad f(x) = H x + c (c = grad f(0)), x_(k+1) = (I - eta H) x_k - eta c."""
    H = np.array(hessian.tolist(), dtype=float)
    shift = -eta * linear
    x, residual = trace.points[0], 0.0
    for point in trace.points[1:CLOSED_FORM_STEPS + 1]:
        x = (np.eye(len(H)) - eta * H) @ x + shift
        residual = max(residual, float(np.max(np.abs(x - point)) / max(1.0, np.max(np.abs(x)))))
    if not residual < 1e-9:
        raise VerificationError(f"gd: iterates differ from the closed form by {residual:.1e}")
    return measured(residual)


def _table(trace: Trace, eta: float, names: list[str]) -> Table:
    rows = list(range(len(trace.points)))
    if len(rows) > SHOWN_ROWS:
        rows = rows[: SHOWN_ROWS - 2] + [-1, rows[-1]]
    cells = []
    for k in rows:
        if k < 0:
            cells.append(("...", "...", "...", "..."))
            continue
        point = ", ".join(repr(float(v)) for v in trace.points[k])  # rounded when rendered
        cells.append((str(k), f"({point})", repr(float(trace.values[k])),
                      repr(float(trace.gradient_norms[k]))))
    return Table((f"k (eta = {eta:g})", f"({', '.join(names)})", "f", "||grad f||"),
                 tuple(cells))
