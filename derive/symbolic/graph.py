"""The computational graph of a scalar expression, as the reader wrote it.

One node per operation in the order written (post-order), shared sub-expressions once,
each leaf a variable. Every node's value comes from its operation rule; every edge
carries the local derivative, which SymPy derives from the rule (ReLU'(0) = 0 and the
kinks of max, min and abs are taken the same way: the derivative of the side that is
strictly larger). The backward pass visits nodes in reverse topological order.

>>> g = build_graph("relu(w*x + b)", {"w": 2, "x": 3, "b": -1})
>>> [node.name for node in g.nodes], g.root.value
(['w', 'x', 'v_1', 'b', 'v_2', 'f'], 5.0)
>>> g.gradients()["w"]
3.0
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy
from sympy import Heaviside, Piecewise

from derive.errors import InputError
from derive.expr import _BINARY, _UNARY, FUNCTIONS, validate
from derive.symbolic.build import add, div, mul, neg, power


@dataclass(frozen=True)
class Operation:
    """How a node computes: a display form (in the reader's order) and its mathematics."""

    arity: int
    show: Callable[..., sympy.Expr]
    math: Callable[..., sympy.Expr]


def _function(name: str) -> Operation:
    arity, builder = FUNCTIONS[name]
    display = sympy.Function(name)
    return Operation(arity, lambda *args: display(*args), builder)


OPERATIONS: dict[str, Operation] = {
    "+": Operation(2, add, _BINARY[ast.Add]),
    "-": Operation(2, lambda a, b: add(a, neg(b)), _BINARY[ast.Sub]),
    "*": Operation(2, mul, _BINARY[ast.Mult]),
    "/": Operation(2, div, _BINARY[ast.Div]),
    "**": Operation(2, power, _BINARY[ast.Pow]),
    "neg": Operation(1, neg, _UNARY[ast.USub]),
    **{name: _function(name) for name in FUNCTIONS},
}
_SYMBOL_OF = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


@dataclass
class Node:
    """A leaf (variable), a constant, or an operation on earlier nodes."""

    index: int
    name: str
    op: str  # "leaf", "const" or a key of OPERATIONS
    inputs: tuple[int, ...] = ()
    written: str = ""  # the sub-expression as the reader wrote it
    value: float = 0.0
    local: tuple[sympy.Expr, ...] = ()  # d(node)/d(input k), in the inputs' symbols
    local_values: tuple[float, ...] = ()

    @property
    def symbol(self) -> sympy.Symbol:
        return sympy.Symbol(self.name, real=True)


@dataclass
class Graph:
    nodes: list[Node]
    root_name: str = "f"
    kinks: list[str] = field(default_factory=list)  # nodes evaluated at a kink

    @property
    def root(self) -> Node:
        return self.nodes[-1]

    @property
    def leaves(self) -> list[Node]:
        return [node for node in self.nodes if node.op == "leaf"]

    def consumers(self, index: int) -> list[Node]:
        return [node for node in self.nodes if index in node.inputs]

    def formula(self, node: Node) -> sympy.Expr:
        """The node's operation on its inputs' symbols (constants as numbers)."""
        return OPERATIONS[node.op].show(*(self._operand(i) for i in node.inputs))

    def _operand(self, index: int) -> sympy.Expr:
        node = self.nodes[index]
        return _number(node.value) if node.op == "const" else node.symbol

    def values(self) -> dict[sympy.Symbol, float]:
        return {node.symbol: node.value for node in self.nodes}

    def gradients(self) -> dict[str, float]:
        """d root / d node for every node, accumulated in reverse topological order."""
        adjoint = [0.0] * len(self.nodes)
        adjoint[-1] = 1.0
        for node in reversed(self.nodes):
            for index, local in zip(node.inputs, node.local_values, strict=True):
                adjoint[index] += adjoint[node.index] * local
        return {node.name: adjoint[node.index] for node in self.nodes}

    def paths(self, leaf: Node, limit: int) -> list[list[Node]] | None:
        """Every path from the root down to `leaf` (as node lists), or None past `limit`."""
        found: list[list[Node]] = []

        def walk(node: Node, trail: list[Node]) -> bool:
            if node.index == leaf.index:
                found.append(trail + [node])
                return len(found) <= limit
            return all(walk(self.nodes[i], trail + [node]) for i in dict.fromkeys(node.inputs))

        return found if walk(self.root, []) else None


def _number(value: float) -> sympy.Expr:
    return sympy.Integer(int(value)) if float(value).is_integer() else sympy.Float(value)


def _one_sided(expr: sympy.Expr) -> sympy.Expr:
    """Heaviside(x) as 1[x > 0]: the derivative at a kink is taken as 0."""
    return expr.replace(Heaviside, lambda x, *rest: Piecewise((1, x > 0), (0, True)))


def build_graph(text: str, at: Mapping[str, float], root_name: str = "f") -> Graph:
    """The graph of `text` (checked by the safe parser) evaluated at the values `at`."""
    tree = validate(text)
    nodes: list[Node] = []
    seen: dict[str, int] = {}

    def visit(node: ast.AST) -> int:
        key = ast.dump(node)
        if key in seen:
            return seen[key]
        if isinstance(node, ast.Name):
            if node.id not in at:
                raise InputError(f"at: no value for {node.id!r}; add {node.id}=... to --at")
            made = Node(len(nodes), node.id, "leaf", value=float(at[node.id]))
        elif isinstance(node, ast.Constant):
            made = Node(len(nodes), ast.unparse(node), "const", value=float(node.value))  # type: ignore[arg-type]
        else:
            op, children = _operation(node)
            inputs = tuple(visit(child) for child in children)
            made = Node(len(nodes), "", op, inputs, ast.unparse(node))
        made.written = made.written or ast.unparse(node)
        nodes.append(made)
        seen[key] = made.index
        return made.index

    visit(tree)
    operations = [node for node in nodes if node.op not in ("leaf", "const")]
    for number, node in enumerate(operations, 1):
        node.name = root_name if node is nodes[-1] else f"v_{number}"
    if nodes[-1].op in ("leaf", "const"):
        raise InputError("expression: write at least one operation, e.g. w*x + b")
    graph = Graph(nodes, root_name)
    for node in operations:
        _evaluate(graph, node)
    return graph


def _operation(node: ast.AST) -> tuple[str, list[ast.AST]]:
    if isinstance(node, ast.BinOp):
        return _SYMBOL_OF[type(node.op)], [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return ("neg" if isinstance(node.op, ast.USub) else "+"), (
            [node.operand] if isinstance(node.op, ast.USub) else [ast.Constant(0), node.operand])
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    return node.func.id, list(node.args)


def _evaluate(graph: Graph, node: Node) -> None:
    """The node's value and each edge's local derivative, from the operation's mathematics."""
    operands = [graph._operand(i) for i in node.inputs]
    math = OPERATIONS[node.op].math(*operands)
    at = {graph.nodes[i].symbol: sympy.Float(graph.nodes[i].value, 30) for i in node.inputs}
    node.value = _real(math.xreplace(at), node)
    # one dummy per operand position, so x*x has the local derivative x on each of its edges
    slots = sympy.symbols(f"u_0:{len(operands)}", real=True)
    by_slot = OPERATIONS[node.op].math(*slots)
    back = dict(zip(slots, operands, strict=True))
    locals_ = [_one_sided(sympy.diff(by_slot, slot)).xreplace(back)
               if graph.nodes[i].op != "const" else sympy.Integer(0)
               for slot, i in zip(slots, node.inputs, strict=True)]
    node.local = tuple(locals_)
    node.local_values = tuple(_real(local.xreplace(at), node) for local in locals_)
    if any(isinstance(atom, Piecewise) for local in locals_ for atom in local.atoms(Piecewise)) \
            and any(abs(float(sympy.N(arg.xreplace(at)))) < 1e-12 for local in locals_
                    for piece in local.atoms(Piecewise) for arg in _kink_arguments(piece)):
        graph.kinks.append(node.name)


def _kink_arguments(piece: Piecewise) -> list[sympy.Expr]:
    return [cond.lhs - cond.rhs for _, cond in piece.args if isinstance(cond, sympy.Rel)]


def _real(expr: sympy.Expr, node: Node) -> float:
    value = sympy.N(expr, 30)
    if not value.is_real or not value.is_finite:
        raise InputError(f"at: {node.written} is undefined at these values ({value}); "
                         "change the values in --at")
    return float(value)
