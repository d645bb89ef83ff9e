"""`graph`: forward values and chain-rule gradients on the computational graph of an expression.

The graph keeps the reader's nodes (`derive.symbolic.graph`); the root's value and every
leaf's gradient are checked against an independent route (SymPy's own expression of the
same text, differentiated symbolically) and against central finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sympy

from derive import converters
from derive.answers import Answers
from derive.errors import FieldError, VerificationError
from derive.expr import formula_field, parse
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.problems.graph_tables import (
    backward_table,
    forward_table,
    local_value,
    locals_table,
    operations,
    reader_leaves,
)
from derive.solution import GraphFigure, GraphNode, Solution, Step, measured
from derive.symbolic.build import add, equalities, mul
from derive.symbolic.differences import central_difference
from derive.symbolic.graph import Graph, Node, _one_sided, build_graph
from derive.symbolic.matrices import Partial

MAX_PATHS = 16  # more paths to a leaf than this are summed by the backward pass instead
TOLERANCE = 1e-9  # against SymPy's exact derivative
FD_TOLERANCE = 1e-6  # against high-precision central finite differences


def _root_name(value: Any, name: str) -> str:
    written = converters.text(value, name).strip()
    if not written.isidentifier() or len(written) > 16:
        raise FieldError(name, "use a short name of letters and digits, e.g. z")
    return written


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """A scalar expression and a value for every variable in it."""

    kind = "graph"
    expression: str = spec(formula_field, "the expression: relu(w1*relu(w0*x0 + b0) + b1 + x0)")
    at: tuple[tuple[str, Decimal], ...] = spec(converters.assignments, "values: x0=1,w0=0.3")
    name: str = spec(_root_name, "name of the output node", "f")

    def validate(self) -> None:
        missing = sorted({str(s) for s in parse(self.expression).free_symbols}
                         - {key for key, _ in self.at})
        if missing:
            raise FieldError("at", f"no value for {', '.join(missing)}; add them to --at")


def solve(problem: Problem) -> Solution:
    """Forward values, the local derivative on every edge and the backward pass as tables,
    then every leaf's gradient as the sum over its paths."""
    graph = build_graph(problem.expression, {k: float(v) for k, v in problem.at}, problem.name)
    gradients = graph.gradients()
    checks = _independent(problem, graph, gradients)
    steps = _leaves(graph, gradients, checks)
    tables = (forward_table(graph), locals_table(graph), backward_table(graph, gradients))
    leaves = reader_leaves(graph)  # no leaf uses another: any order of them is reverse-topological
    order = ", ".join(node.name for node in [*reversed(operations(graph)), *leaves])
    notes = [f"the backward pass visits {order} (reverse topological order): a node's "
             "gradient is complete only after every node that uses it has passed its share back"]
    if graph.kinks:
        notes.append(f"{', '.join(graph.kinks)} sit at a kink, where the derivative is taken "
                     "as 0 (ReLU'(0) = 0); finite differences are not used there")
    answers: dict[str, Any] = {problem.name: graph.root.value}
    answers.update({f"d{problem.name}/d{leaf.name}": gradients[leaf.name]
                    for leaf in leaves})
    figure = GraphFigure(tuple(GraphNode(node.symbol, _operation(graph, node), node.value,
                                         gradients[node.name], node.inputs)
                               for node in graph.nodes))
    return Solution(problem, tuple(steps), Answers.from_values(answers),
                    notes=tuple(notes), tables=tables, figure=figure)


def _operation(graph: Graph, node: Node) -> sympy.Basic | None:
    return None if node.op in ("leaf", "const") else graph.formula(node)


def _leaves(graph: Graph, gradients: dict[str, float], checks: dict[str, float]) -> list[Step]:
    """Each leaf's gradient as the sum over paths of the products of local derivatives."""
    steps = []
    for leaf in reader_leaves(graph):
        paths = graph.paths(leaf, MAX_PATHS)
        if paths is None:
            continue
        products = [mul(*(Partial(upper.symbol, lower.symbol)
                          for upper, lower in zip(path, path[1:], strict=False)))
                    for path in paths]
        given = {Partial(upper.symbol, lower.symbol): local_value(upper, lower.index)
                 for path in paths for upper, lower in zip(path, path[1:], strict=False)}
        why = (f"chain rule for {leaf.name}: the product of local derivatives along "
               + ("its path" if len(paths) == 1 else f"each of its {len(paths)} paths, summed"))
        steps.append(Step(equalities(Partial(graph.root.symbol, leaf.symbol), add(*products)
                                     if len(products) > 1 else products[0]),
                          why, value=gradients[leaf.name], given=given,
                          check=checks[leaf.name]))
    return steps


def _independent(problem: Problem, graph: Graph, gradients: dict[str, float]) -> dict[str, float]:
    """Residuals against SymPy's own expression of the text: its value, its symbolic
    derivatives and high-precision central finite differences (away from kinks)."""
    expression = parse(problem.expression)
    at = {sympy.Symbol(k, real=True): sympy.Float(str(v), 30) for k, v in problem.at}
    value = float(sympy.N(expression.xreplace(at), 30))
    if abs(value - graph.root.value) > TOLERANCE * max(1.0, abs(value)):
        raise VerificationError(f"graph: value {graph.root.value}, SymPy {value}")
    residuals = {}
    for leaf in graph.leaves:
        symbol = sympy.Symbol(leaf.name, real=True)
        exact = float(sympy.N(_one_sided(sympy.diff(expression, symbol)).xreplace(at), 30))
        residual = abs(exact - gradients[leaf.name]) / max(1.0, abs(exact))
        if not residual < TOLERANCE:
            raise VerificationError(f"graph: d{problem.name}/d{leaf.name} is "
                                    f"{gradients[leaf.name]}, SymPy gives {exact}")
        if not graph.kinks:
            difference = abs(float(central_difference(expression, at, symbol))
                             - gradients[leaf.name])
            residual = max(residual, difference / max(1.0, abs(exact)))
            if not residual < FD_TOLERANCE:
                raise VerificationError(f"graph: d{problem.name}/d{leaf.name} is "
                                        f"{gradients[leaf.name]}, finite differences disagree")
        residuals[leaf.name] = measured(residual)
    return residuals
